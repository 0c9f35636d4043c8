package imgio

import (
	"bytes"
	"image/gif"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

// Decode answers any file content with an image or a one-line error naming
// the file, never a panic, and never decodes an image over MaxPixels.
func FuzzDecode(f *testing.F) {
	f.Add(encodePNG(testImage(5, 3)))
	var j, g bytes.Buffer
	_ = jpeg.Encode(&j, testImage(6, 4), nil)
	_ = gif.Encode(&g, testImage(4, 4), nil)
	f.Add(j.Bytes())
	f.Add(g.Bytes())
	f.Add(hugePNGHeader(100000, 100000))
	f.Add([]byte("GIF89a"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "x.img")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		img, err := Decode(path)
		if err != nil {
			if !bytes.Contains([]byte(err.Error()), []byte(path)) || bytes.Contains([]byte(err.Error()), []byte("\n")) {
				t.Fatalf("error %q must be one line naming the file", err)
			}
			return
		}
		if b := img.Bounds(); int64(b.Dx())*int64(b.Dy()) > MaxPixels {
			t.Fatalf("decoded a %v image over the limit", b)
		}
		_ = Fit(img, 8, 3)
	})
}
