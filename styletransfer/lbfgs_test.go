package styletransfer

import (
	"math"
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

// A projection keeps every point feasible: minimising (x-2)^2 on [0, 1] ends
// at the boundary 1.
func TestLBFGSProjected(t *testing.T) {
	fn := func(x []float32) (float64, []float32, error) {
		d := float64(x[0]) - 2
		return d * d, []float32{float32(2 * d)}, nil
	}
	x := []float32{0.1}
	o := &LBFGS{Memory: 5, Project: func(x []float32) { x[0] = min(max(x[0], 0), 1) }}
	for range 20 {
		_, _ = o.Step(x, fn)
	}
	if x[0] != 1 {
		t.Errorf("ended at %v, want the bound 1", x[0])
	}
}
