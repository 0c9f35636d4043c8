package gan

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/ganbook/ganbook/internal/nn"
)

// Scope paths of the two networks in the model store. Each network's Adam step
// counter and learning rate live under its own scope; Adam's moments live under
// /AdamOptimizer/<network>.
const (
	GeneratorScope     = "/generator"
	DiscriminatorScope = "/discriminator"
)

// adamEpsilon: PyTorch's Adam default, as in the lesson's notebook (GoMLX's default is 1e-7).
const adamEpsilon = 1e-8

// NumFixedNoise is the number of fixed noise vectors behind the sample grid: a
// 8x8 grid that shows the same "people" at every step of training.
const NumFixedNoise = 64

// GAN is a generator and a discriminator with their optimisers, the step count,
// a fixed noise batch and the metrics history.
type GAN struct {
	Opts    Options
	Store   *model.Store
	Backend compute.Backend

	// Step is the number of completed training steps (one discriminator and one
	// generator phase each).
	Step int
	// FixedNoise [NumFixedNoise, NoiseDim] is drawn once and kept across resume.
	FixedNoise *tensors.Tensor
	// History holds the metrics of every step of this process (and, after resume,
	// of the steps read back from metrics.csv by the caller).
	History []Metrics

	dExec, gExec, genExec *model.Exec
	dLossExec             *model.Exec // the discriminator's loss without a step
	genEMAExec            *model.Exec // the generator with averaged weights (Options.EMA)
	lrFactor              float64     // factor last written into the learning-rate variables (NaN: none yet)
}

// New builds a GAN with fresh weights. Nothing is computed until the first step.
func New(backend compute.Backend, o Options) (*GAN, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	store := model.NewStore()
	store.SetParam(initializer.ParamInitialSeed, o.Seed)
	if err := store.SetRNGStateFromSeed(o.Seed); err != nil {
		return nil, err
	}
	g := &GAN{Opts: o, Store: store, Backend: backend, FixedNoise: fixedNoise(o), lrFactor: math.NaN()}
	if err := g.buildExecs(); err != nil {
		return nil, err
	}
	return g, nil
}

// fixedNoise draws the sample grid's noise from the seed, on the host.
func fixedNoise(o Options) *tensors.Tensor { return Noise(NumFixedNoise, o.NoiseDim, o.Seed) }

// Noise draws n noise vectors of dim numbers from N(0, 1) with the given seed.
func Noise(n, dim int, seed int64) *tensors.Tensor {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	z := make([]float32, n*dim)
	for i := range z {
		z[i] = float32(rng.NormFloat64())
	}
	return tensors.FromFlatDataAndDimensions(z, n, dim)
}

func (g *GAN) adam(lr float64) optimizer.Interface {
	return optimizer.Adam().LearningRate(lr).Betas(g.Opts.Beta1, g.Opts.Beta2).Epsilon(adamEpsilon).Done()
}

