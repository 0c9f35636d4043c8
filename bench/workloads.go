package bench

import (
	"context"
	"image"
	"image/color"
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/gan"
	"github.com/ganbook/ganbook/styletransfer"
)

// Workload is one benchmarked training step.
type Workload struct {
	Name  string // as in torch_bench.py
	What  string // in words
	FLOPs float64
	// Setup builds the model and returns one training step.
	Setup func(backend compute.Backend) (step func() error, err error)
}

// Workloads are the benchmark's steps, in the order of the table.
func Workloads() []Workload {
	mlp := gan.DefaultOptions(gan.MLP)
	dcgan := gan.DefaultOptions(gan.DCGAN)
	dcgan256 := dcgan
	dcgan256.Batch = 256
	// What `ganbook train` runs: the tuned conditional DCGAN (TTUR, EMA) on MNIST.
	train := gan.TunedOptions(gan.DCGAN)
	// What `ganbook train --dataset DIR` runs: the tuned DCGAN at 64x64 RGB.
	folder, err := gan.PresetOptions(gan.PresetTuned, gan.DCGAN, true)
	if err != nil {
		panic(err) // the preset names are constants
	}
	// Unconditional, as its PyTorch twin: the folder default's clusters (50
	// classes, a projection) add a one-hot to the noise and a dot product.
	folder.Classes, folder.SelfCondition = 0, false
	return []Workload{
		ganWorkload("mlp64", "MLP GAN, batch 64, one D + one G step", mlp),
		ganWorkload("dcgan64", "DCGAN 28x28, batch 64, one D + one G step", dcgan),
		ganWorkload("dcgan256", "DCGAN 28x28, batch 256, one D + one G step", dcgan256),
		ganWorkload("cdcgan64", "conditional DCGAN 28x28, batch 64 (ganbook train's default: tuned, EMA), one D + one G step", train),
		ganWorkload("dcgan64rgb", "DCGAN 64x64 RGB, batch 64 (a folder's default without its clusters: tuned, EMA), one D + one G step", folder),
		styleWorkload("style128", "style step, VGG-19 to conv5_1, 128 px", 128),
		styleWorkload("style256", "style step, VGG-19 to conv5_1, 256 px", 256),
	}
}

func ganWorkload(name, what string, o gan.Options) Workload {
	return Workload{Name: name, What: what, FLOPs: GANStepFLOPs(o), Setup: func(backend compute.Backend) (func() error, error) {
		g, err := gan.New(backend, o)
		if err != nil {
			return nil, err
		}
		rng := rand.New(rand.NewPCG(1, 2))
		real := make([]float32, o.Batch*o.Pixels())
		for i := range real {
			real[i] = rng.Float32()*2 - 1
		}
		var labels []int // a conditional GAN's classes, as a labelled dataset hands out
		if o.Conditional() {
			labels = gan.EvenClasses(0, o.Batch, o.Classes)
		}
		return func() error {
			// A fresh tensor per step, as the Batcher hands out.
			_, err := g.TrainStep(dataset.Batch{Images: tensors.FromFlatDataAndDimensions(real, o.Batch, o.Size, o.Size, o.Channels), Labels: labels})
			return err
		}, nil
	}}
}

func styleWorkload(name, what string, size int) Workload {
	o := styletransfer.DefaultOptions()
	o.Size, o.Network, o.Steps, o.Every = size, "random", 1<<30, 0
	return Workload{Name: name, What: what, FLOPs: StyleStepFLOPs(size), Setup: func(backend compute.Backend) (func() error, error) {
		r, err := styletransfer.NewRun(context.Background(), backend, noiseImage(size, 1), noiseImage(size, 2), o)
		if err != nil {
			return nil, err
		}
		return func() error { _, err := r.Step(); return err }, nil
	}}
}

func noiseImage(size int, seed uint64) image.Image {
	rng := rand.New(rand.NewPCG(seed, 3))
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	for y := range size {
		for x := range size {
			img.Set(x, y, color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255})
		}
	}
	return img
}
