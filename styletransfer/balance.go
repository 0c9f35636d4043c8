package styletransfer

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
)

// balance makes every loss term relative to the gap it is about, so the
// three weights mean the same at every image size, for every layer set and
// for every photo and painting. Without it the terms drift apart: the summed
// variation loss grows with the number of pixels (16x from 64 to 256 px), a
// layer's Gram matrix scales with the square of its activations, which differ
// by orders of magnitude between the pixels and conv5_1 (and between random
// and pretrained weights), and how far apart a photo and a painting are
// differs from pair to pair, so one weight kept one photo and lost another.
//
// Balanced, the content loss is the squared distance to the photo's features
// as a share of the painting's (0: the photo's content, 1: as far as the
// painting), each style layer's loss the squared distance to the painting's
// Gram matrix as a share of the photo's (1: the photo's style, 0: the
// painting's), and the variation loss a multiple of the photo's own: ratios
// in the spirit of MeasureTransfer's, here in the optimisation's own network
// and averaged per layer (MeasureTransfer normalises by the painting's Gram
// norm, so its numbers differ).
type balance struct {
	content   float64   // 1 / mean((painting's - photo's content features)²)
	style     []float64 // per style layer, 1 / RMS(photo's - painting's Gram matrix), applied to both Gram matrices
	variation float64   // 1 / the photo's own variation loss
}

// newBalance computes the factors from the photo's and the painting's
// features at the content layer and Gram matrices (each [features, grams...],
// as NewRun's target graph returns them), and the photo's VariationLoss over
// its photoValues pixel values.
func newBalance(photo, painting []*tensors.Tensor, photoVariation float64, photoValues int) (balance, error) {
	var b balance
	if len(photo) != len(painting) || len(photo) < 2 {
		return b, fmt.Errorf("balance: %d photo and %d painting tensors", len(photo), len(painting))
	}
	gaps := make([]float64, len(photo))
	for i := range photo {
		var err error
		if gaps[i], err = meanSquareDiff(photo[i], painting[i]); err != nil {
			return b, err
		}
	}
	// A painting identical to the photo leaves no gap: floor it, so the
	// factors stay finite (the losses are then 0 at the photo anyway).
	b.content = 1 / max(gaps[0], 1e-12)
	for _, g := range gaps[1:] {
		b.style = append(b.style, 1/math.Sqrt(max(g, 1e-12)))
	}
	// A flat photo has no variation: floor it at a mean difference of 0.001
	// (VariationLoss sums two differences per value).
	b.variation = 1 / max(photoVariation, 1e-3*float64(2*photoValues))
	return b, nil
}

// styleGrams are the Gram matrices of feats at layers, each scaled by its
// layer's factor (so StyleLoss's mean squared difference becomes relative to
// the mean square of the photo-to-painting Gram difference).
func (b balance) styleGrams(feats map[string]*Node, layers []string) []*Node {
	out := grams(feats, layers)
	for i := range out {
		out[i] = MulScalar(out[i], b.style[i])
	}
	return out
}

// scaleGram scales a target Gram matrix by its layer's factor, on the host.
func (b balance) scaleGram(i int, g *tensors.Tensor) (*tensors.Tensor, error) {
	flat, err := tensors.CopyFlatData[float32](g)
	if err != nil {
		return nil, err
	}
	for j := range flat {
		flat[j] *= float32(b.style[i])
	}
	return tensors.FromFlatDataAndDimensions(flat, g.Shape().Dimensions...), nil
}

// losses are the three balanced terms and their weighted total, for the
// generated pixels x (whose features at every layer are feats), given the
// content target and the (scaled) style targets.
func (b balance) losses(w Weights, x *Node, feats map[string]*Node, contentLayer string, styleLayers []string, contentTarget *Node, styleTargets []*Node) (cl, sl, vl, total *Node) {
	cl = MulScalar(ContentLoss(feats[contentLayer], contentTarget), b.content)
	sl = StyleLoss(b.styleGrams(feats, styleLayers), styleTargets)
	vl = MulScalar(VariationLoss(x), b.variation)
	return cl, sl, vl, TotalLoss(w, cl, sl, vl)
}

func meanSquareDiff(a, b *tensors.Tensor) (float64, error) {
	if !a.Shape().Equal(b.Shape()) {
		return 0, fmt.Errorf("balance: shapes differ: %s vs %s", a.Shape(), b.Shape())
	}
	fa, err := tensors.CopyFlatData[float32](a)
	if err != nil {
		return 0, err
	}
	fb, err := tensors.CopyFlatData[float32](b)
	if err != nil {
		return 0, err
	}
	s := 0.0
	for i := range fa {
		d := float64(fa[i]) - float64(fb[i])
		s += d * d
	}
	return s / float64(max(len(fa), 1)), nil
}
