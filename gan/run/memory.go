package run

import (
	"fmt"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/internal/nn"

	"github.com/ganbook/ganbook/gan"
)

// Memory model of a training step (docs/reliability.md, "Memory"). Per image of the batch
// each layer allocates its output (and, for a convolution on the pure-Go
// backend, the im2col patches of its input and of its output's gradient); a
// step runs the generator three times (the discriminator phase's fakes, the
// generator phase, and its backward pass) and the discriminator on a real and
// two generated batches, forward and backward. The backend's buffer pools keep
// about one step's worth of buffers, so the peak is ganCalibration times that
// sum for the batch, plus the weights with their gradients and Adam's two
// moments (and the EMA copy), the 64-image sample grid, and the runtime.
// Fitted on measured peaks (/usr/bin/time -v) of DCGAN 64x64 RGB at batch 64
// and 256; checked on the MLP GAN at batch 256.
const (
	ganCalibration = 0.585
	ganBaseBytes   = 100 << 20 // the Go runtime, the program, the compiled graphs, a dataset being decoded
)

// layerFloats are a network's per-image buffers: forward activations, im2col
// patches of the inputs, and patches of the outputs' gradients.
type layerFloats struct{ acts, patches, gradPatches int64 }

func (a *layerFloats) conv(h, cin, out, k int, grad bool) {
	px := int64(h * h)
	a.acts += px * int64(out)
	a.patches += px * int64(k*k*cin)
	if grad {
		a.gradPatches += px * int64(k*k*out)
	}
}

// generatorFloats and discriminatorFloats follow the architectures of package
// gan (models.go).
func generatorFloats(o gan.Options) (f layerFloats, params int64) {
	if o.Model != gan.DCGAN {
		in := o.LatentDim()
		for _, w := range append(append([]int{}, o.GHidden...), o.Pixels()) {
			f.acts += 3 * int64(w) // dense, batch norm, activation
			params += int64(in*w + w)
			in = w
		}
		return f, params
	}
	s, c := o.Size/4, o.GBase
	f.acts += 3 * int64(s*s*c)
	params += int64(o.LatentDim() * s * s * c)
	for range 2 { // up-sampling + 3x3 convolution, folded: 4*Out outputs on the small image
		f.conv(s, c, 4*(c/2), 3, true)
		f.acts += 3 * int64(4*s*s*(c/2)) // depth-to-space, batch norm, ReLU
		params += int64(9 * c * c / 2)
		s, c = 2*s, c/2
	}
	f.conv(s, c, o.Channels, 3, true)
	params += int64(9 * c * o.Channels)
	return f, params
}

func discriminatorFloats(o gan.Options) (f layerFloats, params int64) {
	if o.Model != gan.DCGAN {
		in := o.Pixels()
		for _, w := range o.DHidden {
			f.acts += 2 * int64(w)
			params += int64(in*w + w)
			in = w
		}
		return f, params + int64(in)
	}
	s, cin, c := o.Size, o.Channels, o.DBase
	for s > 8 {
		// 4x4 stride 2 as a 2x2 stride-1 convolution on the space-to-depth input
		s = nn.ConvOutSize(s, 4, 2, 1)
		f.acts += int64((s + 1) * (s + 1) * 4 * cin) // the space-to-depth copy
		f.conv(s, 4*cin, c, 2, true)
		f.acts += 2 * int64(s*s*c) // batch norm, LeakyReLU
		params += int64(16 * cin * c)
		cin, c = c, 2*c
	}
	return f, params + int64(s*s*cin)
}

// EstimateMemory is the estimated peak memory, in bytes, of training a GAN with
// options o (the model, batch, image size, channels and widths), computed from
// the shapes before anything is built; the dataset in memory comes on top.
func EstimateMemory(o gan.Options) int64 {
	g, gp := generatorFloats(o)
	d, dp := discriminatorFloats(o)
	gFwd := g.acts + g.patches
	gAll := gFwd + g.gradPatches + g.acts // backward: gradient patches and the activations' gradients
	dFwd := d.acts + d.patches
	dAll := dFwd + d.gradPatches + d.acts
	perImage := gFwd + 2*dAll + // discriminator phase: fakes, then D on the real and the fake batch
		gAll + dAll // generator phase: through the discriminator back into the generator
	step := float64(4 * perImage * int64(o.Batch))
	grid := float64(4 * gFwd * gan.NumFixedNoise)
	copies := int64(4) // weights, gradients, Adam's two moments
	if o.EMA > 0 {
		copies++
	}
	return int64(ganCalibration*(step+grid)) + 4*copies*(gp+dp) + ganBaseBytes
}

// LargestBatch is the largest batch (at least 2) whose estimate, plus extra
// bytes, is at most usable; 0 if none.
func LargestBatch(o gan.Options, extra, usable int64) int {
	best := 0
	for b := 2; b <= 4096; b *= 2 {
		o.Batch = b
		if EstimateMemory(o)+extra > usable {
			break
		}
		best = b
	}
	return best
}

// checkMemory refuses a run whose estimated peak memory (with dataBytes of
// images in memory) does not fit (nn.ErrNotEnoughMemory), naming the largest
// batch that does.
func checkMemory(o gan.Options, dataBytes int64) error {
	what := fmt.Sprintf("training the %s at %dx%dx%d with batch %d", o.Model, o.Size, o.Size, o.Channels, o.Batch)
	return nn.CheckMemory(what, EstimateMemory(o)+dataBytes, "batch", func(usable int64) int {
		return LargestBatch(o, dataBytes, usable)
	})
}

// dataBytes is the size of a dataset's images in memory (0 for none).
func dataBytes(d *dataset.Dataset) int64 {
	if d == nil {
		return 0
	}
	return 4 * int64(len(d.Images))
}
