package nn

import (
	"fmt"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX's graph DSL is written dot-imported
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// Conv describes a square 2D convolution, PyTorch style: kernel k, stride s, and
// symmetric zero padding p on each spatial side. The output size is
// (H + 2p - k)/s + 1.
type Conv struct {
	Out, Kernel, Stride, Pad int
	NoBias                   bool
}

// ConvImpl forces one implementation of Conv2D: "" (auto: im2col on the pure-Go
// backend, native elsewhere), "im2col" or "native".
var ConvImpl = ""

// Conv2D applies c to x [B,H,W,Cin] with a weights variable [k,k,Cin,Out] (and a
// bias [Out]) created in scope with the scope's initializer. Both implementations
// share the variables, so a model trained on one backend runs on the other.
func Conv2D(scope *model.Scope, x *Node, c Conv) *Node {
	x.AssertRank(4)
	if c.Stride == 0 {
		c.Stride = 1
	}
	cin := x.Shape().Dim(3)
	w := scope.VariableWithShape("weights", shapes.Make(x.DType(), c.Kernel, c.Kernel, cin, c.Out)).NodeValue(x.Graph())
	var y *Node
	if useNative(x.Graph()) {
		y = convNative(x, w, c.Stride, c.Pad)
	} else {
		y = convIm2col(x, w, c.Stride, c.Pad)
	}
	if !c.NoBias {
		b := scope.WithInitializer(initializer.Zero).VariableWithShape("biases", shapes.Make(x.DType(), c.Out)).NodeValue(x.Graph())
		y = Add(y, ExpandLeftToRank(b, 4))
	}
	return y
}

// ConvOutSize is the spatial output size of a convolution on an input of size n.
func ConvOutSize(n, kernel, stride, pad int) int { return (n+2*pad-kernel)/stride + 1 }

func useNative(g *Graph) bool {
	switch ConvImpl {
	case "im2col":
		return false
	case "native":
		return true
	}
	return !IsGoBackend(g.Backend())
}

// convNative is GoMLX's own convolution: the fastest on XLA, ~25x slower than
// im2col on the pure-Go backend (shared/NOTES.md).
func convNative(x, w *Node, stride, pad int) *Node {
	return Convolve(x, w).StridePerAxis(stride, stride).PaddingPerDim([][2]int{{pad, pad}, {pad, pad}}).Done()
}

// convIm2col gathers the k*k shifted (strided) views of the padded input into
// patches [B,Ho,Wo,k*k*Cin] and multiplies them by the kernel reshaped to
// [k*k*Cin, Out]. The patch order (row, column, channel) matches the kernel's
// [k,k,Cin,Out] layout, so the reshape is free.
//
// For "same" convolutions (stride 1, odd k, pad (k-1)/2: every convolution of
// the generator and of VGG-19) the input's gradient is written by hand as the
// convolution of the output's gradient with the flipped kernel. GoMLX would
// differentiate the im2col itself: k*k slices of the patches' gradient, k*k
// pads and k*k-1 sums, each as large as the input, all copied element by
// element on the pure-Go backend; the hand-written form slices the output's
// gradient instead, k*k times Out values.
func convIm2col(x, w *Node, stride, pad int) *Node {
	k := w.Shape().Dim(0)
	if stride != 1 || k%2 == 0 || 2*pad != k-1 {
		return im2colMatMul(x, w, stride, pad, MatMulLeanGrad)
	}
	var dY *Node
	xIn := IdentityWithCustomGradient(x, func(_, _ *Node) *Node {
		// The kernel flipped in both spatial axes, with in and out swapped.
		flipped := Transpose(Reverse(w, 0, 1), 2, 3)
		return im2colMatMul(dY, flipped, 1, pad, MatMul)
	})
	y := im2colMatMul(xIn, w, 1, pad, MatMulLeanGrad)
	return IdentityWithCustomGradient(y, func(_, v *Node) *Node {
		dY = v
		return v
	})
}

// im2colMatMul is the convolution as patches times kernel, with matmul doing
// the product (MatMulLeanGrad in training graphs).
func im2colMatMul(x, w *Node, stride, pad int, matmul func(a, b *Node) *Node) *Node {
	k, cin, out := w.Shape().Dim(0), w.Shape().Dim(2), w.Shape().Dim(3)
	batch, h, wd := x.Shape().Dim(0), x.Shape().Dim(1), x.Shape().Dim(2)
	ho, wo := ConvOutSize(h, k, stride, pad), ConvOutSize(wd, k, stride, pad)
	if ho <= 0 || wo <= 0 {
		panic(fmt.Sprintf("convolution %dx%d stride %d pad %d does not fit input %dx%d", k, k, stride, pad, h, wd))
	}
	cols := x // a 1x1 convolution with stride 1 and no padding needs no patches
	if k != 1 || stride != 1 || pad != 0 {
		xp := ZeroPad2D(x, pad)
		patches := make([]*Node, 0, k*k)
		for di := range k {
			for dj := range k {
				patches = append(patches, Slice(xp, AxisRange(),
					AxisRange(di, di+stride*(ho-1)+1).Stride(stride),
					AxisRange(dj, dj+stride*(wo-1)+1).Stride(stride),
					AxisRange()))
			}
		}
		cols = Concatenate(patches, -1)
	}
	cols.AssertDims(batch, ho, wo, k*k*cin)
	y := matmul(Reshape(cols, batch*ho*wo, k*k*cin), Reshape(w, k*k*cin, out))
	return Reshape(y, batch, ho, wo, out)
}

// ZeroPad2D pads the two spatial axes of x [B,H,W,C] with p zeros on each side.
// It concatenates zeros instead of calling Pad, whose gradient the pure-Go
// backend lacks.
func ZeroPad2D(x *Node, p int) *Node {
	if p == 0 {
		return x
	}
	dims := x.Shape().Dimensions
	g := x.Graph()
	rows := Zeros(g, shapes.Make(x.DType(), dims[0], p, dims[2], dims[3]))
	x = Concatenate([]*Node{rows, x, rows}, 1)
	cols := Zeros(g, shapes.Make(x.DType(), dims[0], dims[1]+2*p, p, dims[3]))
	return Concatenate([]*Node{cols, x, cols}, 2)
}
