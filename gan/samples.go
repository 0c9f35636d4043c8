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
// grids of a run show the generator learning. A conditional GAN's grid has one
// column per class (the first 10) and one row per noise vector (the first 8):
// each row is one "handwriting", each column one digit. A self-conditioned
// GAN's clusters are not digits: its grid is 8 x 8 noise vectors, each with
// the next cluster.
func (g *GAN) SampleGrid() (image.Image, error) {
	if !g.Opts.Conditional() || g.Opts.SelfConditioned() {
		imgs, err := g.Draw(g.FixedNoise, g.SampleClasses(g.FixedNoise.Shape().Dim(0)))
		if err != nil {
			return nil, err
		}
		return imgio.Grid(imgs, 8, 2, 2), nil
	}
	dim, cols := g.Opts.NoiseDim, min(g.Opts.Classes, 10)
	rows := min(8, g.FixedNoise.Shape().Dim(0))
	noise := tensors.MustCopyFlatData[float32](g.FixedNoise)
	z := make([]float32, 0, rows*cols*dim)
	for r := range rows {
		for range cols {
			z = append(z, noise[r*dim:(r+1)*dim]...)
		}
	}
	imgs, err := g.Draw(tensors.FromFlatDataAndDimensions(z, rows*cols, dim), EvenClasses(0, rows*cols, cols))
	if err != nil {
		return nil, err
	}
	return imgio.Grid(imgs, cols, 2, 2), nil
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
	classes := g.SampleClasses(n)
	for start := 0; start < n; start += generateChunk {
		end := min(n, start+generateChunk)
		var chunk []int // every class equally often over the n images
		if classes != nil {
			chunk = classes[start:end]
		}
		t, err := g.GenerateClasses(tensors.FromFlatDataAndDimensions(z[start*dim:end*dim], end-start, dim), chunk)
		if err != nil {
			return nil, err
		}
		out = append(out, tensors.MustCopyFlatData[float32](t)...)
		t.FinalizeAll()
	}
	return out, nil
}

// Draw runs the generator on noise z [N, NoiseDim] and, for a conditional
// GAN, the class of each picture (nil: i % Classes), and returns the pictures.
func (g *GAN) Draw(z *tensors.Tensor, classes []int) ([]image.Image, error) {
	t, err := g.GenerateClasses(z, classes)
	if err != nil {
		return nil, err
	}
	defer t.FinalizeAll()
	o := g.Opts
	return imgio.Batch(tensors.MustCopyFlatData[float32](t), t.Shape().Dim(0), o.Size, o.Size, o.Channels)
}
