package nn

import (
	"fmt"

	"github.com/gomlx/compute"
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
	// Winograd lets the pure-Go backend compute a stride-1 3x3 convolution by
	// Winograd's minimal filtering where its shape suits (chooseWinograd):
	// for frozen kernels (VGG-19's), whose gradient nobody asks for. A trained
	// kernel's gradient needs im2col's patches anyway, which im2col's forward
	// pass shares: with Winograd the DCGAN steps took 7-20% longer.
	Winograd bool
}

// ConvImpl forces one implementation of Conv2D: "" (auto: im2col on the pure-Go
// backend, or Winograd where Conv.Winograd asks and the shape suits; native
// elsewhere), "im2col" or "native".
var ConvImpl = ""

// Conv2D applies c to x [B,H,W,Cin] with a weights variable [k,k,Cin,Out] (and a
// bias [Out]) created in scope with the scope's initializer. Both implementations
// share the variables, so a model trained on one backend runs on the other.
func Conv2D(scope *model.Scope, x *Node, c Conv) *Node {
	x.AssertRank(4)
	if c.Stride == 0 {
		c.Stride = 1
	}
	w := convWeights(scope, x, c)
	var y *Node
	if useNative(x.Graph()) && c.Kernel%2 == 1 {
		// Odd kernels only: GoMLX v0.28.16's own gradient of a convolution with
		// an even kernel is wrong with respect to its input (it pads the reversed
		// convolution (k-1)/2 + (k-1)/2 - p instead of k-1-p;
		// TestGoMLXNativeConvGradient), which would hand the generator a shifted
		// gradient through the discriminator's 4x4 convolutions on XLA.
		y = convNative(x, w, c.Stride, c.Pad)
	} else if t := winogradFor(x, c); t != nil {
		y = winogradConv(x, w, c.Pad, t)
	} else {
		y = convIm2col(x, w, c.Stride, c.Pad)
	}
	return addConvBias(scope, y, c)
}

// convWeights is a convolution's kernel variable [k,k,Cin,Out] in scope ("weights",
// the scope's initializer): one place for the name and layout checkpoints rely on.
func convWeights(scope *model.Scope, x *Node, c Conv) *Node {
	return scope.VariableWithShape("weights", shapes.Make(x.DType(), c.Kernel, c.Kernel, x.Shape().Dim(3), c.Out)).NodeValue(x.Graph())
}