func (g *GAN) buildExecs() error {
	o := g.Opts
	gen, disc := g.Store.Scope(GeneratorScope), g.Store.Scope(DiscriminatorScope)
	dOpt, gOpt := g.adam(o.LRD), g.adam(o.LRG)
	realTarget := 1 - o.LabelSmoothing

	// realMean holds the mean discriminator features of the last real batch
	// (Options.FeatureMatching); whichever graph runs first creates it.
	realMean := func(features *Node) *model.Variable {
		width := features.Shape().Dim(1)
		return disc.At("feature_matching").WithInitializer(initializer.Zero).
			VariableWithShape("real_mean", shapes.Make(dtypes.Float32, width)).SetTrainable(false)
	}
	// The discriminator's loss: real images should score 1, generated ones 0.
	dLossOf := func(scope *model.Scope, real *Node, remember bool) (dLoss, dReal, dFake *Node) {
		graph := real.Graph()
		g.Store.SetTraining(graph, true)
		gen.SetGraphParam(graph, nn.ParamFrozenAverages, true) // this phase must not change the generator
		z := scope.RandomNormal(graph, shapes.Make(dtypes.Float32, o.Batch, o.NoiseDim))
		fake := GeneratorScales(gen, z, o) // one image, or an MSG-GAN's images at each scale
		for i := range fake {
			fake[i] = StopGradient(fake[i])
		}
		realLogits, realFeatures := DiscriminatorFeatures(disc, Pyramid(real, o), o)
		fakeLogits := DiscriminatorScales(disc, fake, o)
		dLoss = Add(BCEWithLogits(realLogits, realTarget), BCEWithLogits(fakeLogits, 0))
		if o.FeatureMatching > 0 && remember {
			// Remembered for the generator phase, which sees no real batch.
			realMean(realFeatures).SetNodeValue(StopGradient(ReduceMean(realFeatures, 0)))
		}
		return dLoss, ReduceAllMean(Sigmoid(realLogits)), ReduceAllMean(Sigmoid(fakeLogits))
	}
	// The discriminator phase: one Adam step on that loss.
	dStep := func(scope *model.Scope, real *Node) (dLoss, dReal, dFake *Node) {
		dLoss, dReal, dFake = dLossOf(scope, real, true)
		dOpt.UpdateGraph(disc, real.Graph(), dLoss)
		return dLoss, dReal, dFake
	}
	// The same loss without a step, for Options.SkipDBelow: both networks' batch
	// norm averages stay as they are.
	dLossOnly := func(scope *model.Scope, real *Node) *Node {
		disc.SetGraphParam(real.Graph(), nn.ParamFrozenAverages, true)
		dLoss, _, _ := dLossOf(scope, real, false) // a measurement changes no variable
		return dLoss
	}
	// The generator phase: through the frozen discriminator, generated images
	// should score 1. Only the generator's variables are in the optimiser's scope.
	gStep := func(scope *model.Scope, graph *Graph) (gLoss, dFake *Node) {
		g.Store.SetTraining(graph, true)
		disc.SetGraphParam(graph, nn.ParamFrozenAverages, true) // the discriminator is frozen
		z := scope.RandomNormal(graph, shapes.Make(dtypes.Float32, o.Batch, o.NoiseDim))
		fakeLogits, fakeFeatures := DiscriminatorFeatures(disc, GeneratorScales(gen, z, o), o)
		gLoss = BCEWithLogits(fakeLogits, 1)
		if o.FeatureMatching > 0 {
			diff := Sub(ReduceMean(fakeFeatures, 0), realMean(fakeFeatures).NodeValue(graph))
			gLoss = Add(gLoss, MulScalar(ReduceAllSum(Square(diff)), o.FeatureMatching))
		}
		gOpt.UpdateGraph(gen, graph, gLoss)
		return gLoss, ReduceAllMean(Sigmoid(fakeLogits))
	}
	generate := func(scope *model.Scope, z *Node) *Node {
		g.Store.SetTraining(z.Graph(), false)
		nn.LiveVariables(gen, z.Graph()) // the weights change between calls
		return Generator(gen, z, o)
	}
	generateEMA := func(scope *model.Scope, z *Node) *Node {
		g.Store.SetTraining(z.Graph(), false)
		nn.LiveVariables(g.Store.Scope(EMAScope), z.Graph())
		return Generator(g.Store.Scope(EMAScope), z, o)
	}
	var err error
	if g.dExec, err = model.NewExec(g.Backend, g.Store, dStep); err != nil {
		return err
	}
	if g.gExec, err = model.NewExec(g.Backend, g.Store, gStep); err != nil {
		return err
	}
	if g.dLossExec, err = model.NewExec(g.Backend, g.Store, dLossOnly); err != nil {
		return err
	}
	if g.genEMAExec, err = model.NewExec(g.Backend, g.Store, generateEMA); err != nil {
		return err
	}
	g.genExec, err = model.NewExec(g.Backend, g.Store, generate)
	return err
}

// BCEWithLogits is the mean binary cross-entropy of sigmoid(logits) against a
// constant target t: mean(softplus(x) - t*x). It equals -log D(x) for t = 1 and
// -log(1 - D(x)) for t = 0, computed without overflow.
func BCEWithLogits(logits *Node, target float64) *Node {
	return ReduceAllMean(Sub(Softplus(logits), MulScalar(logits, target)))
}

// DiscriminatorMetrics are the results of one discriminator step.
type DiscriminatorMetrics struct {
	Loss  float64 // BCE on real (target 1) plus BCE on generated (target 0)
	DReal float64 // D(x): mean probability the discriminator gives real images
	DFake float64 // D(G(z)): mean probability it gives generated images
}

// TrainDiscriminator runs the lesson's first phase: one discriminator step on
// real [Batch, Size, Size, Channels] (values in [-1, 1]) and a freshly generated
// batch. Only the discriminator's variables change.
func (g *GAN) TrainDiscriminator(real *tensors.Tensor) (m DiscriminatorMetrics, err error) {
	if err := g.checkBatch(real); err != nil {
		return m, err
	}
	out, err := nn.Call(g.dExec, real)
	if err != nil {
		return m, err
	}
	m = DiscriminatorMetrics{Loss: nn.ScalarValue(out[0]), DReal: nn.ScalarValue(out[1]), DFake: nn.ScalarValue(out[2])}
	return m, nil
}

func (g *GAN) checkBatch(real *tensors.Tensor) error {
	want := []int{g.Opts.Batch, g.Opts.Size, g.Opts.Size, g.Opts.Channels}
	if !real.Shape().Equal(shapes.Make(dtypes.Float32, want...)) {
		return fmt.Errorf("real batch has shape %s, want float32%v", real.Shape(), want)
	}
	return nil
}

// DiscriminatorLoss measures the discriminator's loss on real and a freshly
// generated batch without training it.
func (g *GAN) DiscriminatorLoss(real *tensors.Tensor) (float64, error) {
	if err := g.checkBatch(real); err != nil {
		return 0, err
	}
	out, err := nn.Call(g.dLossExec, real)
	if err != nil {
		return 0, err
	}
	return nn.ScalarValue(out[0]), nil
}

