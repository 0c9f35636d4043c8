package nn

import (
	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX's graph DSL is written dot-imported
	"github.com/gomlx/gomlx/core/tensors"
)

// Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray 2016, "Fast
// Algorithms for Convolutional Neural Networks"): each 2x2 block of a 3x3
// convolution's output is computed from the 4x4 block of input under it with
// 16 products per (input, output) channel pair instead of 36, 2.25x fewer:
//
//	Y = A^T [ (G g G^T) .* (B^T d B) ] A
//
// with d the 4x4 input tile, g the 3x3 kernel, and (for correlation, as CNNs
// compute it)
//
//	B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
//	G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
//	A^T = [1 1 1 0; 0 1 -1 -1]
//
// Over channels, the 16 element-wise products become 16 matrix products
// [tiles, C] x [C, Out], one per position in the 4x4 tile. The transforms are
// written as products too, each a single pass: the input's tiles are gathered
// (runs of C values) and multiplied by the [16, 16] matrix B^T (x) B^T, the
// products by the [4, 16] matrix A^T (x) A^T, the kernel by G (x) G. (Written
// with crops, Adds and Subs, as the formulas read, the layers took up to 20%
// longer: each of those is a pass over the data.)
//
// Upstream, this belongs in the pure-Go backend's ConvGeneral
// (github.com/gomlx/compute/internal/gobackend), chosen there by shape.

// winogradPolicy overrides useWinograd's choice for tests and benchmarks:
// 0 by shape, 1 always (for a 3x3 kernel), -1 never.
var winogradPolicy = 0

// winogradMinRatio: Winograd pays when the products it saves, which grow with
// Cin*Out per tile, outweigh its transforms, which grow with Cin+Out. Measured
// on VGG-19's layers at 256 px (BenchmarkWinograd, forward and input gradient,
// 2 cores): 64->64 (ratio 32) as fast as im2col; 64->128 (43) 2.2x faster;
// 128->128 (64) 1.35x; 256->256 1.75x; 512->512 at 32 px 1.7x, at 16 px 1.2x.
const winogradMinRatio = 40

// useWinograd reports whether winogradConv suits a stride-1 convolution with
// kernel k, padding p, cin input and out output channels.
func useWinograd(k, p, cin, out int) bool {
	if k != 3 || p > 2 || winogradPolicy < 0 {
		return false
	}
	return winogradPolicy > 0 || cin*out >= winogradMinRatio*(cin+out)
}

// winogradConv is the stride-1 3x3 convolution of x [B,H,W,C] with w
// [3,3,C,Out] and p zeros on each side, by F(2x2, 3x3). Its input's gradient
// is the same algorithm applied to the output's gradient with the kernel
// flipped and in and out swapped (as flippedConv); its kernel's gradient is
// im2col's (the patches times the output's gradient), which only training
// needs (the style transfer's VGG is frozen, and GoMLX builds a gradient only
// for what is asked).
func winogradConv(x, w *Node, p int) *Node {
	b, h, wd, c := x.Shape().Dim(0), x.Shape().Dim(1), x.Shape().Dim(2), x.Shape().Dim(3)
	out := w.Shape().Dim(3)
	ho, wo := ConvOutSize(h, 3, 1, p), ConvOutSize(wd, 3, 1, p)

	var dY *Node // the output's gradient [B,Ho,Wo,Out], set first in reverse mode
	u := winogradKernel(StopGradient(w))
	xIn := IdentityWithCustomGradient(x, func(_, _ *Node) *Node {
		// dx = dY (padded 2-p) correlated with the flipped kernel, contracting Out.
		return winograd(dY, u, 2-p, true)
	})
	wIn := IdentityWithCustomGradient(w, func(_, _ *Node) *Node {
		// dW[tap, c, o] = sum over output pixels of patches[pixel, tap, c] * dY[pixel, o].
		cols := Reshape(patches(x, 3, p), b*ho*wo, 9*c)
		dw := DotGeneral(cols, []int{0}, nil, Reshape(dY, b*ho*wo, out), []int{0}, nil)
		return Reshape(dw, 3, 3, c, out)
	})
	y := StopGradient(winograd(x, u, p, false))
	// Reverse mode reaches xIn and wIn only through these zeros (see zeroOf).
	y = Add(y, Add(zeroOf(xIn), zeroOf(wIn)))
	y.AssertDims(b, ho, wo, out)
	return IdentityWithCustomGradient(y, func(_, v *Node) *Node {
		dY = v
		return v
	})
}

// winogradKernel is G g G^T for every (in, out) pair of w [3,3,C,Out]:
// [16, C, Out], position 4*i + j of the 4x4 tile first. Both transforms are
// one product of the [16, 9] matrix G (x) G with the kernel's 9 taps, a single
// pass over the kernel (crops and Concatenates took 8.5 ms a step for a
// 512x512 layer).
func winogradKernel(w *Node) *Node {
	c, out := w.Shape().Dim(2), w.Shape().Dim(3)
	gg := make([]float32, 0, 16*9)
	for i := range 4 {
		for j := range 4 {
			for k := range 3 {
				for l := range 3 {
					gg = append(gg, winogradG[i][k]*winogradG[j][l])
				}
			}
		}
	}
	ggT := ConvertDType(Const(w.Graph(), tensors.FromFlatDataAndDimensions(gg, 16, 9)), w.DType())
	return Reshape(MatMul(ggT, Reshape(w, 9, c*out)), 16, c, out)
}

// winogradG is F(2, 3)'s kernel transform G.
var winogradG = [4][3]float32{{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}}

