package score

import (
	"fmt"
	"math"
)

// FrechetDistance between Gaussians fitted to two sets of feature vectors:
// |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)) (Heusel et al. 2017, the FID
// formula). Tr((S1 S2)^(1/2)) is computed as the sum of square roots of the
// eigenvalues of S1^(1/2) S2 S1^(1/2), which is symmetric.
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
	root1 := sqrtSym(s1)
	m := mul(mul(root1, s2), root1)
	vals, _ := eigenSym(m)
	var trRoot float64
	for _, v := range vals {
		trRoot += math.Sqrt(math.Max(v, 0))
	}
	return d + trace(s1) + trace(s2) - 2*trRoot, nil
}

func meanCov(x [][]float64) ([]float64, [][]float64) {
	n, k := len(x), len(x[0])
	mu := make([]float64, k)
	for _, v := range x {
		for i := range v {
			mu[i] += v[i] / float64(n)
		}
	}
	cov := square(k)
	for _, v := range x {
		for i := range k {
			for j := i; j < k; j++ {
				cov[i][j] += (v[i] - mu[i]) * (v[j] - mu[j]) / float64(n-1)
			}
		}
	}
	for i := range k {
		for j := 0; j < i; j++ {
			cov[i][j] = cov[j][i]
		}
	}
	return mu, cov
}

// sqrtSym is the square root of a symmetric positive semi-definite matrix.
func sqrtSym(s [][]float64) [][]float64 {
	vals, vecs := eigenSym(s)
	k := len(s)
	out := square(k)
	for e, v := range vals {
		r := math.Sqrt(math.Max(v, 0))
		for i := range k {
			for j := range k {
				out[i][j] += r * vecs[i][e] * vecs[j][e]
			}
		}
	}
	return out
}

// eigenSym diagonalises a symmetric matrix with cyclic Jacobi rotations:
// eigenvalues, and eigenvectors as the columns of the second result.
func eigenSym(s [][]float64) ([]float64, [][]float64) {
	k := len(s)
	a := square(k)
	v := square(k)
	for i := range k {
		copy(a[i], s[i])
		v[i][i] = 1
	}
	for sweep := 0; sweep < 100; sweep++ {
		var off float64
		for i := range k {
			for j := i + 1; j < k; j++ {
				off += a[i][j] * a[i][j]
			}
		}
		if off < 1e-22 {
			break
		}
		for p := range k {
			for q := p + 1; q < k; q++ {
				if math.Abs(a[p][q]) < 1e-300 {
					continue
				}
				theta := (a[q][q] - a[p][p]) / (2 * a[p][q])
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				sn := t * c
				for r := range k {
					arp, arq := a[r][p], a[r][q]
					a[r][p], a[r][q] = c*arp-sn*arq, sn*arp+c*arq
				}
				for r := range k {
					apr, aqr := a[p][r], a[q][r]
					a[p][r], a[q][r] = c*apr-sn*aqr, sn*apr+c*aqr
				}
				for r := range k {
					vrp, vrq := v[r][p], v[r][q]
					v[r][p], v[r][q] = c*vrp-sn*vrq, sn*vrp+c*vrq
				}
			}
		}
	}
	vals := make([]float64, k)
	for i := range k {
		vals[i] = a[i][i]
	}
	return vals, v
}

func square(k int) [][]float64 {
	m := make([][]float64, k)
	for i := range m {
		m[i] = make([]float64, k)
	}
	return m
}

func mul(a, b [][]float64) [][]float64 {
	k := len(a)
	out := square(k)
	for i := range k {
		for l := range k {
			if a[i][l] == 0 {
				continue
			}
			for j := range k {
				out[i][j] += a[i][l] * b[l][j]
			}
		}
	}
	return out
}

func trace(a [][]float64) float64 {
	var t float64
	for i := range a {
		t += a[i][i]
	}
	return t
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
	if trace(sb) < 1e-12 {
		return 0, fmt.Errorf("the reference set has no variance")
	}
	return math.Sqrt(trace(sa) / trace(sb)), nil
}
