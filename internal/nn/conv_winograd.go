package nn

import (
	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX's graph DSL is written dot-imported
	"github.com/gomlx/gomlx/core/tensors"
)

// Winograd's minimal filtering F(m x m, 3x3) (Lavin and Gray 2016, "Fast
// Algorithms for Convolutional Neural Networks"): each m x m block of a 3x3
// convolution's output is computed from the a x a block of input under it
// (a = m+2) with a*a products per (input, output) channel pair instead of
// 9*m*m: 2.25x fewer for F(2x2, 3x3), 4x fewer for F(4x4, 3x3).
//
//	Y = A^T [ (G g G^T) .* (B^T d B) ] A
//
// with d the a x a input tile and g the 3x3 kernel (correlation, as CNNs
// compute it). Over channels, the a*a element-wise products become a*a
// matrix products [tiles, C] x [C, Out], one per position in the tile. The
// transforms are written as products too, each one pass over the data: the
// input's tiles are gathered (runs of C values) and multiplied by the [a*a,
// a*a] matrix B^T (x) B^T, the products by the [m*m, a*a] matrix A^T (x) A^T,
// the kernel by the [a*a, 9] matrix G (x) G. (Written with crops, Adds and
// Subs as the formulas read, F(2x2, 3x3) layers took up to 20% longer: each of
// those is a pass over the data.)
//
// Upstream, this belongs in the pure-Go backend's ConvGeneral
// (github.com/gomlx/compute/internal/gobackend), chosen there by shape.

// winogradTile is one F(m x m, 3x3): its output tile size m and its
// transforms B^T [a][a], G [a][3], A^T [m][a], a = m+2.
type winogradTile struct {
	m         int
	bt, g, at [][]float64
}

// f2x2 is F(2x2, 3x3), interpolation points 0, 1, -1 and infinity (Lavin and
// Gray 2016, section 4.1): exact in binary floating point but for rounding.
var f2x2 = &winogradTile{m: 2,
	bt: [][]float64{{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}},
	g:  [][]float64{{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}},
	at: [][]float64{{1, 1, 1, 0}, {0, 1, -1, -1}},
}

// f4x4 is F(4x4, 3x3), points 0, 1, -1, 2, -2 and infinity (Lavin and Gray
// 2016, section 4.2): its larger transform entries cost precision (measured
// against im2col in float32: TestWinogradFloat32VGGShapes).
var f4x4 = &winogradTile{m: 4,
	bt: [][]float64{
		{4, 0, -5, 0, 1, 0},
		{0, -4, -4, 1, 1, 0},
		{0, 4, -4, -1, 1, 0},
		{0, -2, -1, 2, 1, 0},
		{0, 2, -1, -2, 1, 0},
		{0, 4, 0, -5, 0, 1},
	},
	g: [][]float64{
		{1.0 / 4, 0, 0},
		{-1.0 / 6, -1.0 / 6, -1.0 / 6},
		{-1.0 / 6, 1.0 / 6, -1.0 / 6},
		{1.0 / 24, 1.0 / 12, 1.0 / 6},
		{1.0 / 24, -1.0 / 12, 1.0 / 6},
		{0, 0, 1},
	},
	at: [][]float64{
		{1, 1, 1, 1, 1, 0},
		{0, 1, -1, 2, -2, 0},
		{0, 1, 1, 4, 4, 0},
		{0, 1, -1, 8, -8, 1},
	},
}

// Which tile, by shape. Winograd pays when the products it saves, which grow
// with Cin*Out per tile, outweigh its transforms, which grow with Cin+Out; the
// larger tile saves more products and gathers less (2.25x the input against
// 4x) but transforms the kernel into 36 positions instead of 16, twice (the
// forward and the flipped kernel), which small images do not repay. Measured
// on VGG-19's layers at 256 px, batch 1 (BenchmarkWinograd, forward and input
// gradient, ms, 2 cores; F(2x2) / F(4x4) / im2col):
//
//	3->64 at 256 px       86 / 41 / 54
//	64->64 at 256 px     103 / 81 / 143
//	64->128 at 128 px     39 / 33 / 55
//	128->128 at 128 px    64 / 61 / 97
//	128->256 at 64 px     23 / 18 / 33
//	256->256 at 64 px     41 / 26 / 60
//	256->512 at 32 px     18 / 17 / 30
//	512->512 at 32 px     34 / 32 / 55
//	512->512 at 16 px     14 / 19 / 17
const (
	winogradMinPixels = 1024 // output pixels (batch * Ho * Wo) for F(4x4, 3x3), any channels: 32x32 and larger
	winogradMinRatio  = 32   // F(2x2, 3x3) below that if Cin*Out >= 32*(Cin+Out): 64->64 and wider
)

