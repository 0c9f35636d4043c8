package nn

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
)

// MinibatchStdDev appends one feature to the last axis of x [B, ..., C]: the
// standard deviation of each feature over the batch, averaged over all features
// (Karras et al. 2018, "Progressive Growing of GANs", section 3). Every example
// gets the same value, so a layer after it can tell a varied batch from a batch
// of near-copies. The result is [B, ..., C+1].
func MinibatchStdDev(x *Node) *Node {
	dims := x.Shape().Dimensions
	variance := ReduceMean(Square(Sub(x, ReduceAndKeep(x, ReduceMean, 0))), 0)
	// The epsilon keeps Sqrt's gradient finite when every example is identical.
	std := ReduceAllMean(Sqrt(AddScalar(variance, 1e-8)))
	featDims := append(append([]int{}, dims[:len(dims)-1]...), 1)
	out := Concatenate([]*Node{x, BroadcastToDims(std, featDims...)}, -1)
	out.AssertDims(append(dims[:len(dims)-1:len(dims)-1], dims[len(dims)-1]+1)...)
	return out
}
