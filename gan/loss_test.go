package gan_test

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganbook/ganbook/internal/nn"

	"github.com/ganbook/ganbook/gan"
)

// BCE on logits [0, 2], computed by hand: softplus(-0) = ln 2 = 0.693147,
// softplus(-2) = ln(1 + e^-2) = 0.126928, softplus(2) = 2.126928.
func TestBCEWithLogitsHandComputed(t *testing.T) {
	logits := tensors.FromValue([]float64{0, 2})
	for _, tc := range []struct{ target, want float64 }{
		{1, (0.6931472 + 0.1269280) / 2},           // -log D(x) on reals
		{0, (0.6931472 + 2.1269280) / 2},           // -log(1 - D(G(z))) on fakes
		{0.9, (0.6931472 + 2.1269280 - 0.9*2) / 2}, // label smoothing
	} {
		got := MustExecOnce(nn.MustBackend(), func(x *Node) *Node { return gan.BCEWithLogits(x, tc.target) }, logits)
		if v := tensors.ToScalar[float64](got); math.Abs(v-tc.want) > 1e-6 {
			t.Errorf("target %g: BCE %.7f, want %.7f", tc.target, v, tc.want)
		}
	}
}

// The gradient of mean BCE is (sigmoid(x) - t) / n.
func TestBCEGradient(t *testing.T) {
	logits := tensors.FromValue([]float64{0, 2})
	grad := MustExecOnce(nn.MustBackend(), func(x *Node) *Node { return Gradient(gan.BCEWithLogits(x, 1), x)[0] }, logits)
	got := tensors.MustCopyFlatData[float64](grad)
	want := []float64{(0.5 - 1) / 2, (1/(1+math.Exp(-2)) - 1) / 2}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-9 {
			t.Errorf("dBCE/dx[%d] = %g, want %g", i, got[i], want[i])
		}
	}
}
