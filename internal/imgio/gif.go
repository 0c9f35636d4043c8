package imgio

import (
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"io"

	"github.com/ganbook/ganbook/internal/fileio"
)

// Palettize converts a frame for a GIF: onto a 256-level gray palette (gray),
// or dithered (Floyd-Steinberg) onto the Plan 9 palette. Dithering is most of
// a GIF's cost: a caller that writes the same frames again keeps these.
func Palettize(f image.Image, gray bool) *image.Paletted {
	pal := color.Palette(palette.Plan9)
	if gray {
		pal = grayPalette
	}
	p := image.NewPaletted(f.Bounds(), pal)
	if gray {
		draw.Draw(p, p.Bounds(), f, f.Bounds().Min, draw.Src)
	} else {
		draw.FloydSteinberg.Draw(p, p.Bounds(), f, f.Bounds().Min)
	}
	return p
}

var grayPalette = func() color.Palette {
	pal := make(color.Palette, 256)
	for i := range pal {
		pal[i] = color.Gray{Y: uint8(i)}
	}
	return pal
}()

// SaveGIF writes frames converted by Palettize as a looping animated GIF,
// atomically: delay is each frame's time in hundredths of a second, the last
// frame stays hold times as long.
func SaveGIF(path string, frames []*image.Paletted, delay, hold int) error {
	anim := &gif.GIF{}
	for i, p := range frames {
		d := delay
		if i == len(frames)-1 {
			d = delay * max(hold, 1)
		}
		anim.Image = append(anim.Image, p)
		anim.Delay = append(anim.Delay, d)
	}
	return fileio.WriteFileAtomic(path, func(w io.Writer) error { return gif.EncodeAll(w, anim) })
}

// IsGray reports whether every pixel has equal red, green and blue.
func IsGray(img image.Image) bool {
	if _, ok := img.(*image.Gray); ok {
		return true
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r != g || g != bl {
				return false
			}
		}
	}
	return true
}
