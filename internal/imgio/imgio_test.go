package imgio

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testImage is a w x h gradient.
func testImage(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(x * 255 / max(w-1, 1)), uint8(y * 255 / max(h-1, 1)), 128, 255})
		}
	}
	return img
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func encodePNG(img image.Image) []byte {
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// hugePNGHeader is a valid PNG signature and IHDR chunk claiming w x h pixels, with no data.
func hugePNGHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk := append([]byte("IHDR"), ihdr...)
	_ = binary.Write(&b, binary.BigEndian, uint32(13))
	b.Write(chunk)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestDecodeErrors(t *testing.T) {
	dir := t.TempDir()
	good := encodePNG(testImage(20, 10))
	var jpg bytes.Buffer
	_ = jpeg.Encode(&jpg, testImage(20, 10), nil)
	cases := map[string]struct {
		path string
		want string
	}{
		"missing":        {filepath.Join(dir, "nope.png"), "no such file"},
		"directory":      {dir, "is a directory"},
		"empty":          {writeFile(t, dir, "empty.png", nil), "empty file"},
		"text":           {writeFile(t, dir, "text.png", []byte("hello, not an image")), "not a PNG, JPEG or GIF"},
		"truncated png":  {writeFile(t, dir, "trunc.png", good[:len(good)/2]), "truncated"},
		"truncated jpeg": {writeFile(t, dir, "trunc.jpg", jpg.Bytes()[:jpg.Len()/2]), "truncated"},
		"huge header":    {writeFile(t, dir, "huge.png", hugePNGHeader(100000, 100000)), "megapixel limit"},
	}
	for name, tc := range cases {
		_, err := Decode(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) {
			t.Errorf("%s: got %v, want an error naming %s and saying %q", name, err, tc.path, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error is not one line: %q", name, err)
		}
	}
	img, err := Decode(writeFile(t, dir, "good.png", good))
	if err != nil || img.Bounds().Dx() != 20 {
		t.Fatalf("good PNG: %v", err)
	}
}

// Fit centre-crops: a 30x10 image whose middle 10x10 is white and sides black
// becomes all white.
func TestFitCentreCrops(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 30, 10))
	for y := range 10 {
		for x := 10; x < 20; x++ {
			img.SetGray(x, y, color.Gray{255})
		}
	}
	px := Fit(img, 5, 1)
	if len(px) != 25 {
		t.Fatalf("got %d values, want 25", len(px))
	}
	for i, v := range px {
		if v < 0.99 {
			t.Fatalf("value %d = %g, want 1 (white centre)", i, v)
		}
	}
	rgb := Fit(testImage(8, 8), 8, 3)
	if len(rgb) != 8*8*3 || rgb[0] != -1 || rgb[2] != toUnit(128) {
		t.Fatalf("RGB fit: len %d, first pixel %v", len(rgb), rgb[:3])
	}
}

// A large shrink goes through boxShrink: a 400x400 image, left half black and
// right half white, becomes 8x8 with the same halves.
func TestFitLargeShrink(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 400, 400))
	for y := range 400 {
		for x := 200; x < 400; x++ {
			img.SetGray(x, y, color.Gray{255})
		}
	}
	px := Fit(img, 8, 1)
	for y := range 8 {
		if px[y*8] > -0.99 || px[y*8+7] < 0.99 {
			t.Fatalf("row %d: left %g, right %g", y, px[y*8], px[y*8+7])
		}
	}
	box := boxShrink(image.NewRGBA(image.Rect(0, 0, 4, 4)), 2)
	if box.Bounds().Dx() != 2 {
		t.Fatalf("boxShrink size %v", box.Bounds())
	}
}

