package score

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// FrechetDistance between Gaussians fitted to two sets of feature vectors:
// |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)) (Heusel et al. 2017, the FID
// formula). Tr((S1 S2)^(1/2)) is computed as the trace of the square root of
// S1^(1/2) S2 S1^(1/2), which is symmetric.
func FrechetDistance(a, b [][]float64) (float64, error) {
	if len(a) < 2 || len(b) < 2 || len(a[0]) != len(b[0]) {
		return 0, fmt.Errorf("need two sets of at least 2 vectors of the same length")
	}
	mu1, s1 := meanCov(a)
	mu2, s2 := meanCov(b)
	var d float64
	for i := range mu1 {
		d += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i])
	}
	root1, err := sqrtSym(s1)
	if err != nil {
		return 0, err
	}
	var m mat.Dense
	m.Product(root1, s2, root1)
	trRoot, err := traceSqrt(symmetric(&m))
	if err != nil {
		return 0, err
	}
	return d + mat.Trace(s1) + mat.Trace(s2) - 2*trRoot, nil
}

// meanCov is the mean and the (unbiased, n-1) covariance matrix of a set of
// vectors, one vector a row (gonum's stat.CovarianceMatrix).
func meanCov(x [][]float64) ([]float64, *mat.SymDense) {
	n, k := len(x), len(x[0])
	data := mat.NewDense(n, k, nil)
	for i, v := range x {
		data.SetRow(i, v)
	}
	mu := make([]float64, k)
	for j := range k {
		mu[j] = stat.Mean(mat.Col(nil, j, data), nil)
	}
	cov := mat.NewSymDense(k, nil)
	stat.CovarianceMatrix(cov, data, nil)
	return mu, cov
}

// sqrtSym is the square root of a symmetric positive semi-definite matrix:
// V diag(sqrt(lambda)) V^T from its eigen-decomposition. Eigenvalues that
// rounding made slightly negative count as 0.
func sqrtSym(s mat.Symmetric) (*mat.SymDense, error) {
	var eig mat.EigenSym
	if !eig.Factorize(s, true) {
		return nil, fmt.Errorf("the eigen-decomposition of a covariance matrix did not converge")
	}
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	out := mat.NewSymDense(s.SymmetricDim(), nil)
	for e, v := range eig.Values(nil) {
		out.SymRankOne(out, math.Sqrt(math.Max(v, 0)), vecs.ColView(e))
	}
	return out, nil
}

// traceSqrt is Tr(S^(1/2)) of a symmetric positive semi-definite matrix: the
// sum of the square roots of its eigenvalues.
func traceSqrt(s mat.Symmetric) (float64, error) {
	var eig mat.EigenSym
	if !eig.Factorize(s, false) {
		return 0, fmt.Errorf("the eigen-decomposition of a covariance matrix did not converge")
	}
	var tr float64
	for _, v := range eig.Values(nil) {
		tr += math.Sqrt(math.Max(v, 0))
	}
	return tr, nil
}

// symmetric is a square matrix that is symmetric up to rounding, made exactly
// symmetric: (m + m^T) / 2.
func symmetric(m mat.Matrix) *mat.SymDense {
	k, _ := m.Dims()
	out := mat.NewSymDense(k, nil)
	for i := range k {
		for j := i; j < k; j++ {
			out.SetSym(i, j, (m.At(i, j)+m.At(j, i))/2)
		}
	}
	return out
}

// ClassEntropy is the entropy of a class histogram divided by log(classes):
// 1 when every class is equally frequent, 0 when all samples are one class.
func ClassEntropy(hist []int) float64 {
	var n float64
	for _, c := range hist {
		n += float64(c)
	}
	if n == 0 || len(hist) < 2 {
		return 0
	}
	var h float64
	for _, c := range hist {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log(p)
		}
	}
	return h / math.Log(float64(len(hist)))
}

// Diversity is the root-mean-square distance between two feature vectors of a,
// relative to the same for b: sqrt(Tr(Sa) / Tr(Sb)), since the mean squared
// distance between two members of a set is twice the trace of its covariance.
// Near 1: the generated set is as varied as the real one; near 0: near-copies
// (mode collapse).
func Diversity(a, b [][]float64) (float64, error) {
	if len(a) < 2 || len(b) < 2 || len(a[0]) != len(b[0]) {
		return 0, fmt.Errorf("need two sets of at least 2 vectors of the same length")
	}
	_, sa := meanCov(a)
	_, sb := meanCov(b)
	if mat.Trace(sb) < 1e-12 {
		return 0, fmt.Errorf("the reference set has no variance")
	}
	return math.Sqrt(mat.Trace(sa) / mat.Trace(sb)), nil
}
