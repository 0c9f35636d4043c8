package imgio

import (
	"fmt"
	"image"
	"image/color"

	"golang.org/x/image/draw"
)

// Fit centre-crops img to a square and resizes it to size x size (Catmull-Rom,
// which filters properly when shrinking), returning channels-last float32 values
// in [-1, 1]: channels 1 is grayscale (luma), 3 is RGB.
func Fit(img image.Image, size, channels int) []float32 {
	b := img.Bounds()
	side := min(b.Dx(), b.Dy())
	crop := image.Rect(0, 0, side, side).Add(b.Min).Add(image.Pt((b.Dx()-side)/2, (b.Dy()-side)/2))
	dst := image.NewNRGBA(image.Rect(0, 0, size, size))
	if side == size {
		draw.Draw(dst, dst.Bounds(), img, crop.Min, draw.Src)
	} else {
		draw.CatmullRom.Scale(dst, dst.Bounds(), img, crop, draw.Src, nil)
	}
	return FromImage(dst, channels)
}

// FromImage converts img to channels-last float32 values in [-1, 1].
func FromImage(img image.Image, channels int) []float32 {
	b := img.Bounds()
	out := make([]float32, 0, b.Dx()*b.Dy()*channels)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			if channels == 1 {
				gray := color.GrayModel.Convert(c).(color.Gray)
				out = append(out, toUnit(gray.Y))
			} else {
				out = append(out, toUnit(c.R), toUnit(c.G), toUnit(c.B))
			}
		}
	}
	return out
}

func toUnit(v uint8) float32 { return float32(v)/127.5 - 1 }

func toByte(v float32) uint8 {
	v = (v + 1) * 127.5
	switch {
	case v <= 0 || v != v: // NaN shows as black
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v + 0.5)
}

// ToImage converts one channels-last image of values in [-1, 1] (clipped) to an
// image: *image.Gray for 1 channel, *image.NRGBA for 3.
func ToImage(pix []float32, h, w, channels int) (image.Image, error) {
	if len(pix) != h*w*channels || (channels != 1 && channels != 3) {
		return nil, fmt.Errorf("cannot make a %dx%dx%d image from %d values", h, w, channels, len(pix))
	}
	if channels == 1 {
		img := image.NewGray(image.Rect(0, 0, w, h))
		for i, v := range pix {
			img.Pix[i] = toByte(v)
		}
		return img, nil
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range h * w {
		img.Pix[4*i] = toByte(pix[3*i])
		img.Pix[4*i+1] = toByte(pix[3*i+1])
		img.Pix[4*i+2] = toByte(pix[3*i+2])
		img.Pix[4*i+3] = 255
	}
	return img, nil
}

// Batch converts a batch of channels-last images [n, h, w, c] (flat) to images.
func Batch(pix []float32, n, h, w, channels int) ([]image.Image, error) {
	per := h * w * channels
	if len(pix) != n*per {
		return nil, fmt.Errorf("cannot make %d %dx%dx%d images from %d values", n, h, w, channels, len(pix))
	}
	out := make([]image.Image, n)
	for i := range n {
		img, err := ToImage(pix[i*per:(i+1)*per], h, w, channels)
		if err != nil {
			return nil, err
		}
		out[i] = img
	}
	return out, nil
}