func TestToImageRoundTrip(t *testing.T) {
	pix := []float32{-1, -0.5, 0, 0.5, 1, 2} // 2 clips to white
	img, err := ToImage(pix, 2, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []uint8{0, 64, 128, 191, 255, 255}
	if got := img.(*image.Gray).Pix; !bytes.Equal(got, want) {
		t.Fatalf("gray bytes %v, want %v", got, want)
	}
	if _, err := ToImage(pix, 2, 2, 1); err == nil {
		t.Fatal("want an error for a wrong number of values")
	}
}

func TestGridLayout(t *testing.T) {
	imgs := []image.Image{testImage(4, 4), testImage(4, 4), testImage(4, 4)}
	g := Grid(imgs, 2, 1, 2)
	// 2 columns of 8 px + 3 pads; 2 rows.
	if b := g.Bounds(); b.Dx() != 2*8+3 || b.Dy() != 2*8+3 {
		t.Fatalf("grid is %v", b)
	}
}

func TestSaveIsAtomicAndChecksName(t *testing.T) {
	dir := t.TempDir()
	if err := Save(filepath.Join(dir, "x.bmp"), testImage(2, 2)); err == nil || !strings.Contains(err.Error(), "unsupported output") {
		t.Fatalf("want an unsupported-type error, got %v", err)
	}
	if err := Save(filepath.Join(dir, "missing", "x.png"), testImage(2, 2)); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("want a missing-directory error, got %v", err)
	}
	for _, name := range []string{"a.png", "b.jpg"} {
		if err := Save(filepath.Join(dir, name), testImage(4, 4)); err != nil {
			t.Fatal(err)
		}
		if _, err := Decode(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}

// The progress animation: every frame, in order, the last one held longer; a
// gray grid keeps its exact gray levels.
func TestSaveGIF(t *testing.T) {
	var frames []image.Image
	for i := range 3 {
		g := image.NewGray(image.Rect(0, 0, 4, 3))
		for j := range g.Pix {
			g.Pix[j] = uint8(40*i + j)
		}
		frames = append(frames, g)
	}
	path := filepath.Join(t.TempDir(), "progress.gif")
	if err := SaveGIF(path, palettize(frames), 20, 5); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	anim, err := gif.DecodeAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(anim.Image) != 3 || anim.Delay[0] != 20 || anim.Delay[2] != 100 {
		t.Fatalf("%d frames, delays %v; want 3 frames, 20 .. 100", len(anim.Image), anim.Delay)
	}
	for i, fr := range anim.Image {
		for j := range 12 {
			if y := color.GrayModel.Convert(fr.At(j%4, j/4)).(color.Gray).Y; y != uint8(40*i+j) {
				t.Fatalf("frame %d pixel %d: gray %d, want %d", i, j, y, 40*i+j)
			}
		}
	}
	// Colour frames are dithered onto a palette: still decodable, same size.
	rgb := image.NewNRGBA(image.Rect(0, 0, 5, 5))
	rgb.Set(1, 1, color.NRGBA{R: 200, G: 30, B: 90, A: 255})
	if err := SaveGIF(path, palettize([]image.Image{rgb}), 10, 1); err != nil {
		t.Fatal(err)
	}
}

// palettize converts frames as the progress animation does: gray frames
// keep a gray palette, any colour frame makes every frame dithered.
func palettize(frames []image.Image) []*image.Paletted {
	gray := true
	for _, f := range frames {
		gray = gray && IsGray(f)
	}
	out := make([]*image.Paletted, len(frames))
	for i, f := range frames {
		out[i] = Palettize(f, gray)
	}
	return out
}

// Transparency is composited over black: a white pixel at half opacity is mid
// grey, a fully transparent one black, whatever colour it stores.
func TestFromImageCompositesOverBlack(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	img.SetNRGBA(0, 0, color.NRGBA{R: 255, G: 255, B: 255, A: 128})
	img.SetNRGBA(1, 0, color.NRGBA{R: 255, G: 0, B: 0, A: 0})
	for _, channels := range []int{1, 3} {
		got := FromImage(img, channels)
		for i, v := range got {
			want := float32(-1) // transparent: black
			if i < channels {
				want = 128/127.5 - 1 // half of white
			}
			if math.Abs(float64(v-want)) > 0.01 {
				t.Errorf("channels %d: value %d = %.3f, want %.3f (all %v)", channels, i, v, want, got)
			}
		}
	}
}

// Saved pictures carry ganbook's mark and still decode to the same pixels; a
// picture written by anything else does not carry it.
func TestSaveMarksItsPictures(t *testing.T) {
	dir := t.TempDir()
	img := image.NewRGBA(image.Rect(0, 0, 5, 3))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
		if i%4 == 3 {
			img.Pix[i] = 255 // opaque: PNG keeps opaque colours exactly
		}
	}
	for _, name := range []string{"a.png", "b.jpg"} {
		p := filepath.Join(dir, name)
		if err := Save(p, img); err != nil {
			t.Fatal(err)
		}
		if !WrittenByGanbook(p) {
			t.Errorf("%s: no mark", name)
		}
		got, err := Decode(p)
		if err != nil {
			t.Fatalf("%s does not decode with its mark: %v", name, err)
		}
		if name == "a.png" && !SamePixels(got, img) {
			t.Errorf("%s: the mark changed the pixels", name)
		}
	}
	var plain bytes.Buffer
	_ = png.Encode(&plain, img)
	user := filepath.Join(dir, "photo.png")
	_ = os.WriteFile(user, plain.Bytes(), 0o644)
	if WrittenByGanbook(user) || WrittenByGanbook(filepath.Join(dir, "none.png")) {
		t.Error("a user's picture (or a missing one) counts as ganbook's")
	}
}
