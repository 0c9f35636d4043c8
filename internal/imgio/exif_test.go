package imgio

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

// exifJPEG is a JPEG with an APP1 Exif segment whose IFD0 holds one entry,
// Orientation o, in the given byte order.
func exifJPEG(t *testing.T, img image.Image, o int, order binary.ByteOrder) []byte {
	t.Helper()
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, img, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	var tiff bytes.Buffer
	if order == binary.LittleEndian {
		tiff.WriteString("II")
	} else {
		tiff.WriteString("MM")
	}
	_ = binary.Write(&tiff, order, uint16(42))
	_ = binary.Write(&tiff, order, uint32(8))
	_ = binary.Write(&tiff, order, uint16(1))      // one entry
	_ = binary.Write(&tiff, order, uint16(0x0112)) // Orientation
	_ = binary.Write(&tiff, order, uint16(3))      // SHORT
	_ = binary.Write(&tiff, order, uint32(1))
	_ = binary.Write(&tiff, order, uint16(o))
	_ = binary.Write(&tiff, order, uint16(0))
	_ = binary.Write(&tiff, order, uint32(0)) // no next IFD
	seg := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	out := []byte{0xff, 0xd8, 0xff, 0xe1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}
	out = append(out, seg...)
	return append(out, enc.Bytes()[2:]...)
}

// A phone photo stored sideways with Orientation 6 decodes upright, as every
// viewer shows it; both byte orders are read; no EXIF means no turn.
func TestDecodeAppliesEXIFOrientation(t *testing.T) {
	// 16 wide, 8 high: the left half red, the right half blue.
	img := image.NewRGBA(image.Rect(0, 0, 16, 8))
	for y := range 8 {
		for x := range 16 {
			c := color.RGBA{255, 0, 0, 255}
			if x >= 8 {
				c = color.RGBA{0, 0, 255, 255}
			}
			img.Set(x, y, c)
		}
	}
	dir := t.TempDir()
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		p := filepath.Join(dir, "phone.jpg")
		if err := os.WriteFile(p, exifJPEG(t, img, 6, order), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := Orientation(p); got != 6 {
			t.Fatalf("%v: orientation %d, want 6", order, got)
		}
		got, err := Decode(p)
		if err != nil {
			t.Fatal(err)
		}
		// Turned 90 degrees clockwise: 8 wide, 16 high, red (the old left) on top.
		if b := got.Bounds(); b.Dx() != 8 || b.Dy() != 16 {
			t.Fatalf("%v: decoded %dx%d, want 8x16", order, b.Dx(), b.Dy())
		}
		if r, _, bl, _ := got.At(4, 2).RGBA(); r < 0xc000 || bl > 0x4000 {
			t.Errorf("%v: the top is not red after the turn", order)
		}
		if r, _, bl, _ := got.At(4, 13).RGBA(); bl < 0xc000 || r > 0x4000 {
			t.Errorf("%v: the bottom is not blue after the turn", order)
		}
	}
	plain := filepath.Join(dir, "plain.jpg")
	var b bytes.Buffer
	_ = jpeg.Encode(&b, img, nil)
	_ = os.WriteFile(plain, b.Bytes(), 0o644)
	if Orientation(plain) != 1 {
		t.Error("a JPEG without EXIF has an orientation")
	}
}

// Orient maps each corner where the EXIF specification says.
func TestOrientCorners(t *testing.T) {
	// 3 wide, 2 high; the top-left pixel is marked.
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(0, 0, color.RGBA{255, 255, 255, 255})
	for o, want := range map[int]image.Point{1: {0, 0}, 2: {2, 0}, 3: {2, 1}, 4: {0, 1}, 5: {0, 0}, 6: {1, 0}, 7: {1, 2}, 8: {0, 2}} {
		got := Orient(img, o)
		if r, _, _, _ := got.At(want.X, want.Y).RGBA(); r != 0xffff {
			t.Errorf("orientation %d: the marked pixel is not at %v", o, want)
		}
	}
}

// Turning the small square (FitOriented, what a training folder does, to keep
// no full-size copy of a phone photo) gives the picture that turning the photo
// first (Decode, then Fit) gives.
func TestFitOrientedMatchesTurningFirst(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 60, 30))
	for y := range 30 {
		for x := range 60 {
			img.Set(x, y, color.RGBA{uint8(4 * x), uint8(8 * y), uint8(2 * (x + y)), 255})
		}
	}
	p := filepath.Join(t.TempDir(), "phone.jpg")
	if err := os.WriteFile(p, exifJPEG(t, img, 6, binary.BigEndian), 0o644); err != nil {
		t.Fatal(err)
	}
	stored, o, err := DecodeStored(p)
	if err != nil || o != 6 {
		t.Fatalf("DecodeStored: orientation %d, %v", o, err)
	}
	turned, err := Decode(p)
	if err != nil {
		t.Fatal(err)
	}
	a, b := FitOriented(stored, o, 8, 3), Fit(turned, 8, 3)
	for i := range a {
		if d := a[i] - b[i]; d > 0.02 || d < -0.02 {
			t.Fatalf("value %d: %.3f turned after the shrink, %.3f before", i, a[i], b[i])
		}
	}
}