// addConvBias adds the convolution's bias variable [Out] ("biases", zeros at
// first) to y, unless c.NoBias.
func addConvBias(scope *model.Scope, y *Node, c Conv) *Node {
	if c.NoBias {
		return y
	}
	b := scope.WithInitializer(initializer.Zero).VariableWithShape("biases", shapes.Make(y.DType(), c.Out)).NodeValue(y.Graph())
	return Add(y, ExpandLeftToRank(b, 4))
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
// im2col on the pure-Go backend (measured with GoMLX v0.28.2: a DCGAN step took
// ~80 s with it, ~3 s with im2col + matmul).
func convNative(x, w *Node, stride, pad int) *Node {
	return Convolve(x, w).StridePerAxis(stride, stride).PaddingPerDim([][2]int{{pad, pad}, {pad, pad}}).Done()
}

// convIm2col is the convolution as patches times kernel, written for the
// pure-Go backend, whose Slice copies element by element while Gather, Pad and
// Concatenate copy whole runs:
//
//   - A stride-1 convolution pads its input once, builds the patches
//     [B*Ho*Wo, k*k*Cin] and multiplies them by the kernel reshaped to
//     [k*k*Cin, Out] (shiftConv), in chunks of whole images (chunksFor): one
//     GatherSlices of k*Cin-value runs a chunk, or k*k crops and a
//     Concatenate when runs are short.
//   - A strided convolution whose kernel and padded input divide by the stride
//     (the discriminator's 4x4, stride 2, pad 1) is first turned into a stride-1
//     one: the padded input's s x s blocks become channels (space-to-depth) and
//     the kernel is regrouped to match, [k/s, k/s, s*s*Cin, Out].
//   - A stride-1 convolution with few output channels (a generator's last,
//     to RGB or grey) multiplies first and shifts after (thinConv).
//   - Others (strided shapes that do not divide, padding wider than k-1; no
//     model uses them) slice the patches (sliceConv).
//
// Gradients (first order only: the input gradient is built from StopGradient
// patches, so differentiating it again, as a gradient penalty would, misses
// terms): GoMLX differentiates only the kernel's regrouping (kernelToDepth).
// The kernel's gradient is written by hand, the chunks' patches^T dY summed
// (chunkedKernelGrad), and so is the input's: the stride-1 convolution of the
// output's gradient with the flipped kernel (padded k-1-p), mapped back by
// depth-to-space and a crop for strided convolutions: GoMLX would differentiate
// the shifts instead (k*k slices of the patches' gradient, element by element;
// and its Pad gradient does not accept the negative amounts that crop).
func convIm2col(x, w *Node, stride, pad int) *Node {
	k := w.Shape().Dim(0)
	h, wd := x.Shape().Dim(1), x.Shape().Dim(2)
	toDepth := stride > 1 && k%stride == 0 && (h+2*pad)%stride == 0 && (wd+2*pad)%stride == 0
	if (stride > 1 && !toDepth) || pad > k-1 {
		// The hand-written input gradient pads by k-1-p, which must not be negative.
		return sliceConv(x, w, stride, pad)
	}
	if stride == 1 && useThin(k, x.Shape().Dim(3), w.Shape().Dim(3)) {
		return thinConv(x, w, pad)
	}
	var dY, wk, xs *Node
	var cols []*Node // the patches, in chunks
	p := pad         // the stride-1 convolution's padding
	xIn := IdentityWithCustomGradient(x, func(_, _ *Node) *Node {
		k1 := wk.Shape().Dim(0)
		dxs := flippedConv(dY, wk, k1-1-p)
		if !toDepth {
			return dxs
		}
		return crop(depthToSpace(dxs, stride), [][2]int{{0, 0}, {pad, pad}, {pad, pad}, {0, 0}})
	})
	if toDepth {
		xs, wk, p = spaceToDepth(ZeroPad2D(StopGradient(xIn), pad), stride), kernelToDepth(w, stride), 0
	} else {
		xs, wk = StopGradient(xIn), w
	}
	k1, c1 := wk.Shape().Dim(0), wk.Shape().Dim(2)
	n := chunksFor(x.Graph(), x.DType().Size(), xs.Shape().Dim(0), ConvOutSize(xs.Shape().Dim(1), k1, 1, p), ConvOutSize(xs.Shape().Dim(2), k1, 1, p), k1, p, c1)
	// The kernel's gradient is written by hand (chunkedKernelGrad). The zero,
	// a function of xIn added to the small kernel, is what makes reverse mode
	// reach xIn, whose custom gradient above then gives the input's gradient:
	// GoMLX skips a node only when its inputs are StopGradient nodes
	// themselves. GoMLX's own gradients through the products below are
	// unused, and the backend drops them as dead code.
	wkIn := IdentityWithCustomGradient(Add(wk, zeroOf(xIn)), func(_, _ *Node) *Node {
		return chunkedKernelGrad(cols, dY, k1, c1)
	})
	var y *Node
	y, cols = shiftConv(xs, wkIn, p, n) // cols: the kernel's gradient reads them
	return IdentityWithCustomGradient(y, func(_, v *Node) *Node {
		dY = v
		return v
	})
}

// zeroOf is a scalar 0 computed from x's first element: a dependency on x
// that costs nothing. (An Inf or NaN there makes every output NaN, where the
// plain convolution would spread it to a few: only a run that is already
// diverging notices.)
func zeroOf(x *Node) *Node {
	first := make([]SliceAxisSpec, x.Rank())
	for i := range first {
		first[i] = AxisRange(0, 1)
	}
	return Mul(Reshape(Slice(x, first...)), ScalarZero(x.Graph(), x.DType()))
}

// shiftConv is the stride-1 convolution of x [B,H,W,C] with w [k,k,C,Out] and
// p zeros on each side, not differentiated with respect to x: the patches
// [B*Ho*Wo, k*k*C] of the input, padded once, times the kernel reshaped to
// [k*k*C, Out], in n chunks of whole images (chunksFor); also the patches,
// for the kernel's gradient. The patches' columns are in the kernel's (row,
// column, channel) order, so the reshape is free.
func shiftConv(x, w *Node, p, n int) (y *Node, cols []*Node) {
	k, cin, out := w.Shape().Dim(0), w.Shape().Dim(2), w.Shape().Dim(3)
	batch, h, wd := x.Shape().Dim(0), x.Shape().Dim(1), x.Shape().Dim(2)
	ho, wo := ConvOutSize(h, k, 1, p), ConvOutSize(wd, k, 1, p)
	if ho <= 0 || wo <= 0 {
		panic(fmt.Sprintf("convolution %dx%d pad %d does not fit input %dx%d", k, k, p, h, wd))
	}
	wm := Reshape(w, k*k*cin, out)
	cols = patchChunks(x, k, p, n)
	ys := make([]*Node, n)
	for i, c := range cols {
		c.AssertDims(batch/n*ho*wo, k*k*cin)
		ys[i] = MatMul(c, wm)
	}
	return Reshape(stackRows(ys), batch, ho, wo, out), cols
}

// gatherMinRun: below this many floats per copied run (k*C), the backend's
// Gather costs more per run than crops and a Concatenate; measured on 2 cores
// (Gather 1.3x slower at k*C = 8, 1.9x faster at 48 and at 192).
const gatherMinRun = 16

// shiftPatches lays the k*k shifted views of the input, padded once, side by
// side on the channel axis; each view is a crop of the padded input.
func shiftPatches(x *Node, k, p int) *Node {
	h, wd := x.Shape().Dim(1), x.Shape().Dim(2)
	ho, wo := ConvOutSize(h, k, 1, p), ConvOutSize(wd, k, 1, p)
	xp := StopGradient(ZeroPad2D(x, p)) // GoMLX's Pad gradient rejects crops: keep it out of reverse mode
	shifts := make([]*Node, 0, k*k)
	for di := range k {
		for dj := range k {
			// out[i, j] = xp[i+di, j+dj]
			shifts = append(shifts, crop(xp, [][2]int{{0, 0}, {di, h + 2*p - ho - di}, {dj, wd + 2*p - wo - dj}, {0, 0}}))
		}
	}
	return Concatenate(shifts, -1)
}

// flippedConv is the stride-1 convolution of dy [B,H,W,Out] with w [k,k,C,Out]
// flipped in both spatial axes and with in and out swapped, and p zeros on
// each side: a convolution's input gradient. In and out are never swapped in
// memory: the product contracts the patches' (tap, Out) columns with the
// reversed kernel's (tap, Out) axes directly, and the backend regroups it by
// whole rows of Out values, where a [k,k,C,Out] -> [k,k,Out,C] transpose copies
// element by element (compute v0.1.14). Only the Reverse is a copy.
func flippedConv(dy, w *Node, p int) *Node {
	k, c, out := w.Shape().Dim(0), w.Shape().Dim(2), w.Shape().Dim(3)
	batch, h, wd := dy.Shape().Dim(0), dy.Shape().Dim(1), dy.Shape().Dim(2)
	ho, wo := ConvOutSize(h, k, 1, p), ConvOutSize(wd, k, 1, p)
	n := chunksFor(dy.Graph(), dy.DType().Size(), batch, ho, wo, k, p, out)
	taps := Reshape(Reverse(w, 0, 1), k*k, c, out)
	cols := patchChunks(dy, k, p, n)
	ys := make([]*Node, n)
	for i, cs := range cols {
		ys[i] = DotGeneral(Reshape(cs, -1, k*k, out), []int{1, 2}, nil, taps, []int{0, 2}, nil)
	}
	return Reshape(stackRows(ys), batch, ho, wo, c)
}

// crop removes cut[i][0] leading and cut[i][1] trailing entries of each axis i
// of x (not differentiable): a Pad by negative amounts, which copies whole
// rows where Slice copies element by element. Its fill value is never used
// (every output value comes from x).
func crop(x *Node, cut [][2]int) *Node {
	axes := make([]compute.PadAxis, len(cut))
	for i, c := range cut {
		axes[i] = compute.PadAxis{Start: -c[0], End: -c[1]}
	}
	return Pad(x, ScalarOne(x.Graph(), x.DType()), axes...)
}

// spaceToDepth turns x [B,H,W,C] into [B,H/s,W/s,s*s*C]: each s x s block
// becomes one pixel with the block's values as channels, (row, column,
// channel) order.
func spaceToDepth(x *Node, s int) *Node {
	b, h, w, c := x.Shape().Dim(0), x.Shape().Dim(1), x.Shape().Dim(2), x.Shape().Dim(3)
	y := Reshape(x, b, h/s, s, w/s, s, c)
	y = TransposeAllAxes(y, 0, 1, 3, 2, 4, 5)
	return Reshape(y, b, h/s, w/s, s*s*c)
}

// depthToSpace is spaceToDepth's inverse.
func depthToSpace(x *Node, s int) *Node {
	b, h, w, c := x.Shape().Dim(0), x.Shape().Dim(1), x.Shape().Dim(2), x.Shape().Dim(3)/(s*s)
	y := Reshape(x, b, h, w, s, s, c)
	y = TransposeAllAxes(y, 0, 1, 3, 2, 4, 5)
	return Reshape(y, b, h*s, w*s, c)
}

// kernelToDepth regroups a stride-s kernel [k,k,C,Out] into the stride-1
// kernel [k/s,k/s,s*s*C,Out] over spaceToDepth's channels: tap d = s*a + r of
// the original is tap a, block row r of the new one.
func kernelToDepth(w *Node, s int) *Node {
	k, c, out := w.Shape().Dim(0), w.Shape().Dim(2), w.Shape().Dim(3)
	y := Reshape(w, k/s, s, k/s, s, c, out)
	y = TransposeAllAxes(y, 0, 2, 1, 3, 4, 5)
	return Reshape(y, k/s, k/s, s*s*c, out)
}

// sliceConv is the convolution with patches gathered by strided slices, times
// the kernel by MatMulLeanGrad, and GoMLX's gradients through the slices: for
// the shapes convIm2col's hand-written input gradient cannot take.
func sliceConv(x, w *Node, stride, pad int) *Node {
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
	y := MatMulLeanGrad(Reshape(cols, batch*ho*wo, k*k*cin), Reshape(w, k*k*cin, out))
	return Reshape(y, batch, ho, wo, out)
}

// ZeroPad2D pads the two spatial axes of x [B,H,W,C] with p zeros on each side.
// It concatenates zeros instead of calling Pad, whose gradient GoMLX builds
// from an element-by-element Slice.
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

// Patches is the stride-1 convolution's im2col matrix [B*Ho*Wo, k*k*C] for x
// [B,H,W,C], a kernel shaped like w and p zeros of padding, built in one
// piece (Conv2D builds it in chunks): for bench's reproduction of its cost.
func Patches(x, w *Node, p int) *Node {
	k, c := w.Shape().Dim(0), w.Shape().Dim(2)
	return Reshape(patches(x, k, p), -1, k*k*c)
}

// patches [B,Ho,Wo,k*k*C] of a stride-1 convolution, in one piece.
func patches(x *Node, k, p int) *Node {
	b, h, wd, c := x.Shape().Dim(0), x.Shape().Dim(1), x.Shape().Dim(2), x.Shape().Dim(3)
	return Reshape(patchChunks(x, k, p, 1)[0], b, ConvOutSize(h, k, 1, p), ConvOutSize(wd, k, 1, p), k*k*c)
}
