package bench

import (
	"github.com/ganbook/ganbook/gan"
	"github.com/ganbook/ganbook/internal/nn"
	"github.com/ganbook/ganbook/styletransfer"
)

// FLOPs are counted for the matrix products only (dense layers and
// convolutions, 2 per multiply-add), the usual convention; element-wise work,
// batch norm and the optimiser are left out.
//
// A network's backward pass costs twice its forward pass (gradients of inputs
// and of weights). One GAN step (gan.GAN.TrainStep) is then, per example:
//   - discriminator phase: G forward (1 G), D forward and backward on the real
//     and the generated batch (2 x 3 D);
//   - generator phase: G forward and backward (3 G), D forward and the
//     backward to its input only, its weights being frozen (2 D);
//
// in all 4 G + 8 D forward passes.
func GANStepFLOPs(o gan.Options) float64 {
	g, d := ganForwardFLOPs(o)
	return float64(o.Batch) * (4*g + 8*d)
}

// ganForwardFLOPs are one example's forward FLOPs of the generator and the
// discriminator (gan/models.go, without the MSG-GAN's extra layers).
func ganForwardFLOPs(o gan.Options) (g, d float64) {
	dense := func(in, out int) float64 { return 2 * float64(in) * float64(out) }
	conv := func(size, k, in, out int) float64 { return 2 * float64(size*size*k*k) * float64(in) * float64(out) }
	if o.Model == gan.MLP {
		in := o.LatentDim()
		for _, w := range o.GHidden {
			g += dense(in, w)
			in = w
		}
		g += dense(in, o.Pixels())
		in = o.Pixels()
		for _, w := range o.DHidden {
			d += dense(in, w)
			in = w
		}
		return g, d + dense(in, 1)
	}
	s, c := o.Size/4, o.GBase
	g = dense(o.LatentDim(), s*s*c)
	for range 2 {
		s, c = s*2, c/2
		g += conv(s, 3, 2*c, c)
	}
	g += conv(s, 3, c, o.Channels)
	s, in, c := o.Size, o.Channels, o.DBase
	for s > 8 {
		s = nn.ConvOutSize(s, 4, 2, 1)
		d += conv(s, 4, in, c)
		in, c = c, c*2
	}
	return g, d + dense(s*s*in, 1)
}

// StyleStepFLOPs is one style-transfer step at size x size: VGG-19 to conv5_1
// forward, and backward to the pixels only (the network's weights are fixed),
// about one more forward pass: 2 forward passes. The Gram matrices are left out.
func StyleStepFLOPs(size int) float64 {
	var f float64
	s := size
	layers := styletransfer.VGG19Layers
	for i, l := range layers {
		f += 2 * float64(s*s*9) * float64(l.In) * float64(l.Out)
		if l.Name == "conv5_1" {
			break
		}
		if layers[i+1].Block != l.Block {
			s /= 2
		}
	}
	return 2 * f
}
