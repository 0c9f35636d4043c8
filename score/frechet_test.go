package score

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func randomSet(n, k int, shift float64, seed uint64) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 3))
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, k)
		for j := range out[i] {
			out[i][j] = rng.NormFloat64()*(1+float64(j)/float64(k)) + shift
		}
	}
	return out
}

func TestFrechetDistance(t *testing.T) {
	a := randomSet(500, 8, 0, 1)
	if d, err := FrechetDistance(a, a); err != nil || math.Abs(d) > 1e-6 {
		t.Fatalf("identical sets: %g, %v", d, err)
	}
	// Two Gaussians with the same covariance: the distance is |mu1 - mu2|^2.
	b := make([][]float64, len(a))
	for i := range a {
		b[i] = make([]float64, len(a[i]))
		for j := range a[i] {
			b[i][j] = a[i][j] + 0.5
		}
	}
	if d, _ := FrechetDistance(a, b); math.Abs(d-8*0.25) > 1e-6 {
		t.Fatalf("shifted by 0.5 in 8 dims: %g, want 2", d)
	}
	far, _ := FrechetDistance(a, randomSet(500, 8, 3, 2))
	near, _ := FrechetDistance(a, randomSet(500, 8, 0, 3))
	if !(near < 1 && far > 50) {
		t.Fatalf("near %g, far %g", near, far)
	}
}

func TestSqrtSym(t *testing.T) {
	// [[2 1] [1 2]] has eigenvalues 1 and 3, eigenvectors (1, -1)/sqrt(2) and
	// (1, 1)/sqrt(2): its square root is [[a b] [b a]] with
	// a = (sqrt(3) + 1) / 2, b = (sqrt(3) - 1) / 2.
	s := mat.NewSymDense(2, []float64{2, 1, 1, 2})
	if tr, err := traceSqrt(s); err != nil || math.Abs(tr-(1+math.Sqrt(3))) > 1e-12 {
		t.Fatalf("Tr(sqrt): %g, %v; want 1 + sqrt(3)", tr, err)
	}
	r, err := sqrtSym(s)
	if err != nil {
		t.Fatal(err)
	}
	a, b := (math.Sqrt(3)+1)/2, (math.Sqrt(3)-1)/2
	if math.Abs(r.At(0, 0)-a) > 1e-9 || math.Abs(r.At(1, 1)-a) > 1e-9 || math.Abs(r.At(0, 1)-b) > 1e-9 {
		t.Fatalf("sqrt %v, want [[%g %g] [%g %g]]", mat.Formatted(r), a, b, b, a)
	}
	if r, err = sqrtSym(mat.NewSymDense(2, []float64{4, 0, 0, 9})); err != nil || math.Abs(r.At(0, 0)-2) > 1e-12 || math.Abs(r.At(1, 1)-3) > 1e-12 {
		t.Fatalf("sqrt %v, %v", mat.Formatted(r), err)
	}
}

func TestClassEntropy(t *testing.T) {
	if e := ClassEntropy([]int{100, 0, 0, 0, 0, 0, 0, 0, 0, 0}); e != 0 {
		t.Errorf("one class: %g, want 0", e)
	}
	if e := ClassEntropy([]int{5, 5, 5, 5, 5, 5, 5, 5, 5, 5}); math.Abs(e-1) > 1e-12 {
		t.Errorf("uniform: %g, want 1", e)
	}
	if e := ClassEntropy([]int{1, 1}); math.Abs(e-1) > 1e-12 {
		t.Errorf("two equal classes: %g", e)
	}
}

func TestDiversity(t *testing.T) {
	a := randomSet(300, 8, 0, 1)
	half := make([][]float64, len(a))
	same := make([][]float64, len(a))
	for i := range a {
		half[i], same[i] = make([]float64, 8), a[0]
		for j := range a[i] {
			half[i][j] = 7 + a[i][j]/2 // shifted and halved: half the spread
		}
	}
	for _, tc := range []struct {
		name string
		set  [][]float64
		want float64
	}{{"identical", a, 1}, {"half spread", half, 0.5}, {"one repeated vector", same, 0}} {
		got, err := Diversity(tc.set, a)
		if err != nil || math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: %g, %v; want %g", tc.name, got, err, tc.want)
		}
	}
	if _, err := Diversity(a, same); err == nil {
		t.Error("a reference without variance must be an error")
	}
}

// meanCov on three 2-D points worked by hand: (1,2), (3,2), (5,8) have mean
// (3,4); deviations (-2,-2), (0,-2), (2,4); unbiased covariance
// [[8/2, 12/2], [12/2, 24/2]] = [[4, 6], [6, 12]].
func TestMeanCovByHand(t *testing.T) {
	mu, cov := meanCov([][]float64{{1, 2}, {3, 2}, {5, 8}})
	if mu[0] != 3 || mu[1] != 4 {
		t.Errorf("mean %v, want [3 4]", mu)
	}
	want := [][]float64{{4, 6}, {6, 12}}
	for i := range 2 {
		for j := range 2 {
			if math.Abs(cov.At(i, j)-want[i][j]) > 1e-12 {
				t.Errorf("cov[%d][%d] = %g, want %g", i, j, cov.At(i, j), want[i][j])
			}
		}
	}
}
