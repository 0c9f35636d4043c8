package nn

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
)

// MatMulLeanGrad is MatMul(a [N,K], b [K,M]) -> [N,M] with hand-written
// gradients laid out for the pure-Go backend's matmul:
//
//	dA = dY . b^T  as DotGeneral(dY [N,M], b [K,M]) contracting M: already [N,K];
//	dB = (dY^T . a)^T, transposing only dY [N,M] and the small [M,K] result.
//
// Why: GoMLX's DotGeneral gradient (v0.28.2; still 2x slower on v0.28.16,
// bench's BenchmarkMatMulGradient) ends with a transpose even when the
// permutation is the identity, and its dB contracts over the leading axis of
// both operands, which the pure-Go backend's matmul cannot read, so it
// transposes the whole of a first. The backend executes every transpose as an
// element-wise copy, and for im2col convolutions a is the patches matrix, k*k
// times the size of the layer's input (docs/performance.md).
//
// How: a and b enter through identities whose custom gradients compute dA and
// dB from dY, the output's gradient, which the output's own identity records
// first (reverse mode reaches the output before its inputs). GoMLX's own
// gradients for a and b are then unused, and the backend drops them as dead
// code. Each identity is its input's only user, so the backend hands the
// buffer on instead of copying it.
func MatMulLeanGrad(a, b *Node) *Node {
	a.AssertRank(2)
	b.AssertRank(2)
	var dY, aIn *Node
	aIn = IdentityWithCustomGradient(a, func(_, _ *Node) *Node {
		// [N,M] x [K,M], contracting M: [N,K].
		return DotGeneral(dY, []int{1}, nil, b, []int{1}, nil)
	})
	bIn := IdentityWithCustomGradient(b, func(_, _ *Node) *Node {
		// [M,N] x [N,K], contracting N: [M,K], then the small transpose to [K,M].
		// It reads aIn, not a: a's only user must stay aIn (see above).
		return Transpose(DotGeneral(Transpose(dY, 0, 1), []int{1}, nil, aIn, []int{0}, nil), 0, 1)
	})
	return IdentityWithCustomGradient(MatMul(aIn, bIn), func(_, v *Node) *Node {
		dY = v
		return v
	})
}

// GramLeanGrad is F^T F for F [N, C] (the [C, C] Gram matrix of N feature
// vectors) with its gradient written by hand: dF = F (dG + dG^T).
//
// Why: GoMLX's einsum "nc,nd->cd" contracts the leading axis of both
// operands; the pure-Go backend's matmul reads only contracting-last
// left operands, so the forward and GoMLX's gradient transposed F (as large
// as a VGG layer's activations) with its element-by-element transpose. Here
// the forward transposes F with the backend's 2-D tiled transpose, and the
// gradient is one [N,C]x[C,C] product. First order only (the product itself is
// behind StopGradient).
func GramLeanGrad(f *Node) *Node {
	f.AssertRank(2)
	var dG *Node
	fIn := IdentityWithCustomGradient(f, func(_, _ *Node) *Node {
		return MatMul(f, Add(dG, Transpose(dG, 0, 1)))
	})
	g := MatMul(Transpose(StopGradient(fIn), 0, 1), StopGradient(fIn))
	// A zero computed from fIn keeps fIn in reverse mode (the product itself
	// is not differentiated: StopGradient above).
	g = Add(g, zeroOf(fIn))
	return IdentityWithCustomGradient(g, func(_, v *Node) *Node {
		dG = v
		return v
	})
}
