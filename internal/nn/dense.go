package nn

import (
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/ml/model"
)

// Dense is a fully connected layer: x [B, In] times weights [In, Out] (plus
// biases [Out]), reshaped to [B, outDims...]. Its variables are the ones
// GoMLX's layers.Dense creates (scope "dense", "weights", "biases", the
// scope's initializer, in that order), so checkpoints and seeds carry over; the
// product is MatMulLeanGrad, whose gradients the pure-Go backend computes
// without transposing x.
func Dense(scope *model.Scope, x *Node, useBias bool, outDims ...int) *Node {
	x.AssertRank(2)
	scope = scope.In("dense")
	g := x.Graph()
	out := 1
	for _, d := range outDims {
		out *= d
	}
	w := scope.VariableWithShape("weights", shapes.Make(x.DType(), x.Shape().Dim(1), out)).NodeValue(g)
	y := MatMulLeanGrad(x, w)
	if useBias {
		b := scope.VariableWithShape("biases", shapes.Make(x.DType(), out)).NodeValue(g)
		y = Add(y, ExpandLeftToRank(b, 2))
	}
	return Reshape(y, append([]int{x.Shape().Dim(0)}, outDims...)...)
}
