package gan_test

import (
	"math"
	"testing"

	"github.com/ganbook/ganbook/internal/gantest"

	"github.com/ganbook/ganbook/gan"
)

func TestInterpolate(t *testing.T) {
	a, b := []float32{1, 0}, []float32{0, 1}
	lin := gan.InterpolateNoise(a, b, 3, false)
	if lin[0][0] != 1 || lin[2][1] != 1 || lin[1][0] != 0.5 || lin[1][1] != 0.5 {
		t.Errorf("linear: %v", lin)
	}
	// Spherically, the midpoint of two unit vectors 90 degrees apart is the unit
	// vector at 45 degrees: (sqrt(2)/2, sqrt(2)/2), not the short (0.5, 0.5).
	sph := gan.InterpolateNoise(a, b, 3, true)
	h := float32(math.Sqrt2 / 2)
	if d := math.Abs(float64(sph[1][0]-h)) + math.Abs(float64(sph[1][1]-h)); d > 1e-6 || sph[0][0] != 1 || math.Abs(float64(sph[2][1]-1)) > 1e-6 {
		t.Errorf("spherical: %v", sph)
	}
	// Parallel vectors have no arc: the walk is the straight line.
	par := gan.InterpolateNoise([]float32{1, 1}, []float32{2, 2}, 2, true)
	if par[0][0] != 1 || par[1][1] != 2 {
		t.Errorf("parallel: %v", par)
	}
}

func TestInterpolationGrid(t *testing.T) {
	o := gantest.TinyOptions("mlp")
	g := gantest.NewGAN(t, o)
	img, err := g.InterpolationGrid(3, 5, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	// 5 columns and 3 rows of 28x28 images enlarged 2x, 2 pixels apart.
	if b := img.Bounds(); b.Dx() != 5*56+6*2 || b.Dy() != 3*56+4*2 {
		t.Errorf("grid is %v", b)
	}
}
