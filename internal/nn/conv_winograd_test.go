package nn

import (
	"fmt"
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
)

// Winograd's F(2x2, 3x3) against GoMLX's native convolution: even and odd
// output sizes (a last tile half outside), non-square inputs, paddings 0, 1, 2.
func TestWinogradMatchesNative(t *testing.T) {
	for _, tc := range []struct{ h, w, pad, cin, cout int }{
		{6, 6, 1, 3, 5}, {5, 5, 1, 3, 5}, {7, 4, 1, 4, 2}, {6, 6, 0, 3, 5}, {5, 7, 0, 2, 3}, {4, 4, 2, 3, 4}, {3, 3, 1, 8, 8}, {8, 8, 1, 3, 2}, {9, 10, 1, 2, 3},
	} {
		x := randomTensor(1, 2, tc.h, tc.w, tc.cin)
		w := randomTensor(2, 3, 3, tc.cin, tc.cout)
		nat := MustExecOnce(MustBackend(), func(x, w *Node) *Node { return convNative(x, w, 1, tc.pad) }, x, w)
		for _, tile := range []*winogradTile{f2x2, f4x4} {
			win := MustExecOnce(MustBackend(), func(x, w *Node) *Node { return winogradConv(x, w, tc.pad, tile) }, x, w)
			if !win.Shape().Equal(nat.Shape()) {
				t.Fatalf("%+v F(%d,3): winograd shape %s, native %s", tc, tile.m, win.Shape(), nat.Shape())
			}
			assertClose(t, fmt.Sprintf("%+v F(%d,3) winograd vs native", tc, tile.m), flat(t, win), flat(t, nat), 1e-10)
		}
	}
}

// The choice by shape: VGG-19 at 256 px takes F(4x4) down to 32 px, its
// first layer included, and F(2x2) at 16 px; narrow layers on small images,
// other kernels and wide paddings stay with im2col.
func TestChooseWinograd(t *testing.T) {
	for _, tc := range []struct {
		k, p, cin, out, pixels int
		want                   *winogradTile
	}{
		{3, 1, 64, 64, 256 * 256, f4x4}, {3, 1, 512, 512, 32 * 32, f4x4}, {3, 1, 512, 512, 16 * 16, f2x2},
		{3, 1, 3, 64, 256 * 256, f4x4}, {3, 1, 32, 64, 16 * 16, nil}, {4, 1, 256, 256, 64 * 64, nil}, {3, 3, 256, 256, 64 * 64, nil},
	} {
		if got := chooseWinograd(tc.k, tc.p, tc.cin, tc.out, tc.pixels); got != tc.want {
			t.Errorf("%+v: got %v", tc, got)
		}
	}
}

// Conv2D takes Winograd only where the layer asks for it (VGG-19's), for a
// stride-1 convolution, and not when ConvImpl forces an implementation.
func TestWinogradOnlyWhenAsked(t *testing.T) {
	g := NewGraph(MustBackend(), "probe")
	x := Parameter(g, "x", shapes.Make(dtypes.Float32, 2, 64, 64, 16))
	for _, tc := range []struct {
		c    Conv
		impl string
		want *winogradTile
	}{
		{Conv{Out: 32, Kernel: 3, Stride: 1, Pad: 1, Winograd: true}, "", f4x4},
		{Conv{Out: 32, Kernel: 3, Stride: 1, Pad: 1}, "", nil}, // a GAN's, the scorer's: not asked
		{Conv{Out: 32, Kernel: 3, Stride: 2, Pad: 1, Winograd: true}, "", nil},
		{Conv{Out: 32, Kernel: 3, Stride: 1, Pad: 1, Winograd: true}, "im2col", nil},
	} {
		ConvImpl = tc.impl
		if got := winogradFor(x, tc.c); got != tc.want {
			t.Errorf("%+v with ConvImpl %q: got tile %v, want %v", tc.c, tc.impl, tileName(got), tileName(tc.want))
		}
	}
	ConvImpl = ""
}

func tileName(t *winogradTile) string {
	if t == nil {
		return "none (im2col)"
	}
	return fmt.Sprintf("F(%dx%d, 3x3)", t.m, t.m)
}

