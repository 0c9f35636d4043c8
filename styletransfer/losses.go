package styletransfer

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX's graph DSL is written dot-imported

	"github.com/ganbook/ganbook/internal/nn"
)

// GramMatrix measures which features fire together, whatever their position:
// for each image of features [B, H, W, C] it returns the [C, C] matrix of
// feature-by-feature products summed over the H*W positions, divided by H*W
// (einsum "bijc,bijd->bcd" / (H*W)). Result [B, C, C].
func GramMatrix(features *Node) *Node {
	features.AssertRank(4)
	b, h, w, c := features.Shape().Dim(0), features.Shape().Dim(1), features.Shape().Dim(2), features.Shape().Dim(3)
	var gram *Node
	if b == 1 { // style transfer's case: a 2-D product the pure-Go backend computes without big transposes
		gram = Reshape(nn.GramLeanGrad(Reshape(features, h*w, c)), 1, c, c)
	} else {
		f := Reshape(features, b, h*w, c)
		gram = Einsum("bnc,bnd->bcd", f, f)
	}
	gram.AssertDims(b, c, c)
	return DivScalar(gram, float64(h*w))
}

// ContentLoss measures how far the generated image's features are from the
// content image's at the content layer: the mean squared difference. (The
// lesson's notebook sums instead of averaging; the mean does not change with
// the image size, so one weight works at every size.)
func ContentLoss(generated, target *Node) *Node {
	mustSameShape("ContentLoss", generated, target)
	return ReduceAllMean(Square(Sub(generated, target)))
}

// StyleLoss measures how far the generated image's style is from the style
// image's: for each style layer, the mean squared difference of the two Gram
// matrices; then the average over the layers.
func StyleLoss(generatedGrams, targetGrams []*Node) *Node {
	if len(generatedGrams) == 0 || len(generatedGrams) != len(targetGrams) {
		panic(fmt.Sprintf("StyleLoss: %d generated and %d target Gram matrices", len(generatedGrams), len(targetGrams)))
	}
	var total *Node
	for i := range generatedGrams {
		mustSameShape("StyleLoss", generatedGrams[i], targetGrams[i])
		l := ReduceAllMean(Square(Sub(generatedGrams[i], targetGrams[i])))
		if total == nil {
			total = l
		} else {
			total = Add(total, l)
		}
	}
	return DivScalar(total, float64(len(generatedGrams)))
}

// VariationLoss measures noise: the sum of absolute differences between each
// pixel and its right and lower neighbours, for images [B, H, W, C].
func VariationLoss(images *Node) *Node {
	images.AssertRank(4)
	dy := Sub(Slice(images, AxisRange(), AxisRange(1), AxisRange(), AxisRange()), Slice(images, AxisRange(), AxisRange(0, -1), AxisRange(), AxisRange()))
	dx := Sub(Slice(images, AxisRange(), AxisRange(), AxisRange(1), AxisRange()), Slice(images, AxisRange(), AxisRange(), AxisRange(0, -1), AxisRange()))
	return Add(ReduceAllSum(Abs(dy)), ReduceAllSum(Abs(dx)))
}

// Weights of the three losses in the total.
type Weights struct {
	Content, Style, Variation float64
}

// TotalLoss is the weighted sum the optimisation minimises.
func TotalLoss(w Weights, content, style, variation *Node) *Node {
	return Add(Add(MulScalar(content, w.Content), MulScalar(style, w.Style)), MulScalar(variation, w.Variation))
}

func mustSameShape(what string, a, b *Node) {
	if !a.Shape().Equal(b.Shape()) {
		panic(fmt.Sprintf("%s: shapes differ: %s vs %s", what, a.Shape(), b.Shape()))
	}
}
