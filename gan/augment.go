package gan

import (
	"fmt"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/ml/model"
)

// Differentiable augmentation (DiffAugment; Zhao, Liu, Lin, Zhu and Han 2020,
// "Differentiable Augmentation for Data-Efficient GAN Training"): with a few
// hundred pictures the discriminator learns them by heart, its verdicts stop
// generalising and the generator gets no useful gradient. Random changes of
// the same kinds, drawn afresh for every picture and applied to real and
// generated images alike, only on the way into the discriminator, give it a
// larger set to judge; because every change
// is differentiable, the generator's gradient passes through them. The
// generator never learns to draw the changes: they are applied to both sides.
//
// The three changes and their strengths are the paper's (its reference code,
// DiffAugment_pytorch.py, for images in [-1, 1]), recommended together for
// small data sets.
const (
	AugmentColor       = "color"       // brightness +-0.5, saturation x[0, 2], contrast x[0.5, 1.5]
	AugmentTranslation = "translation" // shift by up to 1/8 of the size, zeros where the picture left
	AugmentCutout      = "cutout"      // a square of half the size set to 0, anywhere
)

// AugmentAll is the paper's policy for small data sets: all three.
const AugmentAll = AugmentColor + "," + AugmentTranslation + "," + AugmentCutout

const (
	translationRatio = 0.125 // Zhao et al.: 1/8 of the image
	cutoutRatio      = 0.5   // Zhao et al.: half the image's side
)

// augmenting reports whether the options ask for augmentation.
func (o Options) augmenting() bool { return !augmentOff(o.Augment) }

// augmentOff: the policies that mean no augmentation, "" and "none".
func augmentOff(policy string) bool { return policy == "" || policy == "none" }

// augmentPolicy splits and checks a policy ("" or "none": no augmentation).
func augmentPolicy(policy string) ([]string, error) {
	if augmentOff(policy) {
		return nil, nil
	}
	var out []string
	for _, p := range strings.Split(policy, ",") {
		switch p = strings.TrimSpace(p); p {
		case AugmentColor, AugmentTranslation, AugmentCutout:
			out = append(out, p)
		default:
			return nil, fmt.Errorf("unknown augmentation %q: use a comma-separated list of %s, %s and %s, or none", p, AugmentColor, AugmentTranslation, AugmentCutout)
		}
	}
	return out, nil
}

// Augment applies the policy's random changes to a batch of images
// [B, H, W, C] (values in [-1, 1]), each image its own draw. The policy must
// be valid (Options.Validate checks it).
func Augment(scope *model.Scope, images *Node, policy string) *Node {
	steps, err := augmentPolicy(policy)
	if err != nil {
		panic(err)
	}
	for _, s := range steps {
		switch s {
		case AugmentColor:
			images = augmentColor(scope, images)
		case AugmentTranslation:
			images = augmentTranslation(scope, images)
		case AugmentCutout:
			images = augmentCutout(scope, images)
		}
	}
	return images
}

// perImage draws one uniform number in [lo, hi) per image, shaped [B,1,1,1]
// to broadcast over the image.
func perImage(scope *model.Scope, images *Node, lo, hi float64) *Node {
	u := scope.RandomUniform(images.Graph(), shapes.Make(images.DType(), images.Shape().Dim(0), 1, 1, 1))
	return AddScalar(MulScalar(u, hi-lo), lo)
}

// augmentColor: brightness, saturation (the distance from the pixel's grey,
// a no-op on grey images) and contrast (the distance from the image's mean).
func augmentColor(scope *model.Scope, x *Node) *Node {
	x = Add(x, perImage(scope, x, -0.5, 0.5))
	grey := ReduceAndKeep(x, ReduceMean, -1)
	x = Add(Mul(Sub(x, grey), perImage(scope, x, 0, 2)), grey)
	mean := ReduceAndKeep(x, ReduceMean, 1, 2, 3)
	return Add(Mul(Sub(x, mean), perImage(scope, x, 0.5, 1.5)), mean)
}

// augmentTranslation shifts each image by up to s = size/8 pixels in each
// direction, filling with zeros: the image padded by s on every side, then
// one window of the original size gathered per image at a random offset.
// GoMLX differentiates the gather (a scatter-add of the gradient).
func augmentTranslation(scope *model.Scope, x *Node) *Node {
	b, h, w, c := x.Shape().Dim(0), x.Shape().Dim(1), x.Shape().Dim(2), x.Shape().Dim(3)
	s := int(float64(h)*translationRatio + 0.5)
	padded := Pad(x, ScalarZero(x.Graph(), x.DType()), compute.PadAxis{}, compute.PadAxis{Start: s, End: s}, compute.PadAxis{Start: s, End: s}, compute.PadAxis{})
	g := x.Graph()
	offsets := scope.RandomIntN(g, int32(2*s+1), shapes.Make(dtypes.Int32, b, 2)) // row and column of the window, in [0, 2s]
	index := Iota(g, shapes.Make(dtypes.Int32, b, 1), 0)
	starts := Concatenate([]*Node{index, offsets}, -1)
	out := GatherSlices(padded, []int{0, 1, 2}, starts, []int{1, h, w}, false)
	out = Reshape(out, b, h, w, c)
	out.AssertDims(b, h, w, c)
	return out
}

// augmentCutout sets a square of half the image's side to 0 in each image, its
// centre anywhere in the image or on its far edge (the square may stick out).
func augmentCutout(scope *model.Scope, x *Node) *Node {
	b, h, w := x.Shape().Dim(0), x.Shape().Dim(1), x.Shape().Dim(2)
	size := int(float64(h)*cutoutRatio + 0.5)
	g := x.Graph()
	// The centre's row and column, in [0, h] for an even square as in Zhao et
	// al.'s code (randint(0, h + 1 - size % 2)), so that the square sticks out
	// as far at the bottom as at the top.
	centre := ConvertDType(scope.RandomIntN(g, int32(h+1-size%2), shapes.Make(dtypes.Int32, b, 2)), x.DType())
	rows := ConvertDType(Iota(g, shapes.Make(dtypes.Int32, 1, h, 1), 1), x.DType())
	cols := ConvertDType(Iota(g, shapes.Make(dtypes.Int32, 1, 1, w), 2), x.DType())
	cy := Reshape(Slice(centre, AxisRange(), AxisElem(0)), b, 1, 1)
	cx := Reshape(Slice(centre, AxisRange(), AxisElem(1)), b, 1, 1)
	// Inside: centre - size/2 <= row < centre - size/2 + size (the paper's window).
	lo := float64(size / 2)
	inRows := LogicalAnd(GreaterOrEqual(rows, SubScalar(cy, lo)), LessThan(rows, AddScalar(cy, float64(size)-lo)))
	inCols := LogicalAnd(GreaterOrEqual(cols, SubScalar(cx, lo)), LessThan(cols, AddScalar(cx, float64(size)-lo)))
	keep := ConvertDType(LogicalNot(LogicalAnd(inRows, inCols)), x.DType()) // [B, H, W]
	return Mul(x, ExpandAxes(keep, -1))
}
