package gan

import (
	"image"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganbook/ganbook/internal/imgio"
)

// generateChunk bounds how many images one generator call makes, to keep memory flat.
const generateChunk = 256

// SampleGrid renders the generator's images for the fixed noise as one grid
// image (8 x 8, each image enlarged 2x): the same noise at every step, so the
// grids of a run show the generator learning.
func (g *GAN) SampleGrid() (image.Image, error) {
	imgs, err := g.imagesFor(g.FixedNoise)
	if err != nil {
		return nil, err
	}
	return imgio.Grid(imgs, 8, 2, 2), nil
}

// Samples generates n images from noise drawn with seed.
func (g *GAN) Samples(n int, seed int64) ([]image.Image, error) {
	flat, err := g.GenerateN(n, seed)
	if err != nil {
		return nil, err
	}
	o := g.Opts
	return imgio.Batch(flat, n, o.Size, o.Size, o.Channels)
}

// GenerateN generates n images from noise drawn with seed, in chunks of
// generateChunk so memory stays flat, and returns their values
// [n, Size, Size, Channels] flat, in [-1, 1].
func (g *GAN) GenerateN(n int, seed int64) ([]float32, error) {
	dim := g.Opts.NoiseDim
	z := tensors.MustCopyFlatData[float32](Noise(n, dim, seed))
	out := make([]float32, 0, n*g.Opts.Pixels())
	for start := 0; start < n; start += generateChunk {
		end := min(n, start+generateChunk)
		t, err := g.Generate(tensors.FromFlatDataAndDimensions(z[start*dim:end*dim], end-start, dim))
		if err != nil {
			return nil, err
		}
		out = append(out, tensors.MustCopyFlatData[float32](t)...)
		t.FinalizeAll()
	}
	return out, nil
}

func (g *GAN) imagesFor(z *tensors.Tensor) ([]image.Image, error) {
	t, err := g.Generate(z)
	if err != nil {
		return nil, err
	}
	defer t.FinalizeAll()
	o := g.Opts
	return imgio.Batch(tensors.MustCopyFlatData[float32](t), t.Shape().Dim(0), o.Size, o.Size, o.Channels)
}
