package gan

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/internal/nn"
)

// noiseDataset is n 28x28 images of uniform noise.
func noiseDataset(n int) *dataset.Dataset {
	o := Options{Batch: n, Size: 28, Channels: 1}
	return &dataset.Dataset{Name: "noise", N: n, Size: 28, Chan: 1, Images: tensors.MustCopyFlatData[float32](randomBatch(o, 9).Images)}
}

func TestLRFactor(t *testing.T) {
	o := DefaultOptions("mlp")
	if o.LRFactor(5000) != 1 {
		t.Error("no decay configured: factor must be 1")
	}
	o.DecayStart, o.DecayEnd = 100, 200
	for step, want := range map[int]float64{1: 1, 100: 1, 150: 0.5, 190: 0.1, 200: 0, 300: 0} {
		if got := o.LRFactor(step); math.Abs(got-want) > 1e-12 {
			t.Errorf("step %d: factor %g, want %g", step, got, want)
		}
	}
	o.DecayStart, o.DecayEnd = 200, 100
	if o.Validate() == nil {
		t.Error("a decay that ends before it starts must not validate")
	}
}

// With the decay reaching 0 at step 3, the third step must not move a single
// weight of either network, while the second (half rate) does.
func TestLRDecayReachesZero(t *testing.T) {
	o := tinyOptions("mlp")
	o.DecayStart, o.DecayEnd = 1, 3
	g := newTestGAN(t, o)
	if _, err := g.TrainStep(randomBatch(o, 1)); err != nil {
		t.Fatal(err)
	}
	if d, gen := g.LearningRates(); d != o.LRD/2 || gen != o.LRG/2 {
		t.Fatalf("step 2 rates %g, %g; want half of %g, %g", d, gen, o.LRD, o.LRG)
	}
	before := snapshot(g.Store, GeneratorScope)
	if _, err := g.TrainStep(randomBatch(o, 2)); err != nil {
		t.Fatal(err)
	}
	assertSomeChanged(t, "half-rate step", before, snapshot(g.Store, GeneratorScope))
	before = snapshot(g.Store, "")
	if _, err := g.TrainStep(randomBatch(o, 3)); err != nil {
		t.Fatal(err)
	}
	// Only the weights must stay: Adam's moments, batch norm's averages, the
	// step counters and the RNG still move, and the rates themselves are now 0.
	moves := []string{"/AdamOptimizer/", "/moving_", "global_step", "rngState", "/learning_rate"}
	weights := 0
	for path, b := range snapshot(g.Store, "") {
		if slices.ContainsFunc(moves, func(m string) bool { return strings.Contains(path, m) }) {
			continue
		}
		weights++
		if string(b) != string(before[path]) {
			t.Errorf("a step at learning rate 0 changed %s", path)
		}
	}
	if weights < 10 {
		t.Errorf("only %d weight variables checked", weights)
	}
	for v := range g.Store.IterVariables() {
		if strings.HasSuffix(v.Path(), "/learning_rate") && tensors.ToScalar[float32](v.MustValue()) != 0 {
			t.Errorf("%s = %v, want 0", v.Path(), v.MustValue())
		}
	}
}

// The MSG-GAN generator outputs three scales, and the discriminator must read
// the small ones: their "to RGB" layers only learn through it.
func TestMultiScaleGradientsReachEveryScale(t *testing.T) {
	o := tinyOptions("dcgan")
	o.MultiScale, o.MinibatchStd = true, true
	g := newTestGAN(t, o)
	if _, err := g.TrainStep(randomBatch(o, 1)); err != nil {
		t.Fatal(err)
	}
	before := snapshot(g.Store, GeneratorScope)
	if _, err := g.TrainGenerator(); err != nil {
		t.Fatal(err)
	}
	after := snapshot(g.Store, GeneratorScope)
	toRGB := 0
	for path, b := range before {
		if strings.Contains(path, "to_rgb") && !strings.Contains(path, "Adam") {
			toRGB++
			if string(b) == string(after[path]) {
				t.Errorf("%s did not change: no gradient reaches this scale", path)
			}
		}
	}
	if toRGB != 4 { // weights and bias of the two smaller scales
		t.Errorf("found %d to_rgb variables, want 4", toRGB)
	}
	o.Model = "mlp"
	if o.Validate() == nil {
		t.Error("multi-scale with the MLP GAN must not validate")
	}
}

