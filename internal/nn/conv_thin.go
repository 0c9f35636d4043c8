package nn

import (
	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX's graph DSL is written dot-imported
)

// thinOutRatio: a stride-1 convolution with at most Cin/thinOutRatio output
// channels multiplies first and shifts after (thinConv). The generators' last
// convolution (16 channels in, 3 out at 64x64, 1 out at 28x28) is the case:
// at 64x64, batch 64, its forward pass takes 21-25 ms this way against 53-55
// ms by im2col, with both gradients 56-72 ms against 109-123 ms
// (BenchmarkLastConv, 2 cores).
const thinOutRatio = 4

// useThin reports whether thinConv suits a stride-1 convolution with kernel k,
// cin input and out output channels.
func useThin(k, cin, out int) bool { return thinConvOn && k > 1 && out*thinOutRatio <= cin }

// thinConvOn lets BenchmarkLastConv time im2col on the same shapes.
var thinConvOn = true

// thinConv is the stride-1 convolution of x [B,H,W,C] with w [k,k,C,Out] and p
// zeros on each side, for Out much smaller than C. im2col would copy k*k*C
// values per output pixel (the patches) to compute Out; here every input pixel
// is multiplied once by all k*k taps' weights, giving k*k*Out values per pixel
// (z), and each output pixel sums the k*k values its taps left in the pixels
// around it: z is Out/C the size of the patches, and the matmul packs a [C,
// B*Hp*Wp] operand instead of a [k*k*C, B*Ho*Wo] one.
//
// z is laid out [tap, Out, B, Hp, Wp], so that each tap's shifted window is a
// crop of whole image rows (a crop on the channel axis would copy 3 values at a
// time); one transpose of the output brings the channels last.
//
// Both gradients are written by hand (GoMLX cannot differentiate the crops,
// negative Pads): the kernel's from z's gradient (the output's gradient padded
// back into each tap's window) and the padded input; the input's as im2col's.
func thinConv(x, w *Node, p int) *Node {
	k, c, out := w.Shape().Dim(0), w.Shape().Dim(2), w.Shape().Dim(3)
	b, h, wd := x.Shape().Dim(0), x.Shape().Dim(1), x.Shape().Dim(2)
	ho, wo := ConvOutSize(h, k, 1, p), ConvOutSize(wd, k, 1, p)
	hp, wp := h+2*p, wd+2*p
	taps := k * k
	// window[t]: the rows and columns tap t = di*k + dj reads, as cuts of the padded image.
	window := func(t int) [][2]int { di, dj := t/k, t%k; return [][2]int{{di, hp - ho - di}, {dj, wp - wo - dj}} }

	var dY *Node     // the output's gradient [B,Ho,Wo,Out], set first in reverse mode
	var xpFlat *Node // the padded input [B*Hp*Wp, C], shared with the kernel's gradient
	wIn := IdentityWithCustomGradient(w, func(_, _ *Node) *Node {
		// z's gradient [taps*Out, B*Hp*Wp]: dY padded into each tap's window.
		dyT := Reshape(TransposeAllDims(dY, 3, 0, 1, 2), out*b, ho, wo)
		zero := ScalarZero(dY.Graph(), dY.DType())
		parts := make([]*Node, taps)
		for t := range taps {
			cut := window(t)
			parts[t] = ExpandAxes(Pad(dyT, zero, compute.PadAxis{}, compute.PadAxis{Start: cut[0][0], End: cut[0][1]}, compute.PadAxis{Start: cut[1][0], End: cut[1][1]}), 0)
		}
		dz := Reshape(Concatenate(parts, 0), taps*out, b*hp*wp)
		// dW[t, c, o] = sum over pixels m of xp[m, c] * dz[t, o, m], as [C, taps*Out]:
		// measured 2x faster than the [taps*Out, C] product.
		dw := Reshape(DotGeneral(xpFlat, []int{0}, nil, dz, []int{1}, nil), c, taps, out)
		return Reshape(TransposeAllDims(dw, 1, 0, 2), k, k, c, out)
	})
	// The input's gradient as im2col's: the output's gradient convolved with
	// the flipped kernel (its patches are k*k*Out values a pixel, few here).
	xIn := IdentityWithCustomGradient(x, func(_, _ *Node) *Node { return flippedConv(dY, w, k-1-p) })

	// The forward pass is not differentiated (one StopGradient over all of it).
	xpFlat = Reshape(ZeroPad2D(x, p), b*hp*wp, c)
	// z[t, o, m] = sum over c of w[t, c, o] * xp[m, c]
	z := DotGeneral(Reshape(w, taps, c, out), []int{1}, nil, xpFlat, []int{1}, nil)
	z = Reshape(z, taps, out*b, hp, wp)
	var sum *Node
	for t := range taps {
		cut := window(t)
		s := Reshape(crop(z, [][2]int{{t, taps - 1 - t}, {0, 0}, cut[0], cut[1]}), out*b, ho, wo)
		if sum == nil {
			sum = s
		} else {
			sum = Add(sum, s)
		}
	}
	y := StopGradient(TransposeAllDims(Reshape(sum, out, b, ho, wo), 1, 2, 3, 0))
	// Reverse mode reaches xIn and wIn only through these zeros (see zeroOf);
	// their custom gradients above ignore what arrives and return the real ones.
	y = Add(y, Add(zeroOf(xIn), zeroOf(wIn)))
	y.AssertDims(b, ho, wo, out)
	return IdentityWithCustomGradient(y, func(_, v *Node) *Node {
		dY = v
		return v
	})
}
