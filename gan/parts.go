package gan

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganbook/ganbook/internal/nn"
)

// Parts are the pieces of the lesson a learner may write themselves, in a
// notebook's cells: the two networks and the two losses. A nil field takes
// the package's own (Generator, Discriminator, DiscriminatorLoss,
// GeneratorLoss), which the notebooks' tests prove the cells equal.
//
// The networks are called with the scope to create their variables in, and
// the discriminator twice in one graph (real and generated images), so a
// layer's scope is scope.At(name), which returns the same variables on the
// second call. A network of other variables than the package's trains, but
// cannot load the package's checkpoints.
type Parts struct {
	// Generator turns z [B, LatentDim] into images [B, Size, Size, Channels] in [-1, 1].
	Generator func(scope *model.Scope, z *Node, o Options) *Node
	// Discriminator returns one logit per image of x [B, Size, Size, Channels].
	Discriminator func(scope *model.Scope, x *Node, o Options) *Node
	// DiscriminatorLoss is phase 1's loss from the logits of a real and a generated batch.
	DiscriminatorLoss func(realLogits, fakeLogits *Node, o Options) *Node
	// GeneratorLoss is phase 2's loss from the logits of a generated batch.
	GeneratorLoss func(fakeLogits *Node, o Options) *Node
}

// The building blocks of the lesson's networks, for a notebook's cells (which
// cannot import ganbook's internal packages): internal/nn's functions
// themselves, not copies.
var (
	// Dense is a fully connected layer: x [B, In] -> [B, outDims...], with the
	// variables GoMLX's layers.Dense creates ("dense/weights", "dense/biases").
	Dense = nn.Dense
	// BatchNorm normalises x over the batch (PyTorch's momentum and epsilon);
	// the phase that trains the other network leaves its averages alone.
	BatchNorm = nn.BatchNorm
	// Conv2D is a 2-D convolution of x [B, H, W, C] (Conv: kernel, stride,
	// padding, output channels), im2col + matmul on the pure-Go backend.
	Conv2D = nn.Conv2D
	// UpSampleConv2D doubles x's height and width (nearest neighbour) and
	// convolves, both computed together on the small picture.
	UpSampleConv2D = nn.UpSampleConv2D
)

// Conv describes a convolution: Out channels, a Kernel x Kernel window,
// Stride, Pad pixels of zeros around, and NoBias.
type Conv = nn.Conv

// DiscriminatorLoss is the discriminator's loss (phase 1): real images should
// score 1 (1-LabelSmoothing with label smoothing), generated ones 0:
// BCE(D(x), 1) + BCE(D(G(z)), 0).
func DiscriminatorLoss(realLogits, fakeLogits *Node, o Options) *Node {
	return Add(BCEWithLogits(realLogits, 1-o.LabelSmoothing), BCEWithLogits(fakeLogits, 0))
}

// GeneratorLoss is the generator's loss (phase 2): through the frozen
// discriminator, generated images should score 1 ("fool it"): BCE(D(G(z)), 1).
func GeneratorLoss(fakeLogits *Node, o Options) *Node {
	return BCEWithLogits(fakeLogits, 1)
}

// check refuses options that need the package's own networks: the features
// feature matching and the class projection read, the generator's extra
// outputs of an MSG-GAN, the discriminator's minibatch feature.
func (p Parts) check(o Options) error {
	if p.Generator == nil && p.Discriminator == nil {
		return nil
	}
	for _, need := range []struct {
		on   bool
		name string
	}{{o.Classes > 0, "classes"}, {o.FeatureMatching > 0, "feature_matching"}, {o.MultiScale, "multi_scale"}, {o.MinibatchStd, "minibatch_std"}} {
		if need.on {
			return &OptionError{Name: need.name, Reason: fmt.Sprintf("%s needs the package's own networks, not networks of your own", need.name)}
		}
	}
	return nil
}

// generator runs the generator: its images, one per scale of an MSG-GAN.
func (g *GAN) generator(z *Node) []*Node { return g.generatorIn(g.generatorScope(), z) }

// generatorIn runs the generator with the weights in scope (the generator's,
// or their moving average's).
func (g *GAN) generatorIn(scope *model.Scope, z *Node) []*Node {
	if g.parts.Generator != nil {
		img := g.parts.Generator(scope, z, g.Opts)
		img.AssertDims(z.Shape().Dim(0), g.Opts.Size, g.Opts.Size, g.Opts.Channels)
		return []*Node{img}
	}
	return GeneratorScales(scope, z, g.Opts)
}

// judge applies the discriminator to images (one, or an MSG-GAN's scales) of
// the given one-hot classes (nil for an unconditional GAN): the logits and
// the features its last layer reads (nil for a discriminator of your own).
func (g *GAN) judge(imgs []*Node, classes *Node) (logits, features *Node) {
	if g.parts.Discriminator != nil {
		logits = g.parts.Discriminator(g.discriminatorScope(), imgs[0], g.Opts)
		logits.AssertDims(imgs[0].Shape().Dim(0))
		return logits, nil
	}
	logits, features = Discriminator(g.discriminatorScope(), imgs, g.Opts)
	if g.Opts.Conditional() {
		logits = Add(logits, ClassProjection(g.discriminatorScope(), features, classes))
	}
	return logits, features
}

// discriminatorLossOf and generatorLossOf are the parts' losses, or the package's.
func (g *GAN) discriminatorLossOf(realLogits, fakeLogits *Node) *Node {
	if g.parts.DiscriminatorLoss != nil {
		return g.parts.DiscriminatorLoss(realLogits, fakeLogits, g.Opts)
	}
	return DiscriminatorLoss(realLogits, fakeLogits, g.Opts)
}

func (g *GAN) generatorLossOf(fakeLogits *Node) *Node {
	if g.parts.GeneratorLoss != nil {
		return g.parts.GeneratorLoss(fakeLogits, g.Opts)
	}
	return GeneratorLoss(fakeLogits, g.Opts)
}