func TestSweep(t *testing.T) {
	base := tinyOptions("mlp")
	grid := SweepGrid(base, []float64{1e-4, 1e-3, 2}, []float64{0.5, 0.9}, nil)
	if len(grid) != 6 || grid[5].LRD != 2 || grid[5].LRG != 2 || grid[5].Beta1 != 0.9 || grid[5].Beta2 != base.Beta2 {
		t.Fatalf("grid %d points, last %+v", len(grid), grid[len(grid)-1])
	}
	grid = []Options{grid[0], grid[2]}
	calls := 0
	score := func(g *GAN) (QualityScore, error) {
		calls++
		return QualityScore{Frechet: 10 - g.Opts.LRG*1000}, nil // the larger rate "wins"
	}
	ds := noiseDataset(32)
	var seen []int
	results, err := Sweep(context.Background(), nn.MustBackend(), ds, grid, 3, score, func(i int, r SweepResult) {
		if r.Finished {
			seen = append(seen, i)
		}
	})
	if err != nil || len(results) != 2 || calls != 2 || len(seen) != 2 {
		t.Fatalf("%d results, %d scores, %v", len(results), calls, err)
	}
	for _, r := range results {
		if r.Steps != 3 || r.Err != nil || r.DLoss <= 0 || r.GLoss <= 0 || r.DWins < 0 || r.DWins > 1 {
			t.Errorf("result %+v", r)
		}
	}
	_, rows := SweepRows(results)
	if rows[0][0] != "batch=8 lr-d=0.0001 lr-g=0.0001" || rows[1][0] != "batch=8 lr-d=0.001 lr-g=0.001" || results[0].Samples == nil {
		t.Errorf("run labels %q, %q (want the differing settings); samples %v", rows[0][0], rows[1][0], results[0].Samples != nil)
	}
	table := SweepTable(results)
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 4 || strings.Contains(lines[2], "best") || !strings.HasSuffix(lines[3], "<- best") {
		t.Errorf("table:\n%s", table)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Sweep(ctx, nn.MustBackend(), ds, grid, 3, nil, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled sweep: %v", err)
	}
}

// Feature matching adds a non-negative term to the same generator loss: two
// GANs with the same seed differ at the first step only by that term, and the
// real batch's mean features are kept for the generator phase.
func TestFeatureMatchingAddsToGeneratorLoss(t *testing.T) {
	for _, name := range []string{"mlp", "dcgan"} {
		o := tinyOptions(name)
		plain := newTestGAN(t, o)
		o.FeatureMatching = 1
		matched := newTestGAN(t, o)
		mp, err := plain.TrainStep(randomBatch(o, 1))
		if err != nil {
			t.Fatal(err)
		}
		mm, err := matched.TrainStep(randomBatch(o, 1))
		if err != nil {
			t.Fatal(err)
		}
		if mm.DLoss != mp.DLoss || !(mm.GLoss > mp.GLoss) {
			t.Errorf("%s: D loss %g vs %g (want equal), G loss %g vs %g (want larger with matching)", name, mm.DLoss, mp.DLoss, mm.GLoss, mp.GLoss)
		}
		v := matched.Store.GetVariable(DiscriminatorScope + "/feature_matching/real_mean")
		if v == nil {
			t.Fatalf("%s: no real_mean variable", name)
		}
		nonzero := 0
		for _, x := range tensors.MustCopyFlatData[float32](v.MustValue()) {
			if x != 0 {
				nonzero++
			}
		}
		if nonzero == 0 || v.Trainable {
			t.Errorf("%s: real_mean has %d non-zero values, trainable=%v", name, nonzero, v.Trainable)
		}
	}
}

// The average starts at the weights after the first step, then moves (1-beta)
// of the way to each new value, beta warming up as min(EMA, (1+t)/(10+t)): at
// the second step (t = 1 completed step) 2/11; and samples come from it.
func TestEMAOfGeneratorWeights(t *testing.T) {
	o := tinyOptions("mlp")
	o.EMA = 0.9
	g := newTestGAN(t, o)
	weights := func(prefix string) []float32 {
		v := g.Store.GetVariable(prefix + "/00_dense/dense/weights")
		if v == nil {
			t.Fatalf("no %s weights", prefix)
		}
		return tensors.MustCopyFlatData[float32](v.MustValue())
	}
	if _, err := g.TrainStep(randomBatch(o, 1)); err != nil {
		t.Fatal(err)
	}
	w1, e1 := weights(GeneratorScope), weights(EMAScope)
	if !slices.Equal(w1, e1) {
		t.Fatal("the average must start at the weights after the first step")
	}
	if _, err := g.TrainStep(randomBatch(o, 2)); err != nil {
		t.Fatal(err)
	}
	w2, e2 := weights(GeneratorScope), weights(EMAScope)
	for i := range w2 {
		const beta = 2.0 / 11
		want := beta*float64(w1[i]) + (1-beta)*float64(w2[i])
		if math.Abs(float64(e2[i])-want) > 1e-6 {
			t.Fatalf("ema[%d] = %g, want %g", i, e2[i], want)
		}
	}
	// Samples come from the average: they differ from the current generator's.
	avg, err := g.Generate(g.FixedNoise)
	if err != nil {
		t.Fatal(err)
	}
	o.EMA = 0
	plain := newTestGAN(t, o)
	for i, b := range []uint64{1, 2} {
		if _, err := plain.TrainStep(randomBatch(o, b)); err != nil {
			t.Fatal(i, err)
		}
	}
	cur, err := plain.Generate(plain.FixedNoise)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(tensors.MustCopyFlatData[float32](avg), tensors.MustCopyFlatData[float32](cur)) {
		t.Error("samples with EMA equal those of the current weights")
	}
}
