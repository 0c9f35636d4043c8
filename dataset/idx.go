package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ganbook/ganbook/internal/fileio"
)

// maxIDXBytes bounds what ReadIDX accepts after decompression (MNIST's training
// images are 47 MB).
const maxIDXBytes = 512 << 20

// ReadIDX reads an IDX file of unsigned bytes (the MNIST format: magic 0x0803
// for images, 0x0801 for labels), gzipped or not, and returns its dimensions and
// data. Every error names the file.
func ReadIDX(path string) (dims []int, data []byte, err error) {
	if err := fileio.CheckRegularFile(path); err != nil {
		return nil, nil, err
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, notFound(path + ": no such file")
		}
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	dims, data, err = ParseIDX(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return dims, data, nil
}

// ParseIDX parses the bytes of an IDX file, gzipped or not.
func ParseIDX(raw []byte) (dims []int, data []byte, err error) {
	if len(raw) >= 2 && raw[0] == 0x1f && raw[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, nil, fmt.Errorf("corrupt gzip data: %w", err)
		}
		raw, err = io.ReadAll(io.LimitReader(zr, maxIDXBytes+1))
		if err != nil {
			return nil, nil, fmt.Errorf("corrupt or truncated gzip data: %w", err)
		}
		if len(raw) > maxIDXBytes {
			return nil, nil, fmt.Errorf("IDX data larger than %d MB", maxIDXBytes>>20)
		}
	}
	if len(raw) < 4 {
		return nil, nil, fmt.Errorf("too short for an IDX file (%d bytes)", len(raw))
	}
	if raw[0] != 0 || raw[1] != 0 || raw[2] != 0x08 {
		return nil, nil, fmt.Errorf("not an IDX file of unsigned bytes (magic % x)", raw[:4])
	}
	rank := int(raw[3])
	if rank < 1 || rank > 4 || len(raw) < 4+4*rank {
		return nil, nil, fmt.Errorf("bad IDX header (rank %d, %d bytes)", rank, len(raw))
	}
	total := 1
	for i := range rank {
		d := int(binary.BigEndian.Uint32(raw[4+4*i:]))
		if d <= 0 || d > maxIDXBytes || total*d > maxIDXBytes {
			return nil, nil, fmt.Errorf("bad IDX dimension %d = %d", i, d)
		}
		dims = append(dims, d)
		total *= d
	}
	data = raw[4+4*rank:]
	if len(data) != total {
		return nil, nil, fmt.Errorf("IDX header promises %d bytes of data (%v), file has %d: the file is truncated or corrupt", total, dims, len(data))
	}
	return dims, data, nil
}

// LoadIDXPair reads an images file [N, H, W] and a labels file [N] into a
// dataset of N grayscale images resized to size (28: as they are) with
// channels 1 or 3 (gray repeated).
func LoadIDXPair(name, imagesPath, labelsPath string, size, channels int) (*Dataset, error) {
	dims, pix, err := ReadIDX(imagesPath)
	if err != nil {
		return nil, err
	}
	if len(dims) != 3 {
		return nil, fmt.Errorf("%s: want images [N, H, W], got dimensions %v", imagesPath, dims)
	}
	ldims, labels, err := ReadIDX(labelsPath)
	if err != nil {
		return nil, err
	}
	if len(ldims) != 1 || ldims[0] != dims[0] {
		return nil, fmt.Errorf("%s: want %d labels, got dimensions %v", labelsPath, dims[0], ldims)
	}
	return grayDataset(name, pix, dims[0], dims[1], dims[2], labels, size, channels), nil
}
