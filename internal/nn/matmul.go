package nn

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
)

// MatMulLeanGrad is MatMul(a [N,K], b [K,M]) -> [N,M] with a hand-written
// gradient for a: dA = dY . b^T, computed as one DotGeneral whose output is
// already laid out as [N,K].
//
// Why: GoMLX v0.28.2's DotGeneral gradient always ends with a TransposeAllAxes,
// even when the permutation is the identity, and the pure-Go backend executes
// every transpose as an element-wise copy. For im2col convolutions a is the
// patches matrix, k*k times the size of the layer's input, so that copy was a
// large part of each training step (README, "Performance").
//
// How: a enters through an identity whose custom gradient returns dA built
// from dY, the output's gradient, which the output's own identity records
// first (reverse mode reaches the output before its inputs). GoMLX's own
// gradient for a is then unused, and the backend drops it as dead code. Each
// identity is its input's only user, so the backend hands the buffer on
// instead of copying it.
func MatMulLeanGrad(a, b *Node) *Node {
	a.AssertRank(2)
	b.AssertRank(2)
	var dY *Node
	aIn := IdentityWithCustomGradient(a, func(_, _ *Node) *Node {
		// [N,M] x [K,M], contracting M: [N,K].
		return DotGeneral(dY, []int{1}, nil, b, []int{1}, nil)
	})
	return IdentityWithCustomGradient(MatMul(aIn, b), func(_, v *Node) *Node {
		dY = v
		return v
	})
}