// chooseWinograd returns the Winograd tile for a stride-1 convolution with
// kernel k, padding p, cin input and out output channels and pixels output
// pixels (all images), or nil for im2col.
func chooseWinograd(k, p, cin, out, pixels int) *winogradTile {
	if k != 3 || p > 2 {
		return nil
	}
	switch {
	case pixels >= winogradMinPixels:
		return f4x4
	case cin*out >= winogradMinRatio*(cin+out):
		return f2x2
	default:
		return nil
	}
}

// winogradFor is the Winograd tile Conv2D computes c on x [B,H,W,C] with, or
// nil for im2col: only where c asks for Winograd and ConvImpl does not force
// an implementation.
func winogradFor(x *Node, c Conv) *winogradTile {
	if !c.Winograd || c.Stride != 1 || ConvImpl != "" {
		return nil
	}
	pixels := x.Shape().Dim(0) * ConvOutSize(x.Shape().Dim(1), c.Kernel, 1, c.Pad) * ConvOutSize(x.Shape().Dim(2), c.Kernel, 1, c.Pad)
	return chooseWinograd(c.Kernel, c.Pad, x.Shape().Dim(3), c.Out, pixels)
}

// winogradConv is the stride-1 3x3 convolution of x [B,H,W,C] with w
// [3,3,C,Out] and p zeros on each side, by Winograd's F(m x m, 3x3). Its
// input's gradient is the same algorithm applied to the output's gradient
// with the kernel flipped and in and out swapped (as flippedConv); its
// kernel's gradient is im2col's (the patches times the output's gradient),
// which only training needs (the style transfer's VGG is frozen, and GoMLX
// builds a gradient only for what is asked).
func winogradConv(x, w *Node, p int, t *winogradTile) *Node {
	b, h, wd, c := x.Shape().Dim(0), x.Shape().Dim(1), x.Shape().Dim(2), x.Shape().Dim(3)
	out := w.Shape().Dim(3)
	ho, wo := ConvOutSize(h, 3, 1, p), ConvOutSize(wd, 3, 1, p)

	var dY *Node // the output's gradient [B,Ho,Wo,Out], set first in reverse mode
	xIn := IdentityWithCustomGradient(x, func(_, _ *Node) *Node {
		// dx = dY (padded 2-p) correlated with the flipped kernel, contracting Out.
		return winograd(dY, t.kernel(StopGradient(w), true), 2-p, t, 2)
	})
	wIn := IdentityWithCustomGradient(w, func(_, _ *Node) *Node {
		// dW[tap, c, o] = sum over output pixels of patches[pixel, tap, c] * dY[pixel, o].
		cols := Reshape(patches(x, 3, p), b*ho*wo, 9*c)
		dw := DotGeneral(cols, []int{0}, nil, Reshape(dY, b*ho*wo, out), []int{0}, nil)
		return Reshape(dw, 3, 3, c, out)
	})
	y := StopGradient(winograd(x, t.kernel(w, false), p, t, 1))
	// Reverse mode reaches xIn and wIn only through these zeros (see zeroOf).
	y = Add(y, Add(zeroOf(xIn), zeroOf(wIn)))
	y.AssertDims(b, ho, wo, out)
	return IdentityWithCustomGradient(y, func(_, v *Node) *Node {
		dY = v
		return v
	})
}

// kernel is G g G^T for every (in, out) pair of w [3,3,C,Out], with g flipped
// in both spatial axes if flip: [a*a, C, Out], tile position a*i + j first.
// Both transforms (and the flip) are one product of the [a*a, 9] matrix G (x)
// G with the kernel's 9 taps, a single pass over the kernel (crops and
// Concatenates took 8.5 ms a step for a 512x512 layer).
func (t *winogradTile) kernel(w *Node, flip bool) *Node {
	c, out := w.Shape().Dim(2), w.Shape().Dim(3)
	a := t.m + 2
	g := t.g
	if flip { // tap k of the flipped kernel is tap 2-k of w: G's columns reversed
		g = make([][]float64, a)
		for i, row := range t.g {
			g[i] = []float64{row[2], row[1], row[0]}
		}
	}
	return Reshape(MatMul(constMatrix(w, kron(g), a*a, 9), Reshape(w, 9, c*out)), a*a, c, out)
}

// kron is the Kronecker product m (x) m of the matrix m [r][c], flat [r*r,
// c*c]: entry (r*i + j, c*k + l) is m[i][k] * m[j][l]. Applied to a tile
// flattened row by row, it is the transform along rows and along columns in
// one product (M d M^T).
func kron(m [][]float64) []float64 {
	r, c := len(m), len(m[0])
	out := make([]float64, 0, r*r*c*c)
	for i := range r {
		for j := range r {
			for k := range c {
				for l := range c {
					out = append(out, m[i][k]*m[j][l])
				}
			}
		}
	}
	return out
}

