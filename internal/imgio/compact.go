package imgio

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
)

// Compact returns a smaller image that shows the same picture when drawn
// factor times larger with pixelated rendering: an image made of 2x2 blocks of
// one colour (ganbook's grids are drawn at scale 2) keeps one pixel a block,
// as often as that holds, and a grey image becomes *image.Gray (one byte a
// pixel in a PNG instead of four). Notebooks embed their pictures, so this
// keeps a saved notebook a quarter of the size, losing nothing.
func Compact(img image.Image) (out image.Image, factor int) {
	switch img.(type) {
	case *image.Gray16, *image.RGBA64, *image.NRGBA64:
		return img, 1 // halve and asGray keep 8 bits a channel
	}
	out, factor = img, 1
	for blocky(out) {
		out, factor = halve(out), factor*2
	}
	if g, ok := asGray(out); ok {
		out = g
	}
	return out, factor
}

// blocky reports whether img has even sides and every aligned 2x2 block is
// one colour.
func blocky(img image.Image) bool {
	b := img.Bounds()
	if b.Dx() < 2 || b.Dy() < 2 || b.Dx()%2 != 0 || b.Dy()%2 != 0 {
		return false
	}
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			c := img.At(x, y)
			if !sameColor(c, img.At(x+1, y)) || !sameColor(c, img.At(x, y+1)) || !sameColor(c, img.At(x+1, y+1)) {
				return false
			}
		}
	}
	return true
}

func sameColor(a, b color.Color) bool {
	ar, ag, ab, aa := a.RGBA()
	br, bg, bb, ba := b.RGBA()
	return ar == br && ag == bg && ab == bb && aa == ba
}

// halve keeps the top-left pixel of every 2x2 block; a paletted image stays
// paletted, with its palette.
func halve(img image.Image) image.Image {
	b := img.Bounds()
	r := image.Rect(0, 0, b.Dx()/2, b.Dy()/2)
	if p, ok := img.(*image.Paletted); ok {
		out := image.NewPaletted(image.Rect(b.Min.X/2, b.Min.Y/2, b.Min.X/2+b.Dx()/2, b.Min.Y/2+b.Dy()/2), p.Palette)
		for y := range r.Dy() {
			for x := range r.Dx() {
				out.SetColorIndex(out.Rect.Min.X+x, out.Rect.Min.Y+y, p.ColorIndexAt(b.Min.X+2*x, b.Min.Y+2*y))
			}
		}
		return out
	}
	out := image.NewNRGBA(r)
	for y := range r.Dy() {
		for x := range r.Dx() {
			out.Set(x, y, img.At(b.Min.X+2*x, b.Min.Y+2*y))
		}
	}
	return out
}

// asGray converts an opaque image whose pixels all have equal red, green and
// blue.
func asGray(img image.Image) (*image.Gray, bool) {
	if g, ok := img.(*image.Gray); ok {
		return g, true
	}
	if _, ok := img.(*image.Paletted); ok {
		return nil, false // already one byte a pixel
	}
	b := img.Bounds()
	out := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			if r != g || g != bl || a != 0xffff {
				return nil, false
			}
			out.SetGray(x, y, color.Gray{Y: uint8(r >> 8)})
		}
	}
	return out, true
}

// CompactGIF is Compact for an animated GIF's encoding: when every frame
// (at even offsets, with even sides) is made of 2x2 blocks, the frames are
// halved, as often as that holds. It returns the new encoding and the factor
// (1 and the input when nothing could be halved).
func CompactGIF(raw []byte) ([]byte, int, error) {
	anim, err := gif.DecodeAll(bytes.NewReader(raw))
	if err != nil {
		return nil, 0, err
	}
	factor := 1
	for {
		ok := anim.Config.Width%2 == 0 && anim.Config.Height%2 == 0
		for _, f := range anim.Image {
			ok = ok && f.Rect.Min.X%2 == 0 && f.Rect.Min.Y%2 == 0 && blocky(f)
		}
		if !ok {
			break
		}
		for i, f := range anim.Image {
			anim.Image[i] = halve(f).(*image.Paletted)
		}
		anim.Config.Width, anim.Config.Height = anim.Config.Width/2, anim.Config.Height/2
		factor *= 2
	}
	if factor == 1 {
		return raw, 1, nil
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, anim); err != nil {
		return nil, 0, err
	}
	return buf.Bytes(), factor, nil
}
