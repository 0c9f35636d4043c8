package safetensors

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

func FuzzSafetensors(f *testing.F) {
	header := []byte(`{"features.0.bias":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`)
	var good bytes.Buffer
	_ = binary.Write(&good, binary.LittleEndian, uint64(len(header)))
	good.Write(header)
	good.Write(make([]byte, 8))
	f.Add(good.Bytes())
	f.Add(good.Bytes()[:20])
	f.Add([]byte{255, 255, 255, 255, 255, 255, 255, 255})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "w.safetensors")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := Open(path)
		if err != nil {
			return
		}
		defer st.Close()
		for name, e := range st.Entries {
			_, _ = st.Float32(name, e.Shape...)
		}
		_, _ = st.Float32("features.0.bias", 2)
	})
}
