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