// GeneratorMetrics are the results of one generator step.
type GeneratorMetrics struct {
	Loss  float64 // BCE of D(G(z)) against target 1
	DFake float64 // D(G(z)) before this step's update
}

// TrainGenerator runs the lesson's second phase: one generator step through the
// frozen discriminator with target 1. Only the generator's variables change.
func (g *GAN) TrainGenerator() (m GeneratorMetrics, err error) {
	out, err := nn.Call(g.gExec)
	if err != nil {
		return m, err
	}
	if g.Opts.EMA > 0 {
		if err := g.updateEMA(); err != nil {
			return m, err
		}
	}
	return GeneratorMetrics{Loss: nn.ScalarValue(out[0]), DFake: nn.ScalarValue(out[1])}, nil
}

// TrainStep runs both phases on one real batch and records the metrics. With
// Options.SkipDBelow set, the discriminator's loss on this batch is measured
// first and its step skipped while the loss is below the threshold (the
// discriminator is winning): the lesson's advice for keeping the balance.
func (g *GAN) TrainStep(real *tensors.Tensor) (Metrics, error) {
	m := Metrics{Step: g.Step + 1}
	if err := g.setLRFactor(g.Opts.LRFactor(m.Step)); err != nil {
		return m, err
	}
	skip := false
	if g.Opts.SkipDBelow > 0 {
		loss, err := g.DiscriminatorLoss(real)
		if err != nil {
			return m, err
		}
		skip = loss < g.Opts.SkipDBelow
		m.DLoss, m.DReal = loss, nanMetric
	}
	if skip {
		m.DSkipped = true
	} else {
		d, err := g.TrainDiscriminator(real)
		if err != nil {
			return m, err
		}
		m.DLoss, m.DReal = d.Loss, d.DReal
	}
	gm, err := g.TrainGenerator()
	if err != nil {
		return m, err
	}
	m.GLoss, m.DFake = gm.Loss, gm.DFake
	if err := m.check(); err != nil {
		return m, err
	}
	g.Step++
	g.History = append(g.History, m)
	return m, nil
}

// setLRFactor sets both networks' Adam learning rates to f times their base
// values. The variables exist once each network's step has been built (after
// the first step), before that the base rates are in effect.
func (g *GAN) setLRFactor(f float64) error {
	if f == g.lrFactor {
		return nil
	}
	found := false
	for v := range g.Store.IterVariables() {
		base := 0.0
		switch {
		case !strings.HasSuffix(v.Path(), "/"+optimizer.ParamLearningRate):
			continue
		case strings.HasPrefix(v.Path(), GeneratorScope+"/"):
			base = g.Opts.LRG
		case strings.HasPrefix(v.Path(), DiscriminatorScope+"/"):
			base = g.Opts.LRD
		default:
			continue
		}
		if err := v.SetValue(tensors.FromScalar(float32(base * f))); err != nil {
			return fmt.Errorf("setting learning rate %s: %w", v.Path(), err)
		}
		found = true
	}
	if found {
		g.lrFactor = f
	}
	return nil
}

// LearningRates returns the learning rates the next step uses.
func (g *GAN) LearningRates() (d, gen float64) {
	f := g.Opts.LRFactor(g.Step + 1)
	return g.Opts.LRD * f, g.Opts.LRG * f
}

// Generate runs the generator in inference mode on noise z [N, NoiseDim] and
// returns images [N, Size, Size, Channels] in [-1, 1].
func (g *GAN) Generate(z *tensors.Tensor) (*tensors.Tensor, error) {
	if z.Rank() != 2 || z.Shape().Dim(1) != g.Opts.NoiseDim {
		return nil, fmt.Errorf("noise has shape %s, want [N, %d]", z.Shape(), g.Opts.NoiseDim)
	}
	exec := g.genExec
	if g.Opts.EMA > 0 && g.hasEMA() {
		exec = g.genEMAExec // the averaged generator, once it exists (also after a restore)
	}
	out, err := nn.Call(exec, z)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// Fingerprint is a SHA-256 over every variable under a scope path (e.g.
// DiscriminatorScope): equal fingerprints mean bit-identical weights. The
// notebooks use it to show that a generator step leaves the discriminator alone.
func (g *GAN) Fingerprint(scopePath string) string {
	h := sha256.New()
	var paths []string
	vars := map[string]*model.Variable{}
	for v := range g.Store.IterVariables() {
		if strings.HasPrefix(v.Path(), scopePath+"/") && v.HasValue() {
			paths = append(paths, v.Path())
			vars[v.Path()] = v
		}
	}
	sort.Strings(paths)
	for _, p := range paths {
		h.Write([]byte(p))
		vars[p].MustValue().ConstBytes(func(b []byte) { h.Write(b) })
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
