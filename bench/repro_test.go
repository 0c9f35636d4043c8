package bench

// Minimal reproductions, as benchmarks, of the pure-Go backend costs that
// ganbook cannot remove from its side (docs/performance.md):
//
//	GOEXPERIMENT=simd go test -run XXX -bench . ./bench
//
// 1. GoMLX's DotGeneral gradient (v0.28.2 and v0.28.16) contracts over the
//    leading axis of both operands for the weights' gradient, which the
//    pure-Go backend's matmul cannot read, so it transposes the whole left
//    operand first. BenchmarkMatMulGradient compares GoMLX's gradient of a
//    [N,K]x[K,M] product (the DCGAN discriminator's second convolution at batch
//    256) with nn.MatMulLeanGrad.
// 2. Slice copies element by element (an index update per float32);
//    Concatenate copies runs. BenchmarkSlice and BenchmarkConcatenate each
//    produce 1.6M float32s (one im2col shift of a [64,28,28,32] activation).
// 3. The im2col copy itself, one single-threaded Gather (BenchmarkPatches).

import (
	"testing"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganbook/ganbook/internal/nn"
)

func filled(dims ...int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i%7) / 7
	}
	return tensors.FromFlatDataAndDimensions(x, dims...)
}

func benchmarkExec(b *testing.B, exec *Exec, inputs ...any) {
	exec.MustCall(inputs...) // compile
	b.ResetTimer()
	for range b.N {
		exec.MustCall(inputs...)
	}
}

// The DCGAN discriminator's second convolution at batch 256: 256*7*7 output
// pixels, 4*4*32 patch values, 64 output channels.
const patchRows, patchCols, outChannels = 256 * 7 * 7, 4 * 4 * 32, 64

func BenchmarkMatMulGradient(b *testing.B) {
	a, w := filled(patchRows, patchCols), filled(patchCols, outChannels)
	for _, tc := range []struct {
		name   string
		matmul func(a, b *Node) *Node
	}{{"gomlx", MatMul}, {"lean", nn.MatMulLeanGrad}} {
		b.Run(tc.name, func(b *testing.B) {
			benchmarkExec(b, MustNewExec(nn.MustBackend(), func(a, w *Node) []*Node {
				return Gradient(ReduceAllSum(Square(tc.matmul(a, w))), a, w)
			}), a, w)
		})
	}
}

func BenchmarkSlice(b *testing.B) {
	x := filled(64, 30, 30, 32)
	benchmarkExec(b, MustNewExec(nn.MustBackend(), func(x *Node) *Node {
		return Slice(x, AxisRange(), AxisRange(1, 29), AxisRange(1, 29), AxisRange())
	}), x)
}

func BenchmarkConcatenate(b *testing.B) {
	x := filled(64, 14, 28, 32)
	benchmarkExec(b, MustNewExec(nn.MustBackend(), func(x *Node) *Node { return Concatenate([]*Node{x, x}, 1) }), x)
}

// The im2col copy that dominated the DCGAN step at batch 256 before Conv2D
// built its patches in chunks of whole images (docs/performance.md): the
// patches of a 3x3 convolution with 16 channels in, 28x28, batch 256 (28.9M
// float32s), gathered in runs of k*C = 48 values, one Gather, single-threaded.
// A convolution the backend computed from the input directly would not copy
// them.
func BenchmarkPatches(b *testing.B) {
	x := filled(256, 28, 28, 16)
	benchmarkExec(b, MustNewExec(nn.MustBackend(), func(x *Node) *Node {
		w := Zeros(x.Graph(), shapes.Make(x.DType(), 3, 3, 16, 1))
		return nn.Patches(x, w, 1)
	}), x)
}
