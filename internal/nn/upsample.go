package nn

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/ml/model"
)

// UpSample2x doubles the spatial size of x [B,H,W,C] by nearest neighbour:
// every pixel becomes a 2x2 block. Written as broadcast + reshape, whose gradient
// is a plain sum; Interpolate(...).Nearest() made a DCGAN step ~2.7x slower on
// the pure-Go backend than sub-pixel up-sampling (measured with GoMLX v0.28.2).
func UpSample2x(x *Node) *Node {
	x.AssertRank(4)
	b, h, w, c := x.Shape().Dim(0), x.Shape().Dim(1), x.Shape().Dim(2), x.Shape().Dim(3)
	y := Reshape(x, b, h, 1, w, 1, c)
	y = BroadcastToDims(y, b, h, 2, w, 2, c)
	return Reshape(y, b, 2*h, 2*w, c)
}

// AvgPool2x halves the spatial size of x [B,H,W,C] by averaging 2x2 blocks (an
// odd last row or column is dropped, like a stride-2 pooling without padding),
// written as reshape + mean: it has a gradient on every backend.
func AvgPool2x(x *Node) *Node {
	x.AssertRank(4)
	b, h, w, c := x.Shape().Dim(0), x.Shape().Dim(1), x.Shape().Dim(2), x.Shape().Dim(3)
	if h%2 != 0 || w%2 != 0 {
		x = Slice(x, AxisRange(), AxisRange(0, h-h%2), AxisRange(0, w-w%2), AxisRange())
	}
	x = Reshape(x, b, h/2, 2, w/2, 2, c)
	return ReduceMean(x, 2, 4)
}

// UpSampleConv2D is Conv2D(scope, UpSample2x(x), c) for a 3x3, stride-1, pad-1
// convolution (the DCGAN generator's "resize-convolution"), with the same
// variables, computed on the small image: each of the four output pixels of a
// 2x2 block sees, through nearest up-sampling, a 3x3 window of the small image
// with some taps summed. So the kernel is folded into a 3x3 kernel with 4*Out
// outputs, one group per block position, and the result is laid out by
// depth-to-space. Same FLOPs, a quarter of the patches to copy, and no
// up-sampled image at all. Other convolutions, and XLA (where GoMLX's native
// convolution is used), take the plain path.
func UpSampleConv2D(scope *model.Scope, x *Node, c Conv) *Node {
	x.AssertRank(4)
	if c.Kernel != 3 || c.Stride > 1 || c.Pad != 1 || useNative(x.Graph()) {
		return Conv2D(scope, UpSample2x(x), c)
	}
	b, h, wd, cin := x.Shape().Dim(0), x.Shape().Dim(1), x.Shape().Dim(2), x.Shape().Dim(3)
	folded := foldUpSampleKernel(convWeights(scope, x, c))
	folded.AssertDims(3, 3, cin, 4*c.Out)
	y := depthToSpace(convIm2col(x, folded, 1, 1), 2)
	y.AssertDims(b, 2*h, 2*wd, c.Out)
	return addConvBias(scope, y, c)
}

// foldUpSampleKernel turns w [3,3,C,Out], applied after nearest 2x
// up-sampling, into [3,3,C,4*Out] applied before it. Output row 2i+a reads
// up-sampled rows 2i+a-1 .. 2i+a+1, which are small-image rows i-1, i, i (a=0)
// or i, i, i+1 (a=1): fold[a][r][p] = 1 when kernel row p lands on small row
// i+r-1. Columns likewise. The four (a, b) groups come in depthToSpace's order.
func foldUpSampleKernel(w *Node) *Node {
	cin, out := w.Shape().Dim(2), w.Shape().Dim(3)
	fold := ConvertDType(Const(w.Graph(), [][][]float32{
		{{1, 0, 0}, {0, 1, 1}, {0, 0, 0}}, // a = 0
		{{0, 0, 0}, {1, 1, 0}, {0, 0, 1}}, // a = 1
	}), w.DType())
	// Rows: [a,r,p] x [p,q,C,Out] -> [a,r,q,C,Out]; columns: [b,s,q] x that -> [b,s,a,r,C,Out].
	t := DotGeneral(fold, []int{2}, nil, w, []int{0}, nil)
	t = DotGeneral(fold, []int{2}, nil, t, []int{2}, nil)
	t = TransposeAllAxes(t, 3, 1, 4, 2, 0, 5) // [r,s,C,a,b,Out]
	return Reshape(t, 3, 3, cin, 4*out)
}
