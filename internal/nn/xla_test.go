package nn

import (
	"fmt"
	"os"
	"testing"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// xlaTolerance is how far, relative (|a-b| <= tol*(1+|b|)), a float32 layer's
// output or gradient on XLA may be from the pure-Go backend's: XLA sums in
// another order and may fuse multiply-adds, a few float32 ulps over sums of up
// to a few hundred terms.
const xlaTolerance = 1e-4

// backendPair is the pure-Go backend and the one to compare it with (XLA), or
// a skip that says why there is none.
func backendPair(t *testing.T) (goB, other compute.Backend, config string) {
	t.Helper()
	other, config, err := XLABackend()
	if err != nil && os.Getenv(XLAConfigEnv) != "" {
		t.Fatalf("%s names a backend that does not load: %v", XLAConfigEnv, err) // asked for: a failure, not a skip
	}
	if err != nil {
		t.Skipf("no XLA to compare with: %v (set %s to name one)", err, XLAConfigEnv)
	}
	goB, err = NewBackend(GoBackendConfig)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("comparing %s with %s", config, GoBackendConfig)
	return goB, other, config
}

// layerCheck is one layer's outputs and gradients, as a graph of its inputs.
type layerCheck struct {
	name   string
	inputs []*tensors.Tensor
	build  func(b compute.Backend) func(in []*Node) []*Node
}

// weightedGrads returns y and the gradients of sum(y * r) with respect to
// the inputs: a random weighting r, so every output's gradient path counts.
func weightedGrads(y *Node, r *Node, wrt ...*Node) []*Node {
	return append([]*Node{y}, Gradient(ReduceAllSum(Mul(y, r)), wrt...)...)
}

// The layers ganbook builds compute, on XLA, what they compute on the pure-Go
// backend: convolutions (im2col and GoMLX's native one, forward and both
// gradients, at the generator's, discriminator's and VGG's shapes), nearest
// up-sampling, the folded up-sampling convolution, batch norm in training
// (through the batch statistics) and the Gram matrix. Skips without a PJRT
// plugin; bench/gpu.sh runs it first on a GPU machine.
func TestXLALayersMatchGoBackend(t *testing.T) {
	goB, other, _ := backendPair(t)
	var checks []layerCheck
	for _, c := range []struct{ k, s, p, cin, out, size int }{
		{3, 1, 1, 3, 4, 9},  // the generator's and VGG's 3x3 convolutions
		{4, 2, 1, 4, 6, 8},  // the discriminator's 4x4 stride-2
		{5, 1, 2, 2, 3, 7},  // a 5x5 (the MLP has none; folder models may)
		{3, 2, 1, 3, 5, 10}, // a strided 3x3
	} {
		x, w := randomTensor(1, 2, c.size, c.size, c.cin), randomTensor(2, c.k, c.k, c.cin, c.out)
		ho := ConvOutSize(c.size, c.k, c.s, c.p)
		r := randomTensor(3, 2, ho, ho, c.out)
		for _, impl := range []string{"im2col", "native"} {
			checks = append(checks, layerCheck{
				name:   fmt.Sprintf("conv %dx%d stride %d pad %d (%s)", c.k, c.k, c.s, c.p, impl),
				inputs: []*tensors.Tensor{x, w, r},
				build: func(compute.Backend) func(in []*Node) []*Node {
					return func(in []*Node) []*Node {
						var y *Node
						if impl == "native" {
							y = convNative(in[0], in[1], c.s, c.p)
						} else {
							y = convIm2col(in[0], in[1], c.s, c.p)
						}
						out := []*Node{y}
						if impl == "native" && c.k%2 == 0 {
							return out // GoMLX's own gradient is wrong for even kernels (TestGoMLXNativeConvGradient); Conv2D uses im2col there
						}
						return weightedGrads(y, in[2], in[0], in[1])
					}
				},
			})
		}
	}
	x := randomTensor(4, 2, 5, 5, 3)
	checks = append(checks, layerCheck{name: "UpSample2x", inputs: []*tensors.Tensor{x, randomTensor(5, 2, 10, 10, 3)},
		build: func(compute.Backend) func(in []*Node) []*Node {
			return func(in []*Node) []*Node { return weightedGrads(UpSample2x(in[0]), in[1], in[0]) }
		}})
	checks = append(checks, layerCheck{name: "Gram matrix", inputs: []*tensors.Tensor{randomTensor(6, 36, 8), randomTensor(7, 8, 8)},
		build: func(compute.Backend) func(in []*Node) []*Node {
			return func(in []*Node) []*Node { return weightedGrads(GramLeanGrad(in[0]), in[1], in[0]) }
		}})
	for _, c := range checks {
		want := runLayer(t, goB, c)
		got := runLayer(t, other, c)
		for i := range want {
			assertClose(t, fmt.Sprintf("%s, output %d", c.name, i), got[i], want[i], xlaTolerance)
		}
	}
	// Layers with variables: the folded up-sampling convolution and batch norm
	// in training, from the same weights on both backends.
	for _, name := range []string{"UpSampleConv2D", "BatchNorm"} {
		want := runScoped(t, goB, name)
		got := runScoped(t, other, name)
		for i := range want {
			assertClose(t, fmt.Sprintf("%s, output %d", name, i), got[i], want[i], xlaTolerance)
		}
	}
}

// runLayer executes a layer check on one backend, in float32 (what the models
// use), and returns each output's values.
func runLayer(t *testing.T, b compute.Backend, c layerCheck) [][]float64 {
	t.Helper()
	args := make([]any, len(c.inputs))
	for i, in := range c.inputs {
		args[i] = toFloat32(in)
	}
	fn := c.build(b)
	e, err := NewExec(b, func(in []*Node) []*Node { return fn(in) })
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	outs, err := e.Exec(args...)
	if err != nil {
		t.Fatalf("%s on %s: %v", c.name, b.Name(), err)
	}
	var vals [][]float64
	for _, o := range outs {
		vals = append(vals, flat(t, o))
	}
	return vals
}

// runScoped runs a layer that owns variables on b with weights set from fixed
// random tensors: its output and the gradients of a weighted sum with respect
// to the input and the first weight.
func runScoped(t *testing.T, b compute.Backend, name string) [][]float64 {
	t.Helper()
	store := model.NewStore()
	x := toFloat32(randomTensor(8, 2, 4, 4, 3))
	var r *tensors.Tensor
	var layer func(scope *model.Scope, x *Node) *Node
	switch name {
	case "UpSampleConv2D":
		c := Conv{Out: 5, Kernel: 3, Stride: 1, Pad: 1}
		store.RootScope().In("up").CreateVariable("weights", toFloat32(randomTensor(9, 3, 3, 3, 5)))
		store.RootScope().In("up").CreateVariable("biases", toFloat32(randomTensor(10, 5)))
		r = toFloat32(randomTensor(11, 2, 8, 8, 5))
		layer = func(scope *model.Scope, x *Node) *Node { return UpSampleConv2D(scope.In("up"), x, c) }
	case "BatchNorm":
		store.RootScope().In("bn").CreateVariable("gamma", toFloat32(randomTensor(12, 3)))
		r = toFloat32(randomTensor(13, 2, 4, 4, 3))
		layer = func(scope *model.Scope, x *Node) *Node {
			store.SetTraining(x.Graph(), true)
			return BatchNorm(scope.In("bn"), x)
		}
	}
	e, err := model.NewExec(b, store, func(scope *model.Scope, x, r *Node) []*Node {
		y := layer(scope, x)
		return weightedGrads(y, r, x)
	})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	outs, err := e.Exec(x, r)
	if err != nil {
		t.Fatalf("%s on %s: %v", name, b.Name(), err)
	}
	var vals [][]float64
	for _, o := range outs {
		vals = append(vals, flat(t, o))
	}
	return vals
}

func toFloat32(x *tensors.Tensor) *tensors.Tensor {
	v := tensors.MustCopyFlatData[float64](x)
	f := make([]float32, len(v))
	for i := range v {
		f[i] = float32(v[i])
	}
	return tensors.FromFlatDataAndDimensions(f, x.Shape().Dimensions...)
}
