package imgio

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"testing"
)

// A 4x2 grey picture drawn at scale 2 (8x4) compacts back to it, as grey,
// with factor 2; one changed pixel stops the halving.
func TestCompact(t *testing.T) {
	small := image.NewGray(image.Rect(0, 0, 4, 2))
	for i := range small.Pix {
		small.Pix[i] = uint8(30 * i)
	}
	big := Grid([]image.Image{small}, 1, 0, 2)
	if b := big.Bounds(); b.Dx() != 8 || b.Dy() != 4 {
		t.Fatalf("grid %v", b)
	}
	out, factor := Compact(big)
	g, ok := out.(*image.Gray)
	if !ok || factor != 2 || out.Bounds().Dx() != 4 || out.Bounds().Dy() != 2 {
		t.Fatalf("Compact: %T %v factor %d, want *image.Gray 4x2 factor 2", out, out.Bounds(), factor)
	}
	for i := range small.Pix {
		if g.Pix[i] != small.Pix[i] {
			t.Fatalf("pixel %d = %d, want %d", i, g.Pix[i], small.Pix[i])
		}
	}
	nrgba := big.(*image.NRGBA)
	nrgba.Set(1, 0, color.NRGBA{R: 200, G: 10, B: 10, A: 255})
	if out, factor := Compact(nrgba); factor != 1 || out.Bounds().Dx() != 8 {
		t.Errorf("a broken block: factor %d, size %v, want 1 and 8 wide", factor, out.Bounds())
	}
}

// An animation of two 2x-blocky frames halves; the frames keep their pixels
// and delays.
func TestCompactGIF(t *testing.T) {
	pal := color.Palette{color.Black, color.White}
	var anim gif.GIF
	for k := range 2 {
		f := image.NewPaletted(image.Rect(0, 0, 4, 4), pal)
		for y := range 4 {
			for x := range 4 {
				f.SetColorIndex(x, y, uint8((x/2+y/2+k)%2))
			}
		}
		anim.Image = append(anim.Image, f)
		anim.Delay = append(anim.Delay, 10*(k+1))
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, &anim); err != nil {
		t.Fatal(err)
	}
	raw, factor, err := CompactGIF(buf.Bytes())
	if err != nil || factor != 2 {
		t.Fatalf("factor %d, err %v", factor, err)
	}
	got, err := gif.DecodeAll(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if got.Config.Width != 2 || len(got.Image) != 2 || got.Delay[1] != 20 {
		t.Fatalf("width %d, %d frames, delays %v", got.Config.Width, len(got.Image), got.Delay)
	}
	for k, f := range got.Image {
		for y := range 2 {
			for x := range 2 {
				if want := uint8((x + y + k) % 2); f.ColorIndexAt(x, y) != want {
					t.Fatalf("frame %d pixel (%d,%d) = %d, want %d", k, x, y, f.ColorIndexAt(x, y), want)
				}
			}
		}
	}
}
