package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

func flat(t *testing.T, x *tensors.Tensor) []float64 {
	t.Helper()
	var out []float64
	switch x.DType().String() {
	case "Float32":
		for _, v := range tensors.MustCopyFlatData[float32](x) {
			out = append(out, float64(v))
		}
	default:
		out = tensors.MustCopyFlatData[float64](x)
	}
	return out
}

func assertClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol*(1+math.Abs(want[i])) {
			t.Fatalf("%s: value %d = %.7g, want %.7g", what, i, got[i], want[i])
		}
	}
}

func randomTensor(seed uint64, dims ...int) *tensors.Tensor {
	rng := rand.New(rand.NewPCG(seed, 7))
	n := 1
	for _, d := range dims {
		n *= d
	}
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return tensors.FromFlatDataAndDimensions(v, dims...)
}

// A 2x2 kernel of ones over a 3x3 image without padding sums each 2x2 window.
func TestConvHandComputed(t *testing.T) {
	x := tensors.FromFlatDataAndDimensions([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 3, 3, 1)
	w := tensors.FromFlatDataAndDimensions([]float64{1, 1, 1, 1}, 2, 2, 1, 1)
	got := MustExecOnce(MustBackend(), func(x, w *Node) *Node { return convIm2col(x, w, 1, 0) }, x, w)
	assertClose(t, "2x2 window sums", flat(t, got), []float64{12, 16, 24, 28}, 1e-12)

	// Stride 2 with padding 1: the windows at (-1,-1), (-1,1), (1,-1), (1,1).
	got = MustExecOnce(MustBackend(), func(x, w *Node) *Node { return convIm2col(x, w, 2, 1) }, x, w)
	assertClose(t, "strided padded sums", flat(t, got), []float64{1, 2 + 3, 4 + 7, 5 + 6 + 8 + 9}, 1e-12)
}

// im2col + matmul must compute exactly what GoMLX's native convolution does,
// with the same [k,k,in,out] kernel, for the strides and paddings the models use.
func TestConvIm2colMatchesNative(t *testing.T) {
	for _, tc := range []struct{ k, stride, pad, size, cin, cout int }{
		{3, 1, 1, 6, 3, 5}, {4, 2, 1, 8, 3, 5}, {4, 2, 1, 7, 3, 5}, {3, 2, 0, 7, 3, 5}, {1, 1, 0, 3, 3, 5}, {4, 2, 1, 14, 3, 5}, {2, 1, 1, 5, 3, 5},
		{3, 1, 1, 6, 8, 5}, {4, 2, 1, 8, 8, 5}, {5, 1, 2, 7, 4, 5},
		{4, 2, 1, 8, 1, 5}, // space-to-depth, then crops (MNIST's first layer: 4 channels)
		// few outputs (thinConv): a generator's last layer to RGB and to grey
		{3, 1, 1, 6, 16, 3}, {3, 1, 1, 6, 16, 1}, {3, 1, 0, 7, 12, 3}, {5, 1, 2, 7, 8, 2}, {2, 1, 1, 5, 8, 2},
	} {
		x := randomTensor(1, 4, tc.size, tc.size, tc.cin)
		w := randomTensor(2, tc.k, tc.k, tc.cin, tc.cout)
		nat := MustExecOnce(MustBackend(), func(x, w *Node) *Node { return convNative(x, w, tc.stride, tc.pad) }, x, w)
		forEachChunking(t, func(how string) {
			im := MustExecOnce(MustBackend(), func(x, w *Node) *Node { return convIm2col(x, w, tc.stride, tc.pad) }, x, w)
			if !im.Shape().Equal(nat.Shape()) {
				t.Fatalf("%+v: im2col shape %s, native %s", tc, im.Shape(), nat.Shape())
			}
			assertClose(t, fmt.Sprintf("%+v %s: im2col vs native", tc, how), flat(t, im), flat(t, nat), 1e-10)
		})
	}
}

// forEachChunking runs f with the patches whole (these tests' tensors are
// small) and in chunks of one image (chunkBytes 1).
func forEachChunking(t *testing.T, f func(how string)) {
	t.Helper()
	saved := chunkBytes
	defer func() { chunkBytes = saved }()
	for _, cb := range []int{saved, 1} {
		chunkBytes = cb
		f(fmt.Sprintf("chunkBytes %d", cb))
	}
}

// In two chunks of two images and four of one, the output and both gradients are
// the whole computation's, for every kind of patches: the chunks' order, and
// the rows each chunk's kernel gradient reads from the output's gradient.
func TestConvChunksMatchWhole(t *testing.T) {
	if !IsGoBackend(MustBackend()) {
		t.Skip("chunks are for the pure-Go backend only")
	}
	saved := chunkBytes
	defer func() { chunkBytes, forceChunks = saved, 0 }()
	for _, tc := range []struct{ k, stride, pad, size, cin, cout int }{
		{3, 1, 1, 6, 8, 8}, {4, 2, 1, 8, 8, 8}, {3, 1, 1, 6, 1, 8}, {4, 2, 1, 8, 1, 8}, {3, 1, 1, 6, 16, 3},
	} {
		x := randomTensor(5, 4, tc.size, tc.size, tc.cin)
		w := randomTensor(6, tc.k, tc.k, tc.cin, tc.cout)
		run := func() []float64 {
			outs := MustExecOnceN(MustBackend(), func(x, w *Node) []*Node {
				y := convIm2col(x, w, tc.stride, tc.pad)
				return append([]*Node{y}, Gradient(ReduceAllSum(Mul(y, Sin(y))), x, w)...)
			}, x, w)
			var all []float64
			for _, o := range outs {
				all = append(all, flat(t, o)...)
			}
			return all
		}
		chunkBytes = 0
		whole := run()
		chunkBytes = saved
		for _, n := range []int{2, 4} {
			forceChunks = n
			assertClose(t, fmt.Sprintf("%+v, %d chunks", tc, n), run(), whole, 1e-12)
		}
		forceChunks = 0
	}
}

// chunksFor by hand: 3x3 patches of 8 channels at 16x16 are 294,912 bytes an
// image.
func TestChunksFor(t *testing.T) {
	saved := chunkBytes
	defer func() { chunkBytes = saved }()
	if !IsGoBackend(MustBackend()) {
		t.Skip("chunks are for the pure-Go backend only")
	}
	const perImage = 16 * 16 * 9 * 8 * 4
	g := NewGraph(MustBackend(), "chunks")
	for _, tc := range []struct{ limit, batch, k, p, want int }{
		{64 * perImage, 64, 3, 1, 1}, // all fit
		{16 * perImage, 64, 3, 1, 4}, // 16 images a chunk
		{10 * perImage, 64, 3, 1, 8}, // 7 does not divide 64: 8 chunks of 8
		{perImage - 1, 64, 3, 1, 64}, // not even one image: one a chunk
		{10 * perImage, 12, 3, 1, 2}, // 2 chunks of 6 fit
		{perImage, 64, 1, 0, 1},      // a 1x1 convolution has no patches
		{0, 64, 3, 1, 1},             // chunking off
	} {
		chunkBytes = tc.limit
		if got := chunksFor(g, 4, tc.batch, 16, 16, tc.k, tc.p, 8); got != tc.want {
			t.Errorf("chunksFor(batch %d, k %d, limit %d) = %d, want %d", tc.batch, tc.k, tc.limit, got, tc.want)
		}
	}
}

// Finite differences (central, float64, loss sum(y*sin(y)) so that every
// output's gradient differs) against the gradients of every im2col path:
// GoMLX's autodiff through sliced patches (strided shapes space-to-depth cannot
// take, padding wider than k-1), the hand-written input gradient of stride-1
// convolutions (odd and even kernels) and of space-to-depth strided ones, both
// patch builders for the input and for the output's gradient, the 1x1
// shortcut, non-square inputs, Cin != Cout.
func TestConvGradient(t *testing.T) {
	// cin 2 takes the crop-and-concatenate patches (k*C < gatherMinRun), cin 8
	// the gathered ones; cout 8 gathers the output gradient's patches too.
	for _, tc := range []struct{ k, stride, pad, h, w, cin, cout int }{
		{3, 2, 1, 5, 5, 2, 3}, {4, 2, 1, 5, 5, 2, 3}, {4, 2, 1, 6, 6, 2, 3}, {4, 2, 1, 8, 8, 2, 3}, {2, 2, 0, 4, 4, 2, 3},
		{3, 1, 1, 5, 5, 2, 3}, {5, 1, 2, 5, 5, 2, 3}, {1, 1, 0, 5, 5, 2, 3}, {3, 1, 0, 5, 5, 2, 3}, {2, 1, 0, 5, 5, 2, 3}, {2, 1, 1, 5, 5, 2, 3},
		{3, 1, 1, 4, 4, 8, 3}, {4, 2, 1, 4, 4, 8, 3},
		{4, 2, 1, 8, 8, 1, 3},                        // space-to-depth, then crops
		{1, 1, 1, 4, 4, 2, 3}, {3, 1, 3, 4, 4, 2, 3}, // padding wider than k-1
		{3, 1, 1, 4, 6, 2, 8}, {4, 2, 1, 6, 8, 2, 8}, // non-square; the output gradient's patches gathered
		// few outputs (thinConv): odd and even kernels, no padding, non-square
		{3, 1, 1, 5, 5, 8, 2}, {3, 1, 1, 4, 6, 16, 3}, {3, 1, 0, 5, 4, 12, 3}, {5, 1, 2, 5, 5, 8, 1}, {2, 1, 1, 5, 5, 8, 2},
	} {
		x := randomTensor(3, 2, tc.h, tc.w, tc.cin)
		w := randomTensor(4, tc.k, tc.k, tc.cin, tc.cout)
		loss := func(x, w *Node) *Node {
			y := convIm2col(x, w, tc.stride, tc.pad)
			return ReduceAllSum(Mul(y, Sin(y)))
		}
		forEachChunking(t, func(how string) { checkGradient(t, fmt.Sprintf("%+v %s", tc, how), loss, x, w) })
	}
}

// checkGradient compares the analytic gradient of loss(x, w) with central
// finite differences, every element of both.
func checkGradient(t *testing.T, what string, loss func(x, w *Node) *Node, x, w *tensors.Tensor) {
	t.Helper()
	grads := MustExecOnceN(MustBackend(), func(x, w *Node) []*Node {
		return Gradient(loss(x, w), x, w)
	}, x, w)
	lossExec := MustNewExec(MustBackend(), loss)
	eval := func(x, w *tensors.Tensor) float64 { return flat(t, lossExec.MustCall(x, w)[0])[0] }
	const h = 1e-6
	for which, param := range []*tensors.Tensor{x, w} {
		vals := flat(t, param)
		analytic := flat(t, grads[which])
		for i := range vals {
			plus, minus := append([]float64(nil), vals...), append([]float64(nil), vals...)
			plus[i] += h
			minus[i] -= h
			p := tensors.FromFlatDataAndDimensions(plus, param.Shape().Dimensions...)
			m := tensors.FromFlatDataAndDimensions(minus, param.Shape().Dimensions...)
			var numeric float64
			if which == 0 {
				numeric = (eval(p, w) - eval(m, w)) / (2 * h)
			} else {
				numeric = (eval(x, p) - eval(x, m)) / (2 * h)
			}
			if math.Abs(numeric-analytic[i]) > 1e-5*(1+math.Abs(numeric)) {
				t.Fatalf("%s: param %d value %d: analytic %g, numeric %g", what, which, i, analytic[i], numeric)
			}
		}
	}
}

// GoMLX's own convolution gradient, used on XLA: right for odd kernels, which
// Conv2D sends to it; wrong with respect to the input for even ones (v0.28.16),
// which Conv2D computes with im2col on every backend. If the even case starts
// passing, GoMLX has fixed it and Conv2D could use native convolutions for
// every kernel on XLA.
func TestGoMLXNativeConvGradient(t *testing.T) {
	x := randomTensor(3, 1, 6, 6, 2)
	for _, tc := range []struct{ k, stride, pad int }{{3, 1, 1}, {3, 2, 1}} {
		w := randomTensor(4, tc.k, tc.k, 2, 3)
		checkGradient(t, fmt.Sprintf("native %+v", tc), func(x, w *Node) *Node {
			y := convNative(x, w, tc.stride, tc.pad)
			return ReduceAllSum(Mul(y, Sin(y)))
		}, x, w)
	}
	w := randomTensor(4, 4, 4, 2, 3)
	grads := MustExecOnceN(MustBackend(), func(x, w *Node) []*Node {
		return Gradient(ReduceAllSum(Square(convNative(x, w, 2, 1))), x, w)
	}, x, w)
	want := MustExecOnceN(MustBackend(), func(x, w *Node) []*Node {
		return Gradient(ReduceAllSum(Square(convIm2col(x, w, 2, 1))), x, w)
	}, x, w)
	got, ok := flat(t, grads[0]), flat(t, want[0])
	same := true
	for i := range got {
		if math.Abs(got[i]-ok[i]) > 1e-6*(1+math.Abs(ok[i])) {
			same = false
		}
	}
	if same {
		t.Errorf("GoMLX's native 4x4 stride-2 convolution now has the right input gradient: Conv2D could use it on XLA")
	}
}

func TestUpSample2x(t *testing.T) {
	x := tensors.FromFlatDataAndDimensions([]float32{1, 2, 3, 4}, 1, 2, 2, 1)
	got := MustExecOnce(MustBackend(), UpSample2x, x)
	got.Shape().AssertDims(1, 4, 4, 1)
	assertClose(t, "nearest x2", flat(t, got), []float64{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, 0)
}

// Batch norm on [1,2,3,4]: mean 2.5, variance 1.25; one training step moves the
// moving averages 10% towards them; inference then uses the moving averages.
func TestBatchNorm(t *testing.T) {
	store := model.NewStore()
	x := tensors.FromFlatDataAndDimensions([]float32{1, 2, 3, 4}, 4, 1)
	train := model.MustNewExec(MustBackend(), store, func(scope *model.Scope, x *Node) *Node {
		store.SetTraining(x.Graph(), true)
		return BatchNorm(scope.In("bn"), x)
	})
	got := flat(t, train.MustCall(x)[0])
	sd := math.Sqrt(1.25 + BatchNormEpsilon)
	assertClose(t, "normalised", got, []float64{-1.5 / sd, -0.5 / sd, 0.5 / sd, 1.5 / sd}, 1e-6)
	assertClose(t, "moving mean", flat(t, store.GetVariable("/bn/moving_mean").MustValue()), []float64{0.25}, 1e-6)
	assertClose(t, "moving variance", flat(t, store.GetVariable("/bn/moving_variance").MustValue()), []float64{0.9 + 0.1*1.25}, 1e-6)

	infer := model.MustNewExec(MustBackend(), store, func(scope *model.Scope, x *Node) *Node {
		return BatchNorm(scope.In("bn"), x)
	})
	sd = math.Sqrt(1.025 + BatchNormEpsilon)
	got = flat(t, infer.MustCall(x)[0])
	assertClose(t, "inference", got, []float64{0.75 / sd, 1.75 / sd, 2.75 / sd, 3.75 / sd}, 1e-6)

	// Frozen averages: training normalises with the batch, the averages stay.
	frozen := model.MustNewExec(MustBackend(), store, func(scope *model.Scope, x *Node) *Node {
		store.SetTraining(x.Graph(), true)
		scope.SetGraphParam(x.Graph(), ParamFrozenAverages, true)
		return BatchNorm(scope.In("bn"), x)
	})
	frozen.MustCall(x)
	assertClose(t, "frozen moving mean", flat(t, store.GetVariable("/bn/moving_mean").MustValue()), []float64{0.25}, 1e-6)
}

// On the pure-Go backend the convolution must take the im2col path (the native
// one is ~25x slower there).
func TestGoBackendUsesIm2col(t *testing.T) {
	b := MustBackend()
	if !IsGoBackend(b) {
		t.Skipf("backend %s is not the pure-Go one", b.Name())
	}
	g := NewGraph(b, "probe")
	if useNative(g) {
		t.Fatalf("backend %q takes the native convolution path", b.Name())
	}
}

func TestBackendLine(t *testing.T) {
	c, err := Backend()
	if err != nil {
		t.Fatal(err)
	}
	if c.Backend == nil || c.Line == "" {
		t.Fatalf("no backend or no line: %+v", c)
	}
}

func TestUnknownBackendIsAnError(t *testing.T) {
	if _, err := newBackend("nosuchbackend"); err == nil {
		t.Fatal("want an error for an unknown backend")
	}
	if _, err := newBackend("xla:cpu"); err == nil {
		t.Skip("an XLA CPU plugin is installed here")
	}
}

// Two examples [1 2] and [3 6]: the per-feature standard deviations over the
// batch are 1 and 2, their mean 1.5, appended to both examples.
func TestMinibatchStdDev(t *testing.T) {
	x := tensors.FromFlatDataAndDimensions([]float32{1, 2, 3, 6}, 2, 2)
	got := MustExecOnce(MustBackend(), MinibatchStdDev, x)
	got.Shape().AssertDims(2, 3)
	assertClose(t, "minibatch stddev", flat(t, got), []float64{1, 2, 1.5, 3, 6, 1.5}, 1e-6)
	// A batch of copies: the appended feature is 0 (up to the epsilon's sqrt).
	same := tensors.FromFlatDataAndDimensions([]float32{5, 5, 5, 5, 5, 5, 5, 5}, 2, 2, 1, 2)
	got = MustExecOnce(MustBackend(), MinibatchStdDev, same)
	got.Shape().AssertDims(2, 2, 1, 3)
	assertClose(t, "copies", flat(t, got), []float64{5, 5, 1e-4, 5, 5, 1e-4, 5, 5, 1e-4, 5, 5, 1e-4}, 1e-6)
}

func TestAvgPool2x(t *testing.T) {
	x := tensors.FromFlatDataAndDimensions([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 1, 4, 4, 1)
	got := MustExecOnce(MustBackend(), AvgPool2x, x)
	got.Shape().AssertDims(1, 2, 2, 1)
	assertClose(t, "2x2 means", flat(t, got), []float64{3.5, 5.5, 11.5, 13.5}, 1e-6)
}

// MatMulLeanGrad's hand-written gradients equal GoMLX's own for the same
// product, under a loss that weighs every output differently.
func TestMatMulLeanGradMatchesGoMLX(t *testing.T) {
	a, b := randomTensor(5, 6, 4), randomTensor(6, 4, 3)
	grads := func(matmul func(a, b *Node) *Node) []*tensors.Tensor {
		return MustExecOnceN(MustBackend(), func(a, b *Node) []*Node {
			y := matmul(a, b)
			return Gradient(ReduceAllSum(Mul(y, Sin(y))), a, b)
		}, a, b)
	}
	want, got := grads(MatMul), grads(MatMulLeanGrad)
	for i, name := range []string{"dA", "dB"} {
		if !got[i].Shape().Equal(want[i].Shape()) {
			t.Fatalf("%s: shape %s, want %s", name, got[i].Shape(), want[i].Shape())
		}
		assertClose(t, name, flat(t, got[i]), flat(t, want[i]), 1e-12)
	}
}

// An inference graph reads a variable's current value at each call once
// LiveVariables has made it a parameter; without it, the pure-Go backend
// compiles the value in as a constant (compute v0.1.14).
func TestLiveVariables(t *testing.T) {
	for _, live := range []bool{false, true} {
		store := model.NewStore()
		v, err := store.CreateVariable("/w/x", tensors.FromValue([]float32{1, 2}))
		if err != nil {
			t.Fatal(err)
		}
		e := model.MustNewExec(MustBackend(), store, func(scope *model.Scope, g *Graph) *Node {
			if live {
				LiveVariables(store.Scope("/w"), g)
			}
			return ReduceAllSum(v.NodeValue(g))
		})
		first := ScalarValue(e.MustCall()[0])
		if err := v.SetValue(tensors.FromValue([]float32{10, 20})); err != nil {
			t.Fatal(err)
		}
		second := ScalarValue(e.MustCall()[0])
		if first != 3 {
			t.Fatalf("first sum %g, want 3", first)
		}
		switch {
		case live && second != 30:
			t.Errorf("with LiveVariables the sum after SetValue is %g, want 30", second)
		case !live && IsGoBackend(MustBackend()) && second != 3:
			// Documents the backend's behaviour that LiveVariables works around:
			// if this fails, GoMLX no longer bakes variables in and LiveVariables can go.
			t.Errorf("without LiveVariables the pure-Go backend gave %g; GoMLX no longer compiles variables in as constants: LiveVariables may be unnecessary", second)
		}
	}
}

// GramLeanGrad equals F^T F, and its hand-written gradient equals GoMLX's own
// for the einsum, under a loss that weighs every entry differently (so the
// gradient's dG + dG^T term matters).
func TestGramLeanGradMatchesGoMLX(t *testing.T) {
	f := randomTensor(7, 6, 4)
	run := func(gram func(f *Node) *Node) []*tensors.Tensor {
		return MustExecOnceN(MustBackend(), func(f *Node) []*Node {
			g := gram(f)
			w := Add(IotaFull(f.Graph(), g.Shape()), OnesLike(g)) // 1, 2, 3, ... : not symmetric
			return []*Node{g, Gradient(ReduceAllSum(Mul(w, Mul(g, Sin(g)))), f)[0]}
		}, f)
	}
	want := run(func(f *Node) *Node { return Einsum("nc,nd->cd", f, f) })
	got := run(GramLeanGrad)
	assertClose(t, "Gram", flat(t, got[0]), flat(t, want[0]), 1e-12)
	assertClose(t, "dF", flat(t, got[1]), flat(t, want[1]), 1e-12)
}

// Documents why convIm2col keeps its crops out of reverse mode: GoMLX's
// gradient of a Pad by negative amounts (a crop) fails to build (v0.28.16).
// If this test fails, GoMLX handles crops and the StopGradient/zeroOf
// arrangement around the patches could be simplified.
func TestGoMLXPadGradientRejectsCrops(t *testing.T) {
	x := randomTensor(1, 3, 3)
	e, err := NewExec(MustBackend(), func(x *Node) *Node {
		y := Pad(x, ScalarZero(x.Graph(), x.DType()), compute.PadAxis{Start: -1}, compute.PadAxis{End: -1})
		return Gradient(ReduceAllSum(Square(y)), x)[0]
	})
	if err == nil {
		_, err = e.Call(x)
	}
	if err == nil {
		t.Errorf("GoMLX now differentiates a crop (Pad by negative amounts): the workaround in convIm2col may be unnecessary")
	}
}

// UpSampleConv2D computes exactly Conv2D after UpSample2x, with the same
// variables: outputs and gradients (input, weights, biases), odd and even
// sizes, float64.
func TestUpSampleConv2DMatchesUpSampleThenConv(t *testing.T) {
	for _, dims := range [][]int{{2, 3, 3, 2}, {1, 4, 5, 3}} {
		x := randomTensor(9, dims...)
		store := model.NewStore()
		store.SetParam("initializer_seed", int64(3))
		run := func(f func(scope *model.Scope, x *Node) *Node) []*tensors.Tensor {
			return model.MustNewExec(MustBackend(), store, func(scope *model.Scope, x *Node) []*Node {
				scope = scope.WithInitializer(initializer.RandomNormalFn(scope, 1)).At("up")
				y := f(scope, x)
				loss := ReduceAllSum(Mul(y, Sin(y)))
				wv := store.GetVariable("/up/weights").NodeValue(x.Graph())
				bv := store.GetVariable("/up/biases").NodeValue(x.Graph())
				return append([]*Node{y}, Gradient(loss, x, wv, bv)...)
			}).MustCall(x)
		}
		c := Conv{Out: 4, Kernel: 3, Pad: 1}
		got := run(func(scope *model.Scope, x *Node) *Node { return UpSampleConv2D(scope, x, c) })
		want := run(func(scope *model.Scope, x *Node) *Node { return Conv2D(scope, UpSample2x(x), c) })
		for i, name := range []string{"output", "dX", "dW", "dBias"} {
			if !got[i].Shape().Equal(want[i].Shape()) {
				t.Fatalf("%v %s: shape %s, want %s", dims, name, got[i].Shape(), want[i].Shape())
			}
			assertClose(t, name, flat(t, got[i]), flat(t, want[i]), 1e-10)
		}
	}
}
