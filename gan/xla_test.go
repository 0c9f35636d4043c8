package gan_test

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganbook/ganbook/internal/nn"

	"github.com/ganbook/ganbook/internal/gantest"

	"github.com/ganbook/ganbook/gan"

	"github.com/ganbook/ganbook/gan/run"
)

// Tolerances of the XLA check, float32: the losses of two training steps
// relative (|a-b| <= tol*(1+|b|)), and every weight afterwards absolute. Adam
// moves a weight by about the learning rate (2e-4 to 4e-4) a step whatever
// the gradient's size, so where a gradient is near 0 its sign can differ with
// the summation order and the weight by up to two steps' worth.
const (
	xlaLossTolerance   = 1e-3
	xlaWeightTolerance = 2e-3
)

// Two training steps of the lesson's MLP GAN, its DCGAN and the conditional
// tuned DCGAN (what `ganbook train` runs), from the same weights and with the
// same noise on XLA and on the pure-Go backend, give the same losses and
// weights within the tolerances above. Skips without a PJRT plugin
// (GANBOOK_XLA_BACKEND names the backend to compare; bench/gpu.sh runs it).
func TestXLATrainingStepsMatchGoBackend(t *testing.T) {
	other, config, err := nn.XLABackend()
	if err != nil && os.Getenv(nn.XLAConfigEnv) != "" {
		t.Fatalf("%s names a backend that does not load: %v", nn.XLAConfigEnv, err) // asked for: a failure, not a skip
	}
	if err != nil {
		t.Skipf("no XLA to compare with: %v (set %s to name one)", err, nn.XLAConfigEnv)
	}
	goB, err := nn.NewBackend(nn.GoBackendConfig)
	if err != nil {
		t.Fatal(err)
	}
	conditional := gantest.TinyOptions(gan.DCGAN)
	conditional.Classes, conditional.EMA, conditional.LRD = 10, 0.999, 4e-4
	for name, o := range map[string]gan.Options{"MLP": gantest.TinyOptions(gan.MLP), "DCGAN": gantest.TinyOptions(gan.DCGAN), "conditional DCGAN": conditional} {
		t.Run(name, func(t *testing.T) {
			ref := newGANOn(t, goB, o, nil)
			dir := t.TempDir()
			path, err := run.Save(ref, dir, 1)
			if err != nil {
				t.Fatal(err)
			}
			c, err := run.ReadCheckpoint(path)
			if err != nil {
				t.Fatal(err)
			}
			// Each backend its own copies: a tensor belongs to one backend.
			setLatent(ref, o, 5)
			got := newGANOn(t, other, o, c)
			setLatent(got, o, 5)
			for step := range 2 {
				want, err := ref.TrainStep(gantest.RandomBatch(o, uint64(10+step)))
				if err != nil {
					t.Fatal(err)
				}
				have, err := got.TrainStep(gantest.RandomBatch(o, uint64(10+step)))
				if err != nil {
					t.Fatalf("%s: %v", config, err)
				}
				for _, m := range []struct {
					what       string
					have, want float64
				}{{"D loss", have.DLoss, want.DLoss}, {"G loss", have.GLoss, want.GLoss}, {"D(x)", have.DReal, want.DReal}, {"D(G(z))", have.DFake, want.DFake}} {
					if math.Abs(m.have-m.want) > xlaLossTolerance*(1+math.Abs(m.want)) {
						t.Errorf("step %d: %s %.6g on %s, %.6g on the pure-Go backend", step+1, m.what, m.have, config, m.want)
					}
				}
			}
			compareWeights(t, ref, got, config)
		})
	}
}

// newGANOn builds a GAN on backend b: fresh, or restored from c.
func newGANOn(t *testing.T, b compute.Backend, o gan.Options, c *run.Checkpoint) *gan.GAN {
	t.Helper()
	if c != nil {
		g, err := run.Restore(b, c)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	g, err := gan.New(b, o)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// setLatent fixes g's training noise (and classes) to draws from seed.
func setLatent(g *gan.GAN, o gan.Options, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 2))
	z := make([]float32, o.Batch*o.NoiseDim)
	for i := range z {
		z[i] = float32(rng.NormFloat64())
	}
	var classes *tensors.Tensor
	if o.Conditional() {
		cls := make([]int32, o.Batch)
		for i := range cls {
			cls[i] = int32(rng.IntN(o.Classes))
		}
		classes = tensors.FromFlatDataAndDimensions(cls, o.Batch)
	}
	gan.SetFixedLatent(g, tensors.FromFlatDataAndDimensions(z, o.Batch, o.NoiseDim), classes)
}

// compareWeights checks every float32 variable of the two GANs.
func compareWeights(t *testing.T, want, got *gan.GAN, config string) {
	t.Helper()
	n, worst, worstPath := 0, 0.0, ""
	for v := range want.Store.IterVariables() {
		w := v.MustValue()
		if w.DType().String() != "Float32" {
			continue
		}
		o := got.Store.GetVariable(v.Path())
		if o == nil {
			t.Errorf("%s has no variable %s", config, v.Path())
			continue
		}
		a, b := tensors.MustCopyFlatData[float32](w), tensors.MustCopyFlatData[float32](o.MustValue())
		if len(a) != len(b) {
			t.Errorf("%s: %d values on the pure-Go backend, %d on %s", v.Path(), len(a), len(b), config)
			continue
		}
		for i := range a {
			if d := math.Abs(float64(a[i] - b[i])); d > worst || math.IsNaN(d) {
				worst, worstPath = d, v.Path()
			}
		}
		n++
	}
	t.Logf("%d variables; largest difference %.3g (%s)", n, worst, worstPath)
	if n == 0 || !(worst <= xlaWeightTolerance) {
		t.Errorf("weights after two steps differ by %.3g in %s (tolerance %g)", worst, worstPath, xlaWeightTolerance)
	}
}
