package gan

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
)

// Checkpoints written before ganbook switched to safetensors (read only):
//
//	"GANBOOK1" | uint64 header length | header JSON | tensor bytes | SHA-256 of all before
//
// The header holds the step, the options and, per variable, its path, dtype,
// dimensions, trainable flag and byte range.
const (
	gbkMagic = "GANBOOK1"
	gbkExt   = ".gbk"
)

type gbkHeader struct {
	Step    int         `json:"step"`
	Options Options     `json:"options"`
	Tensors []ckptEntry `json:"tensors"`
}

func parseGBK(raw []byte) (*Checkpoint, error) {
	const minLen = len(gbkMagic) + 8 + sha256.Size
	if len(raw) < minLen {
		return nil, errTruncated
	}
	body, sum := raw[:len(raw)-sha256.Size], raw[len(raw)-sha256.Size:]
	if h := sha256.Sum256(body); !bytes.Equal(h[:], sum) {
		return nil, fmt.Errorf("%w (checksum mismatch)", errTruncated)
	}
	n := binary.LittleEndian.Uint64(body[len(gbkMagic):])
	rest := body[len(gbkMagic)+8:]
	if n > uint64(len(rest)) {
		return nil, errors.New("checkpoint header is truncated")
	}
	var hdr gbkHeader
	if err := json.Unmarshal(rest[:n], &hdr); err != nil {
		return nil, fmt.Errorf("checkpoint header is corrupt: %w", err)
	}
	return &Checkpoint{Step: hdr.Step, Options: hdr.Options, tensors: hdr.Tensors, data: rest[n:]}, nil
}
