package dataset

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLoadFolder loads 1000 photo-sized JPEGs (640x480) at 64x64 RGB:
// ns/op is the time per thousand images.
func BenchmarkLoadFolder(b *testing.B) {
	dir := b.TempDir()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, colourful(640, 480), &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%04d.jpg", i)), buf.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		ds, _, err := LoadFolder(dir, 64, 3)
		if err != nil || ds.N != 1000 {
			b.Fatal(err)
		}
	}
}

// BenchmarkBatcher: assembling one 64x64x3 batch of 64 from memory.
func BenchmarkBatcher(b *testing.B) {
	ds := &Dataset{Name: "b", N: 1000, Size: 64, Chan: 3, Images: make([]float32, 1000*64*64*3)}
	bt, err := NewBatcher(ds, 64, 1)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		bt.Next()
	}
}
