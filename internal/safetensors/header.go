package safetensors

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ParseHeader parses a safetensors JSON header (the bytes after the 8-byte
// size) on its own, without the data: for learning a remote file's layout
// before fetching any tensor. Offsets stay relative to the start of the data
// (8 + len(header)). dataSize is how many data bytes the file holds, where
// known (< 0: unknown); an entry reaching beyond it is an error.
func ParseHeader(header []byte, dataSize int64) (map[string]Entry, map[string]string, error) {
	if len(header) == 0 {
		return nil, nil, errors.New("empty safetensors header")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(header, &raw); err != nil {
		return nil, nil, fmt.Errorf("corrupt safetensors header: %w", err)
	}
	entries := map[string]Entry{}
	var metadata map[string]string
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &metadata); err != nil {
				return nil, nil, fmt.Errorf("corrupt safetensors metadata: %w", err)
			}
			continue
		}
		var e Entry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, nil, fmt.Errorf("corrupt safetensors entry %q: %w", name, err)
		}
		if e.Offsets[0] < 0 || e.Offsets[1] < e.Offsets[0] {
			return nil, nil, fmt.Errorf("safetensors entry %q has impossible offsets %v", name, e.Offsets)
		}
		for _, d := range e.Shape {
			if d < 0 {
				return nil, nil, fmt.Errorf("safetensors entry %q has a negative dimension in shape %v", name, e.Shape)
			}
		}
		if dataSize >= 0 && int64(e.Offsets[1]) > dataSize {
			return nil, nil, fmt.Errorf("safetensors entry %q ends at data byte %d, beyond the file's %d data bytes", name, e.Offsets[1], dataSize)
		}
		entries[name] = e
	}
	return entries, metadata, nil
}
