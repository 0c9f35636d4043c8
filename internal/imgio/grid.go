package imgio

import (
	"image"
	"image/color"
	"image/draw"
	"math"
)

// Grid lays images out in rows of cols (0: as square as possible), with pad
// pixels of dark gray between them and scale times enlarged (nearest
// neighbour, so 28x28 digits stay crisp). All images should have the size of the
// first.
func Grid(images []image.Image, cols, pad, scale int) image.Image {
	if len(images) == 0 {
		return image.NewNRGBA(image.Rect(0, 0, 1, 1))
	}
	if cols <= 0 {
		cols = int(math.Ceil(math.Sqrt(float64(len(images)))))
	}
	scale = max(scale, 1)
	rows := (len(images) + cols - 1) / cols
	cw, ch := images[0].Bounds().Dx()*scale, images[0].Bounds().Dy()*scale
	out := image.NewNRGBA(image.Rect(0, 0, cols*cw+(cols+1)*pad, rows*ch+(rows+1)*pad))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.Gray{Y: 40}), image.Point{}, draw.Src)
	for i, img := range images {
		x0 := pad + (i%cols)*(cw+pad)
		y0 := pad + (i/cols)*(ch+pad)
		b := img.Bounds()
		for y := range ch {
			for x := range cw {
				out.Set(x0+x, y0+y, img.At(b.Min.X+x/scale, b.Min.Y+y/scale))
			}
		}
	}
	return out
}