// constMatrix is v as an [rows, cols] constant of like's dtype.
func constMatrix(like *Node, v []float64, rows, cols int) *Node {
	return ConvertDType(Const(like.Graph(), tensors.FromFlatDataAndDimensions(v, rows, cols)), like.DType())
}

// winograd is the stride-1 3x3 correlation of x [B,H,W,C] (p zeros on each
// side) with the kernel whose transform is u, not differentiable: u is [a*a,
// C, Out] (contract = 1) or [a*a, Out, C] (contract = 2: an input gradient's
// flipped kernel, read with in and out swapped). Output sizes that m does not
// divide are computed larger (zeros below and to the right) and cropped.
func winograd(x, u *Node, p int, t *winogradTile, contract int) *Node {
	b, h, wd := x.Shape().Dim(0), x.Shape().Dim(1), x.Shape().Dim(2)
	a, out := t.m+2, u.Shape().Dim(3-contract)
	ho, wo := ConvOutSize(h, 3, 1, p), ConvOutSize(wd, 3, 1, p)
	th, tw := (ho+t.m-1)/t.m, (wo+t.m-1)/t.m // tiles per column and per row
	// Pad to m*th+2 rows and m*tw+2 columns: tile (i, j) reads a rows from m*i
	// and a columns from m*j.
	xp := Pad(StopGradient(x), ScalarZero(x.Graph(), x.DType()), compute.PadAxis{},
		compute.PadAxis{Start: p, End: t.m*th + 2 - h - p}, compute.PadAxis{Start: p, End: t.m*tw + 2 - wd - p}, compute.PadAxis{})

	v := t.input(xp, th, tw) // [a*a, tiles, C]
	// The a*a products, batched over the tile position: [a*a, tiles, Out].
	m := DotGeneral(v, []int{2}, []int{0}, u, []int{contract}, []int{0})
	m.AssertDims(a*a, b*th*tw, out)
	return t.output(m, b, th, tw, ho, wo)
}

// input is V = B^T d B for every a x a tile d of the padded input xp [B,
// m*th+2, m*tw+2, C] (tiles start every m pixels): [a*a, tiles, C]. The tiles
// are gathered by position ([a*a, tiles, C], runs of C values), then
// transformed by one [a*a, a*a] x [a*a, tiles*C] product.
func (t *winogradTile) input(xp *Node, th, tw int) *Node {
	b, hp, wp, c := xp.Shape().Dim(0), xp.Shape().Dim(1), xp.Shape().Dim(2), xp.Shape().Dim(3)
	a := t.m + 2
	start := make([]int32, 0, a*a*b*th*tw*2)
	for di := range a {
		for dj := range a {
			for bi := range b {
				for i := range th {
					for j := range tw {
						start = append(start, int32(bi*hp+t.m*i+di), int32(t.m*j+dj))
					}
				}
			}
		}
	}
	starts := Const(xp.Graph(), tensors.FromFlatDataAndDimensions(start, a*a, b*th*tw, 2))
	d := GatherSlices(Reshape(xp, b*hp, wp, c), []int{0, 1}, starts, []int{1, 1}, false)
	return Reshape(MatMul(constMatrix(xp, kron(t.bt), a*a, a*a), Reshape(d, a*a, b*th*tw*c)), a*a, b*th*tw, c)
}

// output is Y = A^T M A for the products m [a*a, tiles, Out] as one [m*m,
// a*a] x [a*a, tiles*Out] product, then each m x m block's values put in
// place: [B, ho, wo, Out].
func (t *winogradTile) output(m *Node, b, th, tw, ho, wo int) *Node {
	a, out := t.m+2, m.Shape().Dim(2)
	y := MatMul(constMatrix(m, kron(t.at), t.m*t.m, a*a), Reshape(m, a*a, b*th*tw*out)) // [m*m (row, column in block), tiles, Out]
	// Block row r: its m columns side by side, [B*th, tw, m, Out].
	rows := make([]*Node, t.m)
	for r := range t.m {
		cols := make([]*Node, t.m)
		for s := range t.m {
			q := t.m*r + s
			cols[s] = Reshape(crop(y, [][2]int{{q, t.m*t.m - 1 - q}, {0, 0}}), b*th, tw, 1, out)
		}
		rows[r] = Reshape(Concatenate(cols, 2), b, th, 1, t.m*tw*out)
	}
	y = Reshape(Concatenate(rows, 2), b, t.m*th, t.m*tw, out)
	if t.m*th != ho || t.m*tw != wo {
		y = crop(y, [][2]int{{0, 0}, {0, t.m*th - ho}, {0, t.m*tw - wo}, {0, 0}})
	}
	return y
}
