package styletransfer

import (
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/ganbook/ganbook/internal/nn"
)

// The report's two ends: the photo itself keeps the content exactly (content
// ratio 0) and has the photo's style (style ratio 1); the painting itself has
// the painting's style (style ratio 0) and is as far from the content as the
// painting (content ratio 1). A blend lies between.
func TestMeasureTransfer(t *testing.T) {
	photo, painting := pattern(40, 0), pattern(40, 1)
	b := nn.MustBackend()
	for _, tc := range []struct {
		name           string
		result         image.Image
		style, content float64
	}{{"the photo", photo, 1, 0}, {"the painting", painting, 0, 1}} {
		r, err := MeasureTransfer(b, photo, painting, tc.result)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(r.StyleRatio-tc.style) > 1e-6 || math.Abs(r.ContentRatio-tc.content) > 1e-6 {
			t.Errorf("%s: %s, want style %g and content %g", tc.name, r, tc.style, tc.content)
		}
	}
	r, err := MeasureTransfer(b, photo, painting, blend(photo, painting))
	if err != nil {
		t.Fatal(err)
	}
	if r.StyleRatio <= 0 || r.StyleRatio >= 1 || r.ContentRatio <= 0 || r.ContentRatio >= 1 {
		t.Errorf("a half-way blend: %s, want both ratios strictly between 0 and 1", r)
	}
}

// pattern is a test picture: stripes for the "photo", a colourful checkerboard
// for the "painting".
func pattern(size, kind int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for y := range size {
		for x := range size {
			c := color.NRGBA{A: 255}
			if kind == 0 {
				c.R, c.G, c.B = uint8(255*(x/5%2)), uint8(4*y), 128
			} else {
				v := uint8(255 * ((x/8 + y/8) % 2))
				c.R, c.G, c.B = v, 255-v/2, uint8(6*x)
			}
			img.Set(x, y, c)
		}
	}
	return img
}

func blend(a, b image.Image) image.Image {
	out := image.NewNRGBA(a.Bounds())
	for y := range a.Bounds().Dy() {
		for x := range a.Bounds().Dx() {
			ca, cb := color.NRGBAModel.Convert(a.At(x, y)).(color.NRGBA), color.NRGBAModel.Convert(b.At(x, y)).(color.NRGBA)
			out.Set(x, y, color.NRGBA{R: uint8((int(ca.R) + int(cb.R)) / 2), G: uint8((int(ca.G) + int(cb.G)) / 2), B: uint8((int(ca.B) + int(cb.B)) / 2), A: 255})
		}
	}
	return out
}
