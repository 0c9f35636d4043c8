package gan

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX's graph DSL is written dot-imported
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"

	"github.com/ganbook/ganbook/internal/nn"
)

// Leak is LeakyReLU's slope for negative inputs: 0.2 in the DCGAN paper and the
// lesson (GoMLX's activation.LeakyRelu uses Keras' 0.3).
const Leak = 0.2

// initStddev: DCGAN paper, "all weights were initialized from a zero-centered
// Normal distribution with standard deviation 0.02".
const initStddev = 0.02

// Generator turns noise z [B, LatentDim] into images [B, Size, Size, Channels]
// with values in [-1, 1] (tanh). For a conditional GAN (Options.Classes) the
// last Classes numbers of z are the one-hot class to draw; the first layer
// reads them like the noise (Mirza & Osindero 2014).
func Generator(scope *model.Scope, z *Node, o Options) *Node {
	return GeneratorScales(scope, z, o)[0]
}

// GeneratorScales is the generator with all its outputs: the image first, then,
// for an MSG-GAN (Options.MultiScale), the same image at half, quarter, ...
// resolution as the generator's inner layers draw it.
func GeneratorScales(scope *model.Scope, z *Node, o Options) []*Node {
	z.AssertDims(-1, o.LatentDim())
	var imgs []*Node
	if o.Model == DCGAN {
		imgs = dcganGenerator(scope, z, o)
	} else {
		imgs = []*Node{mlpGenerator(scope, z, o)}
	}
	for i, img := range imgs {
		img.AssertDims(z.Shape().Dim(0), o.Size>>i, o.Size>>i, o.Channels)
	}
	return imgs
}

// Discriminator says for each image of imgs[0] [B, Size, Size, Channels]
// how real it looks: one logit per image, positive for "real", negative for
// "generated" (D(x) = sigmoid(logit)). It also returns the features [B, F]
// its last layer reads: what feature matching (Options.FeatureMatching) and
// the class projection use. An MSG-GAN discriminator (Options.MultiScale)
// also reads imgs[1:], the image at the generator's smaller scales (Pyramid).
func Discriminator(scope *model.Scope, imgs []*Node, o Options) (logits, features *Node) {
	x := imgs[0]
	x.AssertDims(-1, o.Size, o.Size, o.Channels)
	if o.Model == DCGAN {
		logits, features = dcganDiscriminator(scope, imgs, o)
	} else {
		logits, features = mlpDiscriminator(scope, x, o)
	}
	logits.AssertDims(x.Shape().Dim(0))
	features.AssertRank(2)
	return logits, features
}

// ClassProjection is a conditional discriminator's class term (Options.Classes):
// the inner product of each image's class embedding with the features [B, F]
// the discriminator's last layer reads (Miyato & Koyama 2018, "cGANs with
// Projection Discriminator", eq. 3). Added to the logit, it lets the
// discriminator ask "is this a real 7?", not only "is this real?". classes is
// one-hot [B, Classes].
func ClassProjection(scope *model.Scope, features, classes *Node) *Node {
	b, f := features.Shape().Dim(0), features.Shape().Dim(1)
	classes.AssertDims(b, -1)
	scope = scope.In("projection").WithInitializer(initializer.RandomNormalFn(scope, initStddev))
	embed := scope.VariableWithShape("embedding", shapes.Make(dtypes.Float32, classes.Shape().Dim(1), f)).NodeValue(features.Graph())
	perImage := MatMul(classes, embed) // each image's class embedding
	perImage.AssertDims(b, f)
	return ReduceSum(Mul(perImage, features), -1)
}

// Pyramid returns x and, for an MSG-GAN, its 2x2 average-pooled copies at the
// generator's smaller scales: what a real image looks like at each scale.
func Pyramid(x *Node, o Options) []*Node {
	imgs := []*Node{x}
	for range numScales(o) - 1 {
		x = nn.AvgPool2x(x)
		imgs = append(imgs, x)
	}
	return imgs
}

// numScales is the number of images the generator outputs: 3 for an MSG-GAN
// (Size, Size/2, Size/4), 1 otherwise.
func numScales(o Options) int {
	if o.MultiScale {
		return 3
	}
	return 1
}

// layer returns the scope of the i-th layer. At (not In) lets the discriminator
// be applied twice in one graph (to real and to generated images).
func layer(scope *model.Scope, i int, name string) *model.Scope {
	return scope.At("%02d_%s", i, name)
}

// mlpGenerator: z -> [Dense + BatchNorm + LeakyReLU(0.2)] per hidden size -> Dense -> tanh.
func mlpGenerator(scope *model.Scope, z *Node, o Options) *Node {
	b := z.Shape().Dim(0)
	x := z
	for i, width := range o.GHidden {
		x = nn.Dense(layer(scope, i, "dense"), x, true, width)
		x = nn.BatchNorm(layer(scope, i, "bn"), x)
		x = activation.LeakyReluWith(x, Leak)
		x.AssertDims(b, width)
	}
	x = nn.Dense(layer(scope, len(o.GHidden), "dense"), x, true, o.Pixels())
	return Reshape(Tanh(x), b, o.Size, o.Size, o.Channels)
}

