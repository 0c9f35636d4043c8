package styletransfer

import (
	"math"
	"slices"
	"testing"
)

// L-BFGS finds the minimum of the Rosenbrock function (a curved valley that
// plain gradient descent crawls along) from the textbook's start (-1.2, 1).
func TestLBFGSRosenbrock(t *testing.T) {
	fn := func(x []float32) (float64, []float32, error) {
		a, b := float64(x[0]), float64(x[1])
		f := 100*(b-a*a)*(b-a*a) + (1-a)*(1-a)
		return f, []float32{float32(-400*a*(b-a*a) - 2*(1-a)), float32(200 * (b - a*a))}, nil
	}
	x := []float32{-1.2, 1}
	o := &LBFGS{Memory: 10}
	var f float64
	var err error
	for range 100 {
		if f, err = o.Step(x, fn); err != nil || f < 1e-10 {
			break
		}
	}
	if math.Abs(float64(x[0])-1) > 1e-3 || math.Abs(float64(x[1])-1) > 1e-3 {
		t.Errorf("ended at %v (f %g, %v), want (1, 1)", x, f, err)
	}
}

// A box keeps every point feasible: minimising (x-2)^2 on [0, 1] ends at the
// boundary 1.
func TestLBFGSStaysInBox(t *testing.T) {
	fn := func(x []float32) (float64, []float32, error) {
		d := float64(x[0]) - 2
		return d * d, []float32{float32(2 * d)}, nil
	}
	x := []float32{0.1}
	o := &LBFGS{Memory: 5, Box: &Box{0, 1}}
	for range 20 {
		_, _ = o.Step(x, fn)
	}
	if x[0] != 1 {
		t.Errorf("ended at %v, want the bound 1", x[0])
	}
}

// With one variable pushed against its bound, the other is still optimised,
// and held steps cost no extra evaluations: f = (x0-2)^2 + 10(x1-0.3)^2 +
// x0*x1 on [0, 1]^2 has its minimum at x0 = 1 (the gradient there, -2 + x1,
// points out) and x1 = 0.3 - 1/20 = 0.25.
func TestLBFGSActiveSet(t *testing.T) {
	fn := func(x []float32) (float64, []float32, error) {
		a, b := float64(x[0]), float64(x[1])
		f := (a-2)*(a-2) + 10*(b-0.3)*(b-0.3) + a*b
		return f, []float32{float32(2*(a-2) + b), float32(20*(b-0.3) + a)}, nil
	}
	x := []float32{0.5, 0.9}
	o := &LBFGS{Memory: 5, Box: &Box{0, 1}}
	steps, evals := 0, 0 // successful steps, and the evaluations they took
	for ; steps < 30; steps++ {
		if _, err := o.Step(x, fn); err != nil {
			break // at the minimum: no descent left in float32
		}
		evals = o.Evaluations
	}
	if x[0] != 1 || math.Abs(float64(x[1])-0.25) > 1e-4 {
		t.Errorf("ended at %v, want (1, 0.25)", x)
	}
	// One evaluation to start, then one per step (measured: 10 for 9 steps);
	// clipping without the active set backtracked on the held x0.
	if steps == 0 || evals > steps+3 {
		t.Errorf("%d evaluations for %d steps: the line search is backtracking on the held variable", evals, steps)
	}
}

// A direction that would push a variable at a bound out loses that component,
// whatever the gradient says: only the middle variable (inside the box) and
// the inward components at the bounds remain.
func TestLBFGSStopAtBounds(t *testing.T) {
	o := &LBFGS{Box: &Box{0, 1}, x: []float32{0, 0.5, 1, 0, 1}}
	d := []float64{-1, -1, 1, 1, -1}
	o.stopAtBounds(d)
	if want := []float64{0, -1, 0, 1, -1}; !slices.Equal(d, want) {
		t.Errorf("direction %v, want %v", d, want)
	}
}
