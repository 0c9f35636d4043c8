package styletransfer

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganbook/ganbook/internal/nn"
)

func run1(t *testing.T, fn func(x *Node) *Node, x *tensors.Tensor) []float64 {
	t.Helper()
	return tensors.MustCopyFlatData[float64](MustExecOnce(nn.MustBackend(), fn, x))
}

func near(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-9*(1+math.Abs(want[i])) {
			t.Fatalf("%s: value %d = %g, want %g (all: %v)", what, i, got[i], want[i], got)
		}
	}
}

// Two positions with features (1, 2) and (3, 4): F^T F = [[10, 14], [14, 20]],
// divided by H*W = 2.
func TestGramMatrix2x2(t *testing.T) {
	f := tensors.FromFlatDataAndDimensions([]float64{1, 2, 3, 4}, 1, 2, 1, 2)
	near(t, "gram", run1(t, GramMatrix, f), []float64{5, 7, 7, 10})
}

// A 3x3 one-channel image
//
//	1 2 4
//	0 0 0
//	5 5 5
//
// horizontal differences 1+2 + 0+0 + 0+0 = 3, vertical 1+2+4 + 5+5+5 = 22.
func TestVariationLoss3x3(t *testing.T) {
	img := tensors.FromFlatDataAndDimensions([]float64{1, 2, 4, 0, 0, 0, 5, 5, 5}, 1, 3, 3, 1)
	near(t, "variation", run1(t, VariationLoss, img), []float64{25})
}

func TestContentLoss(t *testing.T) {
	a := tensors.FromFlatDataAndDimensions([]float64{1, 2, 3, 4}, 1, 2, 2, 1)
	near(t, "identical", run1(t, func(x *Node) *Node { return ContentLoss(x, x) }, a), []float64{0})
	// differences 1, 0, -1, 2: mean of squares 6/4.
	near(t, "known", run1(t, func(x *Node) *Node {
		return ContentLoss(x, Const(x.Graph(), [][][][]float64{{{{0}, {2}}, {{4}, {2}}}}))
	}, a), []float64{1.5})
}

// Two layers: Gram differences all 1 in the first (mean 1), all 2 in the
// second (mean 4); average over layers 2.5.
func TestStyleLossAveragesLayers(t *testing.T) {
	x := tensors.FromFlatDataAndDimensions([]float64{0, 0, 0, 0}, 1, 2, 2)
	near(t, "style", run1(t, func(x *Node) *Node {
		g := x.Graph()
		return StyleLoss([]*Node{x, x}, []*Node{AddScalar(x, 1), Add(x, Const(g, [][][]float64{{{2, -2}, {2, 2}}}))})
	}, x), []float64{2.5})
}

func TestTotalLossWeights(t *testing.T) {
	x := tensors.FromValue(1.0)
	near(t, "total", run1(t, func(x *Node) *Node {
		return TotalLoss(Weights{Content: 2, Style: 3, Variation: 5}, x, MulScalar(x, 10), MulScalar(x, 100))
	}, x), []float64{2 + 30 + 500})
}

// Gradient check of the style and variation losses with respect to the
// features/pixels, against central finite differences, on a tiny input.
func TestLossGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	vals := make([]float64, 1*3*3*2)
	for i := range vals {
		vals[i] = rng.Float64()*2 - 1
	}
	loss := func(x *Node) *Node {
		g := x.Graph()
		tgt := Const(g, [][][]float64{{{0.3, -0.1}, {0.2, 0.5}}})
		return Add(StyleLoss([]*Node{GramMatrix(x)}, []*Node{tgt}), MulScalar(VariationLoss(x), 0.1))
	}
	x := tensors.FromFlatDataAndDimensions(vals, 1, 3, 3, 2)
	analytic := run1(t, func(x *Node) *Node { return Gradient(loss(x), x)[0] }, x)
	lossExec := MustNewExec(nn.MustBackend(), loss)
	const h = 1e-6
	for i := range vals {
		plus, minus := append([]float64(nil), vals...), append([]float64(nil), vals...)
		plus[i] += h
		minus[i] -= h
		lp := tensors.ToScalar[float64](lossExec.MustCall(tensors.FromFlatDataAndDimensions(plus, 1, 3, 3, 2))[0])
		lm := tensors.ToScalar[float64](lossExec.MustCall(tensors.FromFlatDataAndDimensions(minus, 1, 3, 3, 2))[0])
		numeric := (lp - lm) / (2 * h)
		if math.Abs(numeric-analytic[i]) > 1e-6*(1+math.Abs(numeric)) {
			t.Fatalf("d loss / d x[%d]: analytic %g, numeric %g", i, analytic[i], numeric)
		}
	}
}
