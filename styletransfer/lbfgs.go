package styletransfer

import (
	"errors"
	"math"
)

// LBFGS minimises a function of many variables with limited-memory BFGS
// (Nocedal 1980; Nocedal and Wright, "Numerical Optimization", algorithms 7.4
// and 3.5): from the last m steps and gradient changes it builds an estimate
// of the inverse Hessian, so each step is close to Newton's without a matrix
// of n*n numbers. Gatys et al. and PyTorch's style-transfer tutorial optimise
// the pixels this way. The line search backtracks until the Armijo condition
// holds (sufficient decrease), and a curvature pair is kept only when it is
// positive, which keeps the estimate positive definite.
type LBFGS struct {
	// Memory m: how many past steps shape the estimate (PyTorch's default: 100;
	// 10 is the textbook's and costs less).
	Memory int
	// Project, when set, maps a point back into the feasible set after every
	// trial step (style transfer clips pixels to [0, 1]).
	Project func(x []float32)

	s, y [][]float64 // past steps and gradient changes, oldest first
	rho  []float64
	f    float64
	g    []float64
	x    []float32
}

// Objective returns f(x) and its gradient.
type Objective func(x []float32) (f float64, grad []float32, err error)

// errNoDescent: the line search found no lower point along the direction.
var errNoDescent = errors.New("L-BFGS: no decrease along the search direction")

// Step takes one L-BFGS step from x (updated in place) and returns the new
// value. It evaluates fn once for the first step, then once per line-search
// trial (usually one).
func (o *LBFGS) Step(x []float32, fn Objective) (float64, error) {
	if o.g == nil {
		f, g, err := fn(x)
		if err != nil {
			return 0, err
		}
		o.f, o.g, o.x = f, toF64(g), append([]float32(nil), x...)
	}
	d := o.direction()
	slope := dot(o.g, d)
	if slope >= 0 { // not a descent direction: restart from steepest descent
		o.s, o.y, o.rho = nil, nil, nil
		d = scaled(o.g, -1)
		slope = dot(o.g, d)
	}
	t := 1.0
	if len(o.s) == 0 { // first step: a small step along -g (as PyTorch: lr * min(1, 1/|g|_1))
		t = math.Min(1, 1/norm1(o.g))
	}
	const c1, shrink, maxTrials = 1e-4, 0.5, 12
	for trial := 0; trial < maxTrials; trial++ {
		for i := range x {
			x[i] = float32(float64(o.x[i]) + t*d[i])
		}
		if o.Project != nil {
			o.Project(x)
		}
		f, g, err := fn(x)
		if err != nil {
			return 0, err
		}
		// Armijo along the step actually taken (the projection may have cut it).
		moved := 0.0
		for i := range x {
			moved += o.g[i] * (float64(x[i]) - float64(o.x[i]))
		}
		if !math.IsNaN(f) && f <= o.f+c1*math.Min(moved, 0) && moved < 0 {
			o.remember(x, f, toF64(g))
			return f, nil
		}
		t *= shrink
	}
	// No decrease along this direction: forget the curvature pairs, so the next
	// step starts again from steepest descent.
	copy(x, o.x)
	o.s, o.y, o.rho = nil, nil, nil
	return o.f, errNoDescent
}

// direction is -H*g by the two-loop recursion.
func (o *LBFGS) direction() []float64 {
	q := append([]float64(nil), o.g...)
	alpha := make([]float64, len(o.s))
	for i := len(o.s) - 1; i >= 0; i-- {
		alpha[i] = o.rho[i] * dot(o.s[i], q)
		axpy(-alpha[i], o.y[i], q)
	}
	if k := len(o.s) - 1; k >= 0 { // initial Hessian gamma*I, gamma = s'y / y'y
		scale(q, dot(o.s[k], o.y[k])/dot(o.y[k], o.y[k]))
	}
	for i := range o.s {
		beta := o.rho[i] * dot(o.y[i], q)
		axpy(alpha[i]-beta, o.s[i], q)
	}
	return scaled(q, -1)
}

// remember moves to the accepted point and keeps its curvature pair.
func (o *LBFGS) remember(x []float32, f float64, g []float64) {
	s, y := make([]float64, len(x)), make([]float64, len(x))
	for i := range x {
		s[i] = float64(x[i]) - float64(o.x[i])
		y[i] = g[i] - o.g[i]
	}
	if sy := dot(s, y); sy > 1e-10*math.Sqrt(dot(y, y)*dot(s, s)) {
		o.s, o.y, o.rho = append(o.s, s), append(o.y, y), append(o.rho, 1/sy)
		if m := max(o.Memory, 1); len(o.s) > m {
			o.s, o.y, o.rho = o.s[1:], o.y[1:], o.rho[1:]
		}
	}
	o.f, o.g = f, g
	copy(o.x, x)
}

func toF64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func norm1(a []float64) float64 {
	s := 0.0
	for _, v := range a {
		s += math.Abs(v)
	}
	return max(s, 1e-12)
}

func axpy(a float64, x, y []float64) {
	for i := range y {
		y[i] += a * x[i]
	}
}

func scale(v []float64, a float64) {
	for i := range v {
		v[i] *= a
	}
}

func scaled(v []float64, a float64) []float64 {
	out := make([]float64, len(v))
	for i := range v {
		out[i] = a * v[i]
	}
	return out
}
