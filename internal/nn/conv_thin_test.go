package nn

import (
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
)

// The folder default's last generator convolution (3x3, 16 channels to 3 at
// 64x64, batch 64), forward and both gradients, by thinConv and by im2col.
// Measured on 2 cores, two runs: forward 21-25 ms against 53-55 ms, with
// both gradients 56-72 ms against 109-123 ms. (thinConv's results are checked in TestConvIm2colMatchesNative
// and TestConvGradient.)
func BenchmarkLastConv(b *testing.B) {
	x, w := filledTensor(64, 64, 64, 16), filledTensor(3, 3, 16, 3)
	for _, thin := range []bool{true, false} {
		name := map[bool]string{true: "thin", false: "im2col"}[thin]
		for _, grad := range []bool{false, true} {
			b.Run(name+map[bool]string{false: "/forward", true: "/gradients"}[grad], func(b *testing.B) {
				thinConvOn = thin
				defer func() { thinConvOn = true }()
				e := MustNewExec(MustBackend(), func(x, w *Node) []*Node {
					loss := ReduceAllSum(Square(convIm2col(x, w, 1, 1)))
					if !grad {
						return []*Node{loss}
					}
					return Gradient(loss, x, w)
				})
				e.MustCall(x, w) // compile
				b.ResetTimer()
				for range b.N {
					e.MustCall(x, w)
				}
			})
		}
	}
}

func filledTensor(dims ...int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i%7) / 7
	}
	return tensors.FromFlatDataAndDimensions(v, dims...)
}