// mlpDiscriminator: pixels -> [Dense + LeakyReLU(0.2)] per hidden size -> Dense -> 1 logit.
func mlpDiscriminator(scope *model.Scope, img *Node, o Options) (logits, features *Node) {
	b := img.Shape().Dim(0)
	x := Reshape(img, b, o.Pixels())
	for i, width := range o.DHidden {
		x = nn.Dense(layer(scope, i, "dense"), x, true, width)
		x = activation.LeakyReluWith(x, Leak)
		if o.DDropout > 0 {
			x = layers.DropoutStatic(scope, x, o.DDropout)
		}
		x.AssertDims(b, width)
	}
	features = x
	if o.MinibatchStd {
		x = nn.MinibatchStdDev(x)
	}
	x = nn.Dense(layer(scope, len(o.DHidden), "dense"), x, true, 1)
	return Reshape(x, b), features
}

// dcganGenerator: z -> Dense -> (S/4, S/4, GBase) + BatchNorm + ReLU ->
// [nearest up-sampling x2 + 3x3 conv + BatchNorm + ReLU] x2 -> 3x3 conv -> tanh.
// For an MSG-GAN, a 1x1 convolution + tanh ("to RGB") also turns the S/4 and
// S/2 feature maps into images; they come after the full-size image.
//
// The DCGAN paper up-samples with transposed convolutions. Their gradient
// panicked in GoMLX v0.28.2 (fixed by gomlx PR #459, in v0.28.16), but the
// pure-Go backend's native convolution is ~25x slower than ganbook's im2col,
// and up-sampling + convolution avoids transposed convolutions' checkerboard
// artifacts (Odena et al. 2016, "Deconvolution and Checkerboard Artifacts").
// ganbook computes the two together on the small image (nn.UpSampleConv2D).
func dcganGenerator(scope *model.Scope, z *Node, o Options) []*Node {
	scope = scope.WithInitializer(initializer.RandomNormalFn(scope, initStddev))
	b, s, c := z.Shape().Dim(0), o.Size/4, o.GBase
	x := nn.Dense(layer(scope, 0, "dense"), z, false, s, s, c)
	x = activation.Relu(nn.BatchNorm(layer(scope, 0, "bn"), x))
	x.AssertDims(b, s, s, c)
	var smaller []*Node // the MSG-GAN's images, smallest first
	for i := 1; i <= 2; i++ {
		if o.MultiScale {
			rgb := nn.Conv2D(layer(scope, i, "to_rgb"), x, nn.Conv{Out: o.Channels, Kernel: 1})
			smaller = append([]*Node{Tanh(rgb)}, smaller...)
		}
		s, c = s*2, c/2
		// Nearest up-sampling x2, then the 3x3 convolution (computed together on the small image).
		x = nn.UpSampleConv2D(layer(scope, i, "conv"), x, nn.Conv{Out: c, Kernel: 3, Pad: 1, NoBias: true})
		x = activation.Relu(nn.BatchNorm(layer(scope, i, "bn"), x))
		x.AssertDims(b, s, s, c)
	}
	x = nn.Conv2D(layer(scope, 3, "conv"), x, nn.Conv{Out: o.Channels, Kernel: 3, Pad: 1})
	return append([]*Node{Tanh(x)}, smaller...)
}

// dcganDiscriminator: [4x4 stride-2 conv + (BatchNorm) + LeakyReLU(0.2)] until
// the image is 7 or 8 pixels wide (2 blocks for 28 and 32, 3 for 64) -> Dense ->
// 1 logit. No batch norm on the first block, as in the DCGAN paper. An MSG-GAN
// discriminator concatenates the image of each smaller scale to the feature map
// of the same size (the "simple" combine function of the MSG-GAN paper).
func dcganDiscriminator(scope *model.Scope, imgs []*Node, o Options) (logits, features *Node) {
	scope = scope.WithInitializer(initializer.RandomNormalFn(scope, initStddev))
	x := imgs[0]
	b, s, c := x.Shape().Dim(0), o.Size, o.DBase
	for i := 0; s > 8; i++ {
		s = nn.ConvOutSize(s, 4, 2, 1)
		x = nn.Conv2D(layer(scope, i, "conv"), x, nn.Conv{Out: c, Kernel: 4, Stride: 2, Pad: 1, NoBias: i > 0})
		if i > 0 {
			x = nn.BatchNorm(layer(scope, i, "bn"), x)
		}
		x = activation.LeakyReluWith(x, Leak)
		x.AssertDims(b, s, s, c)
		if i+1 < len(imgs) {
			x = Concatenate([]*Node{x, imgs[i+1]}, -1)
			x.AssertDims(b, s, s, c+o.Channels)
		}
		c *= 2
	}
	features = Reshape(x, b, -1)
	if o.MinibatchStd {
		x = nn.MinibatchStdDev(x)
	}
	x = nn.Dense(layer(scope, 9, "dense"), Reshape(x, b, -1), true, 1)
	return Reshape(x, b), features
}
