package nn

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Call runs an exec and turns GoMLX's panics (shape errors, backend failures)
// into errors, so callers can report them in one line.
func Call(e *model.Exec, args ...any) (out []*tensors.Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = fmt.Errorf("%w", e)
			} else {
				err = fmt.Errorf("%v", r)
			}
		}
	}()
	return e.Call(args...)
}

// ScalarValue reads a float32 scalar result and frees it.
func ScalarValue(t *tensors.Tensor) float64 {
	v := tensors.ToScalar[float32](t)
	t.FinalizeAll()
	return float64(v)
}

// LiveVariables makes every variable under scope that already has a value a
// parameter of g, fed its current value at each call. Call it first in an
// inference graph whose variables change between calls (a generator sampled
// during training, the pixels of a style transfer).
//
// Why: compute v0.1.14's pure-Go backend asks (its capability
// PreferConstantsForVariables) for the variables of a graph that is not in
// training mode to be compiled in as constants, and GoMLX then keeps the values
// they had when the graph was built: a sampling graph compiled after the first
// training step showed that step's weights forever, and the style transfer's
// pixels never moved. Variables that do not change (VGG-19, the scorer) stay
// constants, which the backend can pre-pack for its matmul.
func LiveVariables(scope *model.Scope, g *Graph) {
	store := scope.Store()
	training := store.IsTraining(g)
	store.SetTraining(g, true) // GoMLX makes parameters of a training graph's variables
	for v := range scope.IterVariables() {
		if v.HasValue() {
			v.NodeValue(g)
		}
	}
	store.SetTraining(g, training)
}
