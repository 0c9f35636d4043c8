package safetensors

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
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
			return nil, nil, fmt.Errorf("safetensors entry %q points outside the file: it ends at data byte %d, beyond the file's %d data bytes", name, e.Offsets[1], dataSize)
		}
		if want, ok := byteSize(e); ok && want != int64(e.Offsets[1]-e.Offsets[0]) {
			return nil, nil, fmt.Errorf("safetensors entry %q of shape %v needs %d bytes, its byte range %v holds %d", name, e.Shape, want, e.Offsets, e.Offsets[1]-e.Offsets[0])
		}
		entries[name] = e
	}
	if err := checkOverlaps(entries); err != nil {
		return nil, nil, err
	}
	return entries, metadata, nil
}

// dtypeBytes are the sizes of the element types ganbook reads or writes.
var dtypeBytes = map[string]int64{"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}

// byteSize is the number of bytes an entry's dtype and shape take (ok false
// for an unknown dtype or a shape too large to count).
func byteSize(e Entry) (int64, bool) {
	n, ok := dtypeBytes[e.DType]
	if !ok {
		return 0, false
	}
	for _, d := range e.Shape {
		if d != 0 && n > math.MaxInt64/int64(d) {
			return 0, false
		}
		n *= int64(d)
	}
	return n, true
}

// checkOverlaps refuses two tensors that share bytes: a file written by a
// safetensors writer never has them, a crafted or corrupt one may.
func checkOverlaps(entries map[string]Entry) error {
	names := make([]string, 0, len(entries))
	for n, e := range entries {
		if e.Offsets[1] > e.Offsets[0] {
			names = append(names, n)
		}
	}
	sort.Slice(names, func(i, j int) bool { return entries[names[i]].Offsets[0] < entries[names[j]].Offsets[0] })
	for i := 1; i < len(names); i++ {
		prev, cur := entries[names[i-1]], entries[names[i]]
		if cur.Offsets[0] < prev.Offsets[1] {
			return fmt.Errorf("safetensors entries %q and %q overlap (data bytes %v and %v): the file is corrupt", names[i-1], names[i], prev.Offsets, cur.Offsets)
		}
	}
	return nil
}
