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
//
// With Box set, every variable stays in [Lo, Hi] (style transfer's pixels in
// [0, 1]): a variable at a bound whose gradient pushes it out is held there
// for the step (the active set, as in L-BFGS-B, Byrd et al. 1995, without its
// Cauchy point: its gradient component is zeroed before the two-loop
// recursion), any component of the resulting direction that would push a
// variable at a bound outwards is zeroed too (stopAtBounds: the recursion can
// bring them back), and trial points are clipped into the box. Clipping alone
// was not enough: along a direction that moves held pixels outwards, the
// clipped step went uphill, and a 256 px transfer spent 12 evaluations on
// such a step more than once (measured: the cat and The Starry Night, 63
// evaluations for 40 steps).
type LBFGS struct {
	// Memory m: how many past steps shape the estimate (PyTorch's default: 100;
	// 10 is the textbook's and costs less).
	Memory int
	// Box, when set, bounds every variable.
	Box *Box
	// Evaluations counts the calls of the objective.
	Evaluations int

	s, y [][]float64 // past steps and gradient changes, oldest first
	rho  []float64
	f    float64
	g    []float64
	x    []float32
}

// Box is the interval [Lo, Hi] every variable stays in.
type Box struct{ Lo, Hi float32 }

// outward reports whether moving a variable at v by a change of sign move
// would leave the box (v at a bound, move pointing past it).
func (b *Box) outward(v float32, move float64) bool {
	return (v <= b.Lo && move < 0) || (v >= b.Hi && move > 0)
}

// Objective returns f(x) and its gradient.
type Objective func(x []float32) (f float64, grad []float32, err error)

// errNoDescent: the line search found no lower point along the direction.
var errNoDescent = errors.New("L-BFGS: no decrease along the search direction")

// Evaluate calls fn at x and counts the call in Evaluations: for a caller
// that needs fn's side effects at a point Step did not evaluate last.
func (o *LBFGS) Evaluate(x []float32, fn Objective) (float64, []float32, error) {
	o.Evaluations++
	return fn(x)
}

// Step takes one L-BFGS step from x (updated in place) and returns the new
// value. It evaluates fn once for the first step, then once per line-search
// trial (usually one).
func (o *LBFGS) Step(x []float32, fn Objective) (float64, error) {
	eval := func(x []float32) (float64, []float32, error) { return o.Evaluate(x, fn) }
	if o.g == nil {
		o.clip(x)
		f, g, err := eval(x)
		if err != nil {
			return 0, err
		}
		o.f, o.g, o.x = f, toF64(g), append([]float32(nil), x...)
	}
	held := o.held()
	d := o.direction(held)
	o.stopAtBounds(d)
	slope := dot(o.g, d)
	if slope >= 0 { // not a descent direction: restart from steepest descent
		o.s, o.y, o.rho = nil, nil, nil
		d = o.direction(held)
		slope = dot(o.g, d)
	}
	if math.IsNaN(slope) {
		return o.f, errors.New("L-BFGS: the gradient is not a number (the optimisation diverged)")
	}
	if slope == 0 { // every variable held at its bound, or a zero gradient: a minimum
		return o.f, errNoDescent
	}
	t := 1.0
	if len(o.s) == 0 { // first step: a small step along -g (as PyTorch: lr * min(1, 1/|g|_1)), held variables left out
		t = math.Min(1, 1/norm1(d))
	}
	const c1, shrink, maxTrials = 1e-4, 0.5, 12
	for trial := 0; trial < maxTrials; trial++ {
		for i := range x {
			x[i] = float32(float64(o.x[i]) + t*d[i])
		}
		o.clip(x)
		f, g, err := eval(x)
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
		if moved >= 0 { // clipping turned the step uphill
			t *= shrink
		} else { // the parabola along the step actually taken
			t = nextTrial(t, o.f, f, moved/t, shrink)
		}
	}
	// No decrease along this direction: forget the curvature pairs, so the next
	// step starts again from steepest descent.
	copy(x, o.x)
	o.s, o.y, o.rho = nil, nil, nil
	return o.f, errNoDescent
}

// nextTrial is the next, shorter trial step after step t failed: the minimum
// of the parabola through f0 (the value at 0), its slope there and f (the
// value at t) (Nocedal and Wright, section 3.5), kept within [t/10, t*shrink]
// so that one bad fit can neither stall the search nor skip the shrink. Where
// f is not a number, halving.
func nextTrial(t, f0, f, slope, shrink float64) float64 {
	curv := f - f0 - slope*t
	if math.IsNaN(f) || math.IsInf(f, 0) || curv <= 0 {
		return t * shrink
	}
	return math.Min(math.Max(-slope*t*t/(2*curv), t/10), t*shrink)
}

// clip moves x into the box.
func (o *LBFGS) clip(x []float32) {
	if o.Box == nil {
		return
	}
	for i, v := range x {
		x[i] = min(max(v, o.Box.Lo), o.Box.Hi)
	}
}

// stopAtBounds zeroes the components of d that would push a variable at a
// bound out of the box. held() catches those whose gradient points out; the
// estimated inverse Hessian mixes the variables, so d can point out where the
// gradient does not, and clipping would then cut every trial step the same
// way.
func (o *LBFGS) stopAtBounds(d []float64) {
	if o.Box == nil {
		return
	}
	for i, v := range o.x {
		if o.Box.outward(v, d[i]) {
			d[i] = 0
		}
	}
}

// held marks the variables at a bound whose gradient points out of the box
// (descent would push them out); nil without a box.
func (o *LBFGS) held() []bool {
	if o.Box == nil {
		return nil
	}
	h := make([]bool, len(o.x))
	for i, v := range o.x {
		h[i] = o.Box.outward(v, -o.g[i]) // descent moves against the gradient
	}
	return h
}

// direction is -H*g by the two-loop recursion, over the variables not held
// (their components of g and of the direction are zero).
func (o *LBFGS) direction(held []bool) []float64 {
	q := append([]float64(nil), o.g...)
	zeroHeld(q, held)
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
	zeroHeld(q, held)
	return scaled(q, -1)
}

func zeroHeld(v []float64, held []bool) {
	for i, h := range held {
		if h {
			v[i] = 0
		}
	}
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
