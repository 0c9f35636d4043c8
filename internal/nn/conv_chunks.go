package nn

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX's graph DSL is written dot-imported
	"github.com/gomlx/gomlx/core/tensors"
)

// chunkBytes: an im2col convolution builds and multiplies its patches in
// chunks of whole images, each chunk's patches about this many bytes or fewer.
// Why: a layer's patches are k*k times its input (75 MB for the 64 px
// generator's last up-sampling convolution at batch 64): built whole, they go
// to memory and come back when the matmul packs them, and the Gather that
// builds them runs on one core while the other waits. In chunks, the matmul
// packs patches that are still in cache, and the scheduler gathers one chunk
// while the other core multiplies another.
//
// Measured on 2 cores, forward only: [64,32,32,32] by a 3x3 kernel to 64
// channels took 34 ms whole, 24-27 ms in chunks of 2 to 16 images (the
// product alone, patches given: 24 ms). In the DCGAN steps (three rounds,
// alternated, median ms; the host drifted by 30%): off / 1 / 2 / 4 MB,
// batch 64 at 28x28: 118 / 98 / 82 / 81; batch 256: 474 / 369 / 350 / 340;
// 64x64 RGB: 692 / 549 / 610 / 643.
var chunkBytes = 2 << 20

// forceChunks, where it divides the batch, replaces chunkBytes's count: for
// tests of chunks of more than one image.
var forceChunks = 0

// chunksFor is how many chunks of whole images a stride-1 convolution in g of
// batch images with k x k kernel, p zeros of padding and c channels of size
// bytes each is computed in: the fewest that divide the batch and keep a chunk's patches
// within chunkBytes. 1 for a 1x1 convolution without padding (no patches),
// with chunkBytes 0, and on backends other than the pure-Go one (XLA
// schedules its own copies, and a GPU wants few large products).
func chunksFor(g *Graph, size, batch, ho, wo, k, p, c int) int {
	if chunkBytes <= 0 || (k == 1 && p == 0) || !IsGoBackend(g.Backend()) {
		return 1
	}
	if forceChunks > 0 && batch%forceChunks == 0 {
		return forceChunks
	}
	perImage := ho * wo * k * k * c * size
	for n := max(1, batch*perImage/chunkBytes); n < batch; n++ {
		if batch%n == 0 && batch/n*perImage <= chunkBytes {
			return n
		}
	}
	return batch
}

// patchChunks are the patches [B/n*Ho*Wo, k*k*C] of each of n chunks of
// whole images of x [B,H,W,C] for a stride-1 convolution with p zeros of
// padding: gathered where the runs are long enough (one GatherSlices a chunk
// from the input padded once), crops and a Concatenate otherwise. Not
// differentiated.
func patchChunks(x *Node, k, p, n int) []*Node {
	b, h, wd, c := x.Shape().Dim(0), x.Shape().Dim(1), x.Shape().Dim(2), x.Shape().Dim(3)
	ho, wo := ConvOutSize(h, k, 1, p), ConvOutSize(wd, k, 1, p)
	per := b / n
	cols := make([]*Node, n)
	if k == 1 && p == 0 {
		for i := range n {
			cols[i] = Reshape(chunk(StopGradient(x), i, n), per*ho*wo, c)
		}
		return cols
	}
	// GoMLX cannot differentiate crops (negative Pads), and the Gather's
	// gradient would be a scatter: keep both out of reverse mode.
	xp := StopGradient(ZeroPad2D(x, p))
	if k*c < gatherMinRun {
		for i := range n {
			cols[i] = Reshape(shiftPatches(chunk(xp, i, n), k, 0), per*ho*wo, k*k*c)
		}
		return cols
	}
	hp, wp := h+2*p, wd+2*p
	rows := StopGradient(Reshape(xp, b*hp, wp, c))
	for i := range n {
		start := make([]int32, 0, per*ho*wo*k*2)
		for bi := i * per; bi < (i+1)*per; bi++ {
			for r := range ho {
				for col := range wo {
					for di := range k {
						start = append(start, int32(bi*hp+r+di), int32(col)) // row, first column
					}
				}
			}
		}
		starts := Const(x.Graph(), tensors.FromFlatDataAndDimensions(start, per*ho*wo, k, 2))
		// Not sorted: rows go i..i+k-1, then back.
		cols[i] = Reshape(GatherSlices(rows, []int{0, 1}, starts, []int{1, k}, false), per*ho*wo, k*k*c)
	}
	return cols
}

// chunk is the i-th of n equal parts of x along its first axis (a crop: whole
// runs copied).
func chunk(x *Node, i, n int) *Node {
	if n == 1 {
		return x
	}
	per := x.Shape().Dim(0) / n
	cut := make([][2]int, x.Rank())
	cut[0] = [2]int{i * per, (n - 1 - i) * per}
	return crop(x, cut)
}

// stackRows concatenates the chunks' results along their first axis.
func stackRows(ys []*Node) *Node {
	if len(ys) == 1 {
		return ys[0]
	}
	return Concatenate(ys, 0)
}

// chunkedKernelGrad is the gradient of a stride-1 convolution's kernel
// [k,k,C,Out] from its patches, in chunks of whole images, and its output's
// gradient dY [B,Ho,Wo,Out]: the sum over the chunks of patches^T dY, each as
// dY^T patches, so that only dY (once, whole) and the small [Out, k*k*C] sum
// are transposed, never the patches (as MatMulLeanGrad's dB).
func chunkedKernelGrad(cols []*Node, dY *Node, k, c int) *Node {
	n, out := len(cols), dY.Shape().Dim(3)
	dyT := Transpose(Reshape(dY, -1, out), 0, 1) // [Out, B*Ho*Wo]
	rows := dyT.Shape().Dim(1) / n
	var sum *Node
	for i, cs := range cols {
		dy := dyT
		if n > 1 {
			dy = crop(dyT, [][2]int{{0, 0}, {i * rows, (n - 1 - i) * rows}}) // runs of rows values
		}
		g := DotGeneral(dy, []int{1}, nil, cs, []int{0}, nil) // [Out, k*k*C]
		if sum == nil {
			sum = g
		} else {
			sum = Add(sum, g)
		}
	}
	return Reshape(Transpose(sum, 0, 1), k, k, c, out)
}
