// Package safetensors reads and writes .safetensors files: an 8-byte header size, a JSON
// header (dtype, shape, byte range of each tensor), then the raw data.
package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"

	"github.com/ganbook/ganbook/internal/fileio"
)

// maxSafetensorsHeader bounds the JSON header (VGG-19's is a few kB).
const maxSafetensorsHeader = 100 << 20

// Entry describes one tensor of a .safetensors file.
type Entry struct {
	DType   string `json:"dtype"`
	Shape   []int  `json:"shape"`
	Offsets [2]int `json:"data_offsets"`
}

// File is an open .safetensors file: an 8-byte little-endian header size,
// a JSON header naming each tensor's dtype, shape and byte range, then the data.
// Tensors are read on demand, so only the ones used are loaded.
type File struct {
	path    string
	f       io.ReaderAt
	closer  io.Closer
	dataAt  int64
	size    int64
	Entries map[string]Entry
	// Metadata is the header's optional "__metadata__": free-form strings.
	Metadata map[string]string
}

// Open opens and validates the header of a .safetensors file.
func Open(path string) (*File, error) {
	if err := fileio.CheckRegularFile(path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such weights file", path)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s: not a weights file", path)
	}
	s := &File{path: path, f: f, closer: f, size: st.Size()}
	if err := s.readHeader(); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

func (s *File) readHeader() error {
	var nb [8]byte
	if _, err := s.f.ReadAt(nb[:], 0); err != nil {
		return errors.New("not a safetensors file (too short)")
	}
	n := binary.LittleEndian.Uint64(nb[:])
	if n == 0 || n > maxSafetensorsHeader || int64(n)+8 > s.size {
		return fmt.Errorf("not a safetensors file (header size %d, file size %d)", n, s.size)
	}
	header := make([]byte, n)
	if _, err := s.f.ReadAt(header, 8); err != nil {
		return fmt.Errorf("truncated safetensors header: %w", err)
	}
	s.dataAt = 8 + int64(n)
	// One validation for local and remote headers: offsets within the data
	// (compared without overflow), sizes that match dtype and shape, no overlaps.
	entries, metadata, err := ParseHeader(header, s.size-s.dataAt)
	if err != nil {
		return fmt.Errorf("%w (truncated download?)", err)
	}
	s.Entries, s.Metadata = entries, metadata
	return nil
}

// Names lists the tensors in the file, sorted.
func (s *File) Names() []string {
	names := make([]string, 0, len(s.Entries))
	for n := range s.Entries {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Float32 reads a float32 tensor and checks its shape.
func (s *File) Float32(name string, shape ...int) ([]float32, error) {
	e, ok := s.Entries[name]
	if !ok {
		return nil, fmt.Errorf("%s: no tensor %q (is this VGG-19's torchvision checkpoint?)", s.path, name)
	}
	if e.DType != "F32" {
		return nil, fmt.Errorf("%s: tensor %q has dtype %s, want F32", s.path, name, e.DType)
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	if fmt.Sprint(e.Shape) != fmt.Sprint(shape) || e.Offsets[1]-e.Offsets[0] != 4*n {
		return nil, fmt.Errorf("%s: tensor %q has shape %v, want %v", s.path, name, e.Shape, shape)
	}
	buf := make([]byte, 4*n)
	if _, err := s.f.ReadAt(buf, s.dataAt+int64(e.Offsets[0])); err != nil {
		return nil, fmt.Errorf("%s: reading %q: %w", s.path, name, err)
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
	}
	return out, nil
}

// Bytes reads a tensor's raw little-endian bytes, whatever its dtype.
func (s *File) Bytes(name string) ([]byte, error) {
	e, ok := s.Entries[name]
	if !ok {
		return nil, fmt.Errorf("%s: no tensor %q", s.path, name)
	}
	buf := make([]byte, e.Offsets[1]-e.Offsets[0])
	if _, err := s.f.ReadAt(buf, s.dataAt+int64(e.Offsets[0])); err != nil {
		return nil, fmt.Errorf("%s: reading %q: %w", s.path, name, err)
	}
	return buf, nil
}

// DataSize is the number of bytes after the header that the entries use (the
// end of the last tensor).
func (s *File) DataSize() int64 {
	end := 0
	for _, e := range s.Entries {
		end = max(end, e.Offsets[1])
	}
	return int64(end)
}

// HeaderSize is the byte offset of the data: 8 plus the JSON header's length.
func (s *File) HeaderSize() int64 { return s.dataAt }

// Close closes the file.
func (s *File) Close() error {
	if s.closer == nil {
		return nil
	}
	return s.closer.Close()
}

// OpenBytes reads safetensors data held in memory (e.g. embedded in the
// binary); name is used in error messages.
func OpenBytes(name string, data []byte) (*File, error) {
	s := &File{path: name, f: bytes.NewReader(data), size: int64(len(data))}
	if err := s.readHeader(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return s, nil
}

// Tensor is a float32 tensor to write.
type Tensor struct {
	Shape []int
	Data  []float32
}

// Write writes float32 tensors as a .safetensors file, atomically.
func Write(path string, tensors map[string]Tensor) error {
	raw := make(map[string]Raw, len(tensors))
	for n, t := range tensors {
		size := 1
		for _, d := range t.Shape {
			size *= d
		}
		if size != len(t.Data) {
			return fmt.Errorf("tensor %q: shape %v holds %d values, got %d", n, t.Shape, size, len(t.Data))
		}
		data := make([]byte, 0, 4*len(t.Data))
		for _, v := range t.Data {
			data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
		}
		raw[n] = Raw{DType: "F32", Shape: t.Shape, Data: data}
	}
	return fileio.WriteFileAtomic(path, func(w io.Writer) error { return Encode(w, raw, nil) })
}

// Raw is a tensor of any dtype to write: its safetensors dtype name ("F32",
// "I64", "U64", ...), shape and little-endian bytes.
type Raw struct {
	DType string
	Shape []int
	Data  []byte
}

// Encode writes tensors, sorted by name, and optional metadata (the header's
// "__metadata__") in the safetensors format.
func Encode(w io.Writer, tensors map[string]Raw, metadata map[string]string) error {
	names := make([]string, 0, len(tensors))
	for n := range tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	header := map[string]any{}
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	offset := 0
	for _, n := range names {
		t := tensors[n]
		header[n] = Entry{DType: t.DType, Shape: t.Shape, Offsets: [2]int{offset, offset + len(t.Data)}}
		offset += len(t.Data)
	}
	js, err := json.Marshal(header)
	if err != nil {
		return err
	}
	// The spec lets the header be padded with spaces; 8-byte alignment of the
	// data is what other readers prefer.
	for (8+len(js))%8 != 0 {
		js = append(js, ' ')
	}
	if err := binary.Write(w, binary.LittleEndian, uint64(len(js))); err != nil {
		return err
	}
	if _, err := w.Write(js); err != nil {
		return err
	}
	for _, n := range names {
		if _, err := w.Write(tensors[n].Data); err != nil {
			return err
		}
	}
	return nil
}