// flipTile maps a position of the 4x4 transformed tile to the one that holds
// it for the kernel flipped in both spatial axes: G reverses g's transform,
// [g0, (g0+g1+g2)/2, (g0-g1+g2)/2, g2], when g is reversed, but for swapping
// its first and last entries.
var flipTile = [4]int{3, 1, 2, 0}

// winograd is the stride-1 3x3 correlation of x [B,H,W,C] (p zeros on each
// side) with the kernel whose transform is u [16, C, Out], not
// differentiable. With flip, it is the correlation with that kernel flipped in
// both spatial axes and in and out swapped (x has Out channels, the result C),
// as an input's gradient needs: the products then read u's positions through
// flipTile and contract its Out axis. Odd output sizes are computed one row or
// column larger (zeros below and to the right) and cropped.
func winograd(x, u *Node, p int, flip bool) *Node {
	b, h, wd := x.Shape().Dim(0), x.Shape().Dim(1), x.Shape().Dim(2)
	contract, out := 1, u.Shape().Dim(2)
	pos := [4]int{0, 1, 2, 3} // where the tile's row (or column) i is stored
	if flip {
		contract, out, pos = 2, u.Shape().Dim(1), flipTile
	}
	ho, wo := ConvOutSize(h, 3, 1, p), ConvOutSize(wd, 3, 1, p)
	th, tw := (ho+1)/2, (wo+1)/2 // tiles per column and per row
	// Pad to 2*th+2 rows and 2*tw+2 columns: each tile reads 4 rows from 2*t.
	zero := ScalarZero(x.Graph(), x.DType())
	xp := Pad(StopGradient(x), zero, compute.PadAxis{},
		compute.PadAxis{Start: p, End: 2*th + 2 - h - p}, compute.PadAxis{Start: p, End: 2*tw + 2 - wd - p}, compute.PadAxis{})

	v := winogradInput(xp, th, tw, pos) // [16, tiles, C]

	// The 16 products, batched over the tile position: [16, tiles, Out].
	m := DotGeneral(v, []int{2}, []int{0}, u, []int{contract}, []int{0})
	m.AssertDims(16, b*th*tw, out)

	return winogradOutput(m, b, th, tw, ho, wo, pos)
}

// F(2, 3)'s input and output transforms B^T and A^T.
var (
	winogradBT = [4][4]float32{{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}}
	winogradAT = [2][4]float32{{1, 1, 1, 0}, {0, 1, -1, -1}}
)

// winogradInput is V = B^T d B for every 4x4 tile d of the padded input xp
// [B, 2*th+2, 2*tw+2, C] (tiles start every 2 pixels): [16, tiles, C], tile
// position (i, j) stored at 4*pos[i] + pos[j]. The tiles are gathered by
// position ([16, tiles, C], runs of C values), then transformed by one [16,
// 16] x [16, tiles*C] product.
func winogradInput(xp *Node, th, tw int, pos [4]int) *Node {
	b, hp, wp, c := xp.Shape().Dim(0), xp.Shape().Dim(1), xp.Shape().Dim(2), xp.Shape().Dim(3)
	start := make([]int32, 0, 16*b*th*tw*2)
	for di := range 4 {
		for dj := range 4 {
			for bi := range b {
				for t := range th {
					for s := range tw {
						start = append(start, int32(bi*hp+2*t+di), int32(2*s+dj))
					}
				}
			}
		}
	}
	g := xp.Graph()
	starts := Const(g, tensors.FromFlatDataAndDimensions(start, 16, b*th*tw, 2))
	d := GatherSlices(Reshape(xp, b*hp, wp, c), []int{0, 1}, starts, []int{1, 1}, false)
	bb := make([]float32, 16*16)
	for i := range 4 {
		for j := range 4 {
			for k := range 4 {
				for l := range 4 {
					bb[(4*pos[i]+pos[j])*16+4*k+l] = winogradBT[i][k] * winogradBT[j][l]
				}
			}
		}
	}
	bbT := ConvertDType(Const(g, tensors.FromFlatDataAndDimensions(bb, 16, 16)), xp.DType())
	return Reshape(MatMul(bbT, Reshape(d, 16, b*th*tw*c)), 16, b*th*tw, c)
}

// winogradOutput is Y = A^T M A for the products m [16, tiles, Out] (position
// (i, j) at 4*pos[i] + pos[j]) as one [4, 16] x [16, tiles*Out] product, then
// each 2x2 block's four values put in place: [B, ho, wo, Out].
func winogradOutput(m *Node, b, th, tw, ho, wo int, pos [4]int) *Node {
	out := m.Shape().Dim(2)
	aa := make([]float32, 4*16)
	for a := range 2 {
		for cc := range 2 {
			for i := range 4 {
				for j := range 4 {
					aa[(2*a+cc)*16+4*pos[i]+pos[j]] = winogradAT[a][i] * winogradAT[cc][j]
				}
			}
		}
	}
	n := b * th * tw * out
	aaT := ConvertDType(Const(m.Graph(), tensors.FromFlatDataAndDimensions(aa, 4, 16)), m.DType())
	y4 := MatMul(aaT, Reshape(m, 16, n)) // [4 (row, column in block), tiles, Out]
	yi := func(i int) *Node { return Reshape(crop(y4, [][2]int{{i, 3 - i}, {0, 0}}), b*th, tw, 1, out) }
	var blocks []*Node
	for a := range 2 {
		blocks = append(blocks, Reshape(Concatenate([]*Node{yi(2 * a), yi(2*a + 1)}, 2), b, th, 1, 2*tw*out))
	}
	y := Reshape(Concatenate(blocks, 2), b, 2*th, 2*tw, out)
	if 2*th != ho || 2*tw != wo {
		y = crop(y, [][2]int{{0, 0}, {0, 2*th - ho}, {0, 2*tw - wo}, {0, 0}})
	}
	return y
}