// Both hand-written gradients against finite differences.
func TestWinogradGradient(t *testing.T) {
	for _, tc := range []struct{ h, w, pad, cin, cout int }{
		{4, 4, 1, 2, 3}, {5, 4, 1, 3, 2}, {5, 5, 0, 2, 3}, {3, 4, 2, 2, 2}, {6, 7, 1, 2, 2},
	} {
		x := randomTensor(3, 2, tc.h, tc.w, tc.cin)
		w := randomTensor(4, 3, 3, tc.cin, tc.cout)
		for _, tile := range []*winogradTile{f2x2, f4x4} {
			loss := func(x, w *Node) *Node {
				y := winogradConv(x, w, tc.pad, tile)
				return ReduceAllSum(Mul(y, Sin(y)))
			}
			checkGradient(t, fmt.Sprintf("winograd F(%d,3) %+v", tile.m, tc), loss, x, w)
		}
	}
}

// In float32, on every (in, out) channel pair of VGG-19's 3x3 layers (the
// only convolutions Winograd is chosen for), at an even and an odd size:
// forward and input gradient against im2col's. The transforms add and
// subtract up to 16 (F(2x2)) or 36 (F(4x4)) inputs before the products, so
// rounding differs from im2col's: the largest difference allowed is
// winogradTolerance of the largest value, 4e-6 for F(2x2) and 4e-5 for
// F(4x4) (measured: at most 8.2e-7 and 1.0e-5, forward and gradient alike;
// float32's epsilon is 1.2e-7).
func TestWinogradFloat32VGGShapes(t *testing.T) {
	for _, ch := range [][2]int{{64, 64}, {64, 128}, {128, 128}, {128, 256}, {256, 256}, {256, 512}, {512, 512}} {
		for _, size := range []int{8, 7} {
			x, w := toFloat32(randomTensor(5, 1, size, size, ch[0])), toFloat32(randomTensor(6, 3, 3, ch[0], ch[1]))
			r := toFloat32(randomTensor(7, 1, size, size, ch[1])) // the output's gradient, the same for both
			run := func(tile *winogradTile) (y, dx []float64) {
				out := MustExecOnceN(MustBackend(), func(x, w, r *Node) []*Node {
					y := conv3x3(x, w, tile)
					return append([]*Node{y}, Gradient(ReduceAllSum(Mul(y, r)), x)...)
				}, x, w, r)
				return flat(t, out[0]), flat(t, out[1])
			}
			yi, dxi := run(nil)
			for _, tile := range []*winogradTile{f2x2, f4x4} {
				yw, dxw := run(tile)
				for _, c := range []struct {
					what      string
					got, want []float64
				}{{"forward", yw, yi}, {"input gradient", dxw, dxi}} {
					d, m := maxAbsDiff(c.got, c.want), maxAbs(c.want)
					if d > winogradTolerance[tile.m]*m {
						t.Errorf("%v at %d px, F(%d,3) %s: largest difference %.3g, %.2g of the largest value %.3g", ch, size, tile.m, c.what, d, d/m, m)
					}
					if testing.Verbose() {
						t.Logf("%v at %d px, F(%d,3) %s: %.2g", ch, size, tile.m, c.what, d/m)
					}
				}
			}
		}
	}
}

// conv3x3 is the 3x3 stride-1 convolution with padding 1 by the Winograd tile,
// or by im2col for nil.
func conv3x3(x, w *Node, tile *winogradTile) *Node {
	if tile == nil {
		return convIm2col(x, w, 1, 1)
	}
	return winogradConv(x, w, 1, tile)
}

// winogradTolerance: the largest difference from im2col allowed, as a share
// of the largest value, by tile size.
var winogradTolerance = map[int]float64{2: 4e-6, 4: 4e-5}

func maxAbsDiff(a, b []float64) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

func maxAbs(a []float64) float64 {
	m := 0.0
	for _, x := range a {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

// VGG-19's 3x3 layer shapes at 256 px (batch 1), as the style step runs them:
// forward and the input's gradient (the network is frozen), by Winograd and
// by im2col.
func BenchmarkWinograd(b *testing.B) {
	for _, s := range []struct{ size, cin, cout int }{
		{256, 3, 64}, {256, 64, 64}, {128, 64, 128}, {128, 128, 128}, {64, 128, 256}, {64, 256, 256}, {32, 256, 512}, {32, 512, 512}, {16, 512, 512},
	} {
		x, w := filledTensor(1, s.size, s.size, s.cin), filledTensor(3, 3, s.cin, s.cout)
		for _, impl := range []string{"F2", "F4", "im2col"} {
			b.Run(fmt.Sprintf("%dpx_%dto%d/%s", s.size, s.cin, s.cout, impl), func(b *testing.B) {
				tile := map[string]*winogradTile{"F2": f2x2, "F4": f4x4}[impl]
				e := MustNewExec(MustBackend(), func(x, w *Node) []*Node {
					return Gradient(ReduceAllSum(Square(conv3x3(x, w, tile))), x)
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
