package gan_test

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganbook/ganbook/internal/gantest"

	"github.com/ganbook/ganbook/gan"
)

// The lesson's two phases: each one changes only its own network. This is
// what "the discriminator is frozen" means, checked bit for bit.
// With DiffAugment too: its random changes draw from the GAN's random state,
// not from either network's variables.
func TestPhasesTouchOnlyTheirNetwork(t *testing.T) {
	for _, name := range []string{"mlp", "dcgan", "dcgan+augment"} {
		t.Run(name, func(t *testing.T) {
			model, augment, _ := strings.Cut(name, "+")
			o := gantest.TinyOptions(model)
			if augment != "" {
				o.Augment = gan.AugmentAll
			}
			g := gantest.NewGAN(t, o)
			// One full step so every variable (including Adam's state) exists.
			if _, err := g.TrainStep(gantest.RandomBatch(o, 1)); err != nil {
				t.Fatal(err)
			}

			dBefore, gBefore := gantest.Snapshot(g.Store, gan.DiscriminatorScope), gantest.Snapshot(g.Store, gan.GeneratorScope)
			dPrint, gPrint := g.Fingerprint(gan.DiscriminatorScope), g.Fingerprint(gan.GeneratorScope)
			if _, err := g.TrainGenerator(); err != nil {
				t.Fatal(err)
			}
			if g.Fingerprint(gan.DiscriminatorScope) != dPrint || g.Fingerprint(gan.GeneratorScope) == gPrint {
				t.Errorf("fingerprints: discriminator must stay, generator must change")
			}
			dAfter, gAfter := gantest.Snapshot(g.Store, gan.DiscriminatorScope), gantest.Snapshot(g.Store, gan.GeneratorScope)
			gantest.AssertSame(t, "generator step, discriminator", dBefore, dAfter)
			gantest.AssertSomeChanged(t, "generator step, generator", gBefore, gAfter)

			if _, err := g.TrainDiscriminator(gantest.RandomBatch(o, 2)); err != nil {
				t.Fatal(err)
			}
			dAfter2, gAfter2 := gantest.Snapshot(g.Store, gan.DiscriminatorScope), gantest.Snapshot(g.Store, gan.GeneratorScope)
			gantest.AssertSame(t, "discriminator step, generator", gAfter, gAfter2)
			gantest.AssertSomeChanged(t, "discriminator step, discriminator", dAfter, dAfter2)
		})
	}
}

func TestShapes(t *testing.T) {
	for _, tc := range []struct {
		model          string
		size, channels int
	}{{"mlp", 28, 1}, {"dcgan", 28, 1}, {"dcgan", 32, 3}, {"dcgan", 64, 3}, {"mlp", 32, 3}} {
		o := gantest.TinyOptions(tc.model)
		o.Size, o.Channels = tc.size, tc.channels
		g := gantest.NewGAN(t, o)
		m, err := g.TrainStep(gantest.RandomBatch(o, 3))
		if err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		if m.DLoss <= 0 || m.GLoss <= 0 || m.DReal <= 0 || m.DReal >= 1 {
			t.Errorf("%+v: implausible metrics %+v", tc, m)
		}
		imgs, err := g.GenerateClasses(g.FixedNoise, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := []int{gan.NumFixedNoise, tc.size, tc.size, tc.channels}
		if got := imgs.Shape().Dimensions; !equalInts(got, want) {
			t.Errorf("%+v: generated shape %v, want %v", tc, got, want)
		}
		for _, v := range tensors.MustCopyFlatData[float32](imgs) {
			if v < -1 || v > 1 || math.IsNaN(float64(v)) {
				t.Fatalf("%+v: generated value %g outside [-1, 1]", tc, v)
			}
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestWrongBatchShape(t *testing.T) {
	o := gantest.TinyOptions("mlp")
	g := gantest.NewGAN(t, o)
	o.Batch = 4
	if _, err := g.TrainDiscriminator(gantest.RandomBatch(o, 1)); err == nil || !strings.Contains(err.Error(), "shape") {
		t.Errorf("want a shape error, got %v", err)
	}
}

func TestSkipDiscriminatorWhenWinning(t *testing.T) {
	for _, tc := range []struct {
		below, featureMatching float64
		skip                   bool
	}{{100, 0, true}, {1e-9, 0, false}, {100, 1, true}, {1e-9, 1, false}} { // the loss is always below 100 and never below 1e-9
		o := gantest.TinyOptions("mlp")
		o.SkipDBelow, o.FeatureMatching = tc.below, tc.featureMatching
		g := gantest.NewGAN(t, o)
		for i := range 3 {
			before := g.Fingerprint(gan.DiscriminatorScope)
			m, err := g.TrainStep(gantest.RandomBatch(o, uint64(i)))
			if err != nil {
				t.Fatal(err)
			}
			if m.DSkipped != tc.skip || m.DLoss <= 0 || m.DLoss > 10 {
				t.Errorf("below %g, step %d: skipped=%v, D loss %g", tc.below, i+1, m.DSkipped, m.DLoss)
			}
			if i > 0 && (g.Fingerprint(gan.DiscriminatorScope) == before) != tc.skip {
				t.Errorf("below %g, step %d: discriminator weights changed=%v", tc.below, i+1, !tc.skip)
			}
		}
	}
}

func benchmarkStep(b *testing.B, name string) {
	o := gan.DefaultOptions(name)
	g := gantest.NewGAN(b, o)
	batch := gantest.RandomBatch(o, 1)
	if _, err := g.TrainStep(batch); err != nil { // compile outside the timing
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := g.TrainStep(batch); err != nil {
			b.Fatal(err)
		}
	}
}

// One discriminator + one generator step at batch 64 on 28x28 MNIST-sized images.
func BenchmarkMLPStep(b *testing.B)   { benchmarkStep(b, "mlp") }
func BenchmarkDCGANStep(b *testing.B) { benchmarkStep(b, "dcgan") }

// The generator's samples follow training: the same noise, generated before
// and after a few steps, gives different images. (On compute v0.1.14 the
// pure-Go backend asks for a non-training graph's variables to be compiled in
// as constants; a sampling graph then kept showing its first weights.)
func TestSamplesFollowTraining(t *testing.T) {
	for _, name := range []string{"mlp", "dcgan", "mlp-ema"} {
		t.Run(name, func(t *testing.T) {
			o := gantest.TinyOptions(strings.TrimSuffix(name, "-ema"))
			if strings.HasSuffix(name, "-ema") {
				o.EMA = 0.5 // samples come from the averaged generator (its own graph)
			}
			g := gantest.NewGAN(t, o)
			z := gan.Noise(4, o.NoiseDim, 7)
			sample := func() []float32 {
				out, err := g.GenerateClasses(z, nil)
				if err != nil {
					t.Fatal(err)
				}
				return tensors.MustCopyFlatData[float32](out)
			}
			// A step first, so the weights exist when the sampling graph is compiled.
			if _, err := g.TrainStep(gantest.RandomBatch(o, 99)); err != nil {
				t.Fatal(err)
			}
			before := sample()
			for i := range 3 {
				if _, err := g.TrainStep(gantest.RandomBatch(o, uint64(i))); err != nil {
					t.Fatal(err)
				}
			}
			after := sample()
			var diff float64
			for i := range before {
				diff = max(diff, math.Abs(float64(before[i]-after[i])))
			}
			if diff < 1e-4 {
				t.Errorf("samples of the same noise did not change after 3 training steps (max difference %g)", diff)
			}
		})
	}
}
