package nn

import (
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// Batch-norm hyperparameters: PyTorch's defaults, which the lesson's PyTorch
// notebook uses (GoMLX's own BatchNorm uses Keras' 0.99 / 1e-3).
const (
	BatchNormMomentum = 0.9 // weight of the old moving average
	BatchNormEpsilon  = 1e-5
)

// ParamFrozenAverages is a graph parameter: when true in a scope (or above it),
// BatchNorm normalises with batch statistics in training but leaves its moving
// averages untouched. The GAN's discriminator step sets it on the generator (and
// the generator step on the discriminator), so one network's step never changes
// the other network's variables.
const ParamFrozenAverages = "bn_frozen_averages"

// BatchNorm normalises x over every axis but the last (the features), with a
// learned scale ("gamma") and shift ("beta"). In training it uses the batch's
// mean and variance and updates the moving averages; in inference it uses the
// moving averages. It is written from graph ops so that it differentiates fully
// (through the batch statistics too) and runs on every backend: the pure-Go
// backend implements none of the BatchNormFor* ops.
func BatchNorm(scope *model.Scope, x *Node) *Node {
	g := x.Graph()
	features := x.Shape().Dim(-1)
	fshape := shapes.Make(x.DType(), features)
	rank := x.Rank()
	gamma := ExpandLeftToRank(scope.WithInitializer(initializer.One).VariableWithShape("gamma", fshape).NodeValue(g), rank)
	beta := ExpandLeftToRank(scope.WithInitializer(initializer.Zero).VariableWithShape("beta", fshape).NodeValue(g), rank)
	meanVar := scope.WithInitializer(initializer.Zero).VariableWithShape("moving_mean", fshape).SetTrainable(false)
	varVar := scope.WithInitializer(initializer.One).VariableWithShape("moving_variance", fshape).SetTrainable(false)

	axes := make([]int, x.Rank()-1)
	for i := range axes {
		axes[i] = i
	}
	var mean, variance *Node
	if scope.IsTraining(g) {
		mean = ReduceAndKeep(x, ReduceMean, axes...)
		variance = ReduceAndKeep(Square(Sub(x, mean)), ReduceMean, axes...)
		if !model.GetGraphParamOr(scope, g, ParamFrozenAverages, false) {
			m := BatchNormMomentum
			update := func(v *model.Variable, batch *Node) {
				batch = Reshape(StopGradient(batch), features)
				v.SetNodeValue(Add(MulScalar(v.NodeValue(g), m), MulScalar(batch, 1-m)))
			}
			update(meanVar, mean)
			update(varVar, variance)
		}
	} else {
		mean, variance = ExpandLeftToRank(meanVar.NodeValue(g), rank), ExpandLeftToRank(varVar.NodeValue(g), rank)
	}
	// Divide by Sqrt rather than multiply by Rsqrt: the pure-Go backend has no Rsqrt gradient.
	y := Div(Sub(x, mean), Sqrt(AddScalar(variance, BatchNormEpsilon)))
	return Add(Mul(y, gamma), beta)
}
