package gan

import (
	"image"
	"math"
	"slices"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganbook/ganbook/internal/imgio"
)

// InterpolateNoise returns steps noise vectors walking from a to b, both ends
// included: along the straight line, or spherically (slerp, Shoemake 1985). The
// spherical walk is what White 2016 ("Sampling Generative Networks") advises
// for GAN noise: Gaussian vectors of many dimensions lie near a sphere, and the
// straight line's midpoint is unusually short, so its images look washed out.
func InterpolateNoise(a, b []float32, steps int, spherical bool) [][]float32 {
	omega := 0.0
	if spherical {
		var dot, na, nb float64
		for i := range a {
			dot += float64(a[i]) * float64(b[i])
			na += float64(a[i]) * float64(a[i])
			nb += float64(b[i]) * float64(b[i])
		}
		omega = math.Acos(max(-1, min(1, dot/math.Sqrt(na*nb))))
	}
	out := make([][]float32, steps)
	for s := range steps {
		t := 0.0
		if steps > 1 {
			t = float64(s) / float64(steps-1)
		}
		wa, wb := 1-t, t
		if omega > 1e-6 { // parallel vectors: the straight line is the arc
			wa, wb = math.Sin((1-t)*omega)/math.Sin(omega), math.Sin(t*omega)/math.Sin(omega)
		}
		z := make([]float32, len(a))
		for i := range z {
			z[i] = float32(wa*float64(a[i]) + wb*float64(b[i]))
		}
		out[s] = z
	}
	return out
}

// InterpolationGrid draws rows walks of steps images each, every row between
// two noise vectors drawn with seed: a picture of how smoothly the generator
// turns one image into another (a memorising generator jumps).
func (g *GAN) InterpolationGrid(rows, steps int, seed int64, spherical bool) (image.Image, error) {
	dim := g.Opts.NoiseDim
	ends := tensors.MustCopyFlatData[float32](Noise(2*rows, dim, seed))
	z := make([]float32, 0, rows*steps*dim)
	for r := range rows {
		for _, v := range InterpolateNoise(ends[2*r*dim:(2*r+1)*dim], ends[(2*r+1)*dim:(2*r+2)*dim], steps, spherical) {
			z = append(z, v...)
		}
	}
	var classes []int // a conditional GAN walks within one class per row
	if g.Opts.Conditional() {
		for r := range rows {
			classes = append(classes, slices.Repeat([]int{r % g.Opts.Classes}, steps)...)
		}
	}
	imgs, err := g.Draw(tensors.FromFlatDataAndDimensions(z, rows*steps, dim), classes)
	if err != nil {
		return nil, err
	}
	return imgio.Grid(imgs, steps, 2, 2), nil
}
