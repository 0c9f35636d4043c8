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
	return FromImage(fitSquare(img, size), channels)
}

// FitOriented is Fit for a picture stored as its EXIF orientation o says
// (DecodeStored): the small square is turned, not the full photo (turning
// commutes with a centre crop and a resize), so a folder of 48 MP phone photos
// costs no full-size copies.
func FitOriented(img image.Image, o, size, channels int) []float32 {
	return FromImage(Orient(fitSquare(img, size), o), channels)
}

// fitSquare centre-crops img to a square and resizes it to size x size.
func fitSquare(img image.Image, size int) *image.RGBA {
	b := img.Bounds()
	side := min(b.Dx(), b.Dy())
	crop := image.Rect(0, 0, side, side).Add(b.Min).Add(image.Pt((b.Dx()-side)/2, (b.Dy()-side)/2))
	dst := image.NewRGBA(image.Rect(0, 0, size, size)) // RGBA: x/image/draw has fast paths into it
	if side == size {
		draw.Draw(dst, dst.Bounds(), img, crop.Min, draw.Src)
		return dst
	}
	var src image.Image = img
	if f := side / (2 * size); f >= 2 {
		// A large shrink: average f x f blocks first (cheap), so Catmull-Rom's
		// kernel, whose width grows with the shrink factor, only does the last 2x.
		square := image.NewRGBA(image.Rect(0, 0, side, side))
		draw.Draw(square, square.Bounds(), img, crop.Min, draw.Src)
		src, crop = boxShrink(square, f), image.Rect(0, 0, side/f, side/f)
	}
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, crop, draw.Src, nil)
	return dst
}

// FromImage converts img to channels-last float32 values in [-1, 1]. Transparent
// parts are composited over black: an emoji or a logo with soft edges keeps
// them soft instead of showing each edge pixel's colour at full strength.
func FromImage(img image.Image, channels int) []float32 {
	b := img.Bounds()
	if rgba, ok := img.(*image.RGBA); ok && opaque(rgba) {
		return fromOpaqueRGBA(rgba, channels)
	}
	out := make([]float32, 0, b.Dx()*b.Dy()*channels)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			// Premultiplied RGBA is the colour over black (alpha 0: black).
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
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

func opaque(img *image.RGBA) bool {
	for i := 3; i < len(img.Pix); i += 4 {
		if img.Pix[i] != 255 {
			return false
		}
	}
	return true
}

// fromOpaqueRGBA is FromImage's fast path for the images Fit makes.
func fromOpaqueRGBA(img *image.RGBA, channels int) []float32 {
	b := img.Bounds()
	out := make([]float32, 0, b.Dx()*b.Dy()*channels)
	for y := range b.Dy() {
		row := img.Pix[y*img.Stride : y*img.Stride+4*b.Dx()]
		for x := 0; x < len(row); x += 4 {
			r, g, bl := row[x], row[x+1], row[x+2]
			if channels == 1 {
				gray := color.GrayModel.Convert(color.RGBA{r, g, bl, 255}).(color.Gray)
				out = append(out, toUnit(gray.Y))
			} else {
				out = append(out, toUnit(r), toUnit(g), toUnit(bl))
			}
		}
	}
	return out
}

// boxShrink averages f x f blocks of img (origin at 0,0) into an image f times smaller.
func boxShrink(img *image.RGBA, f int) *image.RGBA {
	w, h := img.Bounds().Dx()/f, img.Bounds().Dy()/f
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	sums := make([]int, 4*w)
	for y := range h {
		clear(sums)
		for dy := range f {
			row := img.Pix[(y*f+dy)*img.Stride:]
			for x := range w * f {
				o := 4 * (x / f)
				sums[o] += int(row[4*x])
				sums[o+1] += int(row[4*x+1])
				sums[o+2] += int(row[4*x+2])
				sums[o+3] += int(row[4*x+3])
			}
		}
		n := f * f
		for i, v := range sums {
			out.Pix[y*out.Stride+i] = uint8((v + n/2) / n)
		}
	}
	return out
}

// Shrink returns img scaled down (keeping its aspect) so that its longer side is
// at most maxSide; smaller images are returned as they are.
func Shrink(img image.Image, maxSide int) image.Image {
	b := img.Bounds()
	long := max(b.Dx(), b.Dy())
	if long <= maxSide {
		return img
	}
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx()*maxSide/long, b.Dy()*maxSide/long))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	return dst
}

// SamePixels reports whether two images have the same size and colours.
func SamePixels(a, b image.Image) bool {
	ab, bb := a.Bounds(), b.Bounds()
	if ab.Dx() != bb.Dx() || ab.Dy() != bb.Dy() {
		return false
	}
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			r1, g1, b1, a1 := a.At(ab.Min.X+x, ab.Min.Y+y).RGBA()
			r2, g2, b2, a2 := b.At(bb.Min.X+x, bb.Min.Y+y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return false
			}
		}
	}
	return true
}
