package safetensors

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// ParseHeader reads the same layout Open does, from the header bytes alone.
func TestParseHeader(t *testing.T) {
	var buf bytes.Buffer
	err := Encode(&buf, map[string]Raw{
		"a": {DType: "F32", Shape: []int{2}, Data: make([]byte, 8)},
		"b": {DType: "I64", Shape: []int{1}, Data: make([]byte, 8)},
	}, map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(buf.Bytes())
	header := buf.Bytes()[8 : 8+n]
	entries, meta, err := ParseHeader(header, 16)
	if err != nil {
		t.Fatal(err)
	}
	if meta["k"] != "v" || len(entries) != 2 || entries["b"].DType != "I64" || entries["b"].Offsets != [2]int{8, 16} {
		t.Fatalf("got %v %v", entries, meta)
	}
	if _, _, err := ParseHeader(header, -1); err != nil {
		t.Fatalf("unknown data size: %v", err)
	}
	if _, _, err := ParseHeader(header, 15); err == nil || !strings.Contains(err.Error(), "beyond") {
		t.Errorf("want an entry beyond the data, got %v", err)
	}
	for _, bad := range []string{``, `{`, `[]`, `{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}`,
		`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, `{"__metadata__":{"k":1}}`} {
		if _, _, err := ParseHeader([]byte(bad), -1); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// Headers that a writer never produces are refused with a message, before any
// allocation: offsets near 2^63 (whose end, added to the header's, overflowed
// and once reached make() as a huge length), two tensors sharing bytes, and a
// byte range that does not fit the dtype and shape.
func TestHostileHeaders(t *testing.T) {
	for name, c := range map[string]struct{ header, want string }{
		"offset near 2^63": {`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,9223372036854775807]}}`, "outside the file"},
		"overlapping":      {`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, "overlap"},
		"size mismatch":    {`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, "needs 12 bytes"},
	} {
		if _, _, err := ParseHeader([]byte(c.header), 16); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error with %q", name, err, c.want)
		}
		// The same header in a file of 16 data bytes: Open refuses it too.
		var file bytes.Buffer
		_ = binary.Write(&file, binary.LittleEndian, uint64(len(c.header)))
		file.WriteString(c.header)
		file.Write(make([]byte, 16))
		if _, err := OpenBytes(name, file.Bytes()); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Open: got %v, want an error with %q", name, err, c.want)
		}
	}
}
