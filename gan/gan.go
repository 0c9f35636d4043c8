package gan

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
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

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/internal/nn"
)

// Scope paths of the two networks in the model store. Each network's Adam step
// counter and learning rate live under its own scope; Adam's moments live under
// /AdamOptimizer/<network>.
const (
	GeneratorScope     = "/generator"
	DiscriminatorScope = "/discriminator"
)

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
	// History holds the metrics of every step this process trained (a resumed
	// run starts it empty: the earlier steps are in the run's metrics.csv).
	History []Metrics

	dExec, gExec, genExec *model.Exec
	dLossExec             *model.Exec // the discriminator's loss without a step
	genEMAExec            *model.Exec // the generator with averaged weights (Options.EMA)
	lrFactor              float64     // factor last written into the learning-rate variables (NaN: none yet)
	parts                 Parts       // the networks and losses of a learner's own (nil fields: the package's)

	// fixedLatent, set only by tests, replaces the random draw of the training
	// noise (and classes) with these constants: backends' random generators
	// differ, so comparing two backends' steps needs the same noise.
	fixedLatent *fixedLatent
}

// fixedLatent is a training batch's noise [Batch, NoiseDim] and, for a
// conditional GAN, its classes [Batch] (int32).
type fixedLatent struct{ z, classes *tensors.Tensor }

// New builds a GAN with fresh weights: both networks' variables exist when it
// returns, so a phase, a sample grid or a fingerprint can come first.
func New(backend compute.Backend, o Options) (*GAN, error) { return NewWith(backend, o, Parts{}) }

// NewWith is New with networks or losses of your own (Parts).
func NewWith(backend compute.Backend, o Options, parts Parts) (*GAN, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if err := parts.check(o); err != nil {
		return nil, err
	}
	store := model.NewStore()
	store.SetParam(initializer.ParamInitialSeed, o.Seed)
	if err := store.SetRNGStateFromSeed(o.Seed); err != nil {
		return nil, err
	}
	g := &GAN{Opts: o, Store: store, Backend: backend, FixedNoise: fixedNoise(o), lrFactor: math.NaN(), parts: parts}
	if err := g.createVariables(); err != nil {
		return nil, fmt.Errorf("creating the networks' variables: %w", err)
	}
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
	return optimizer.Adam().LearningRate(lr).Betas(g.Opts.Beta1, g.Opts.Beta2).Epsilon(nn.AdamEpsilon).Done()
}

// The two networks' scopes in the model store.
func (g *GAN) generatorScope() *model.Scope     { return g.Store.Scope(GeneratorScope) }
func (g *GAN) discriminatorScope() *model.Scope { return g.Store.Scope(DiscriminatorScope) }

// realMeanVariable holds the mean discriminator features of the last real batch
// (Options.FeatureMatching): the discriminator phase writes it, the generator
// phase, which sees no real batch, reads it.
func (g *GAN) realMeanVariable(width int) *model.Variable {
	return g.discriminatorScope().At("feature_matching").WithInitializer(initializer.Zero).
		VariableWithShape("real_mean", shapes.Make(dtypes.Float32, width)).SetTrainable(false)
}

// createVariables runs the generator and then the discriminator once, in
// inference mode, on zero noise: every weight then exists with its initial
// value, so any method (a phase, a sample grid, a fingerprint) can come first.
func (g *GAN) createVariables() error {
	o := g.Opts
	build := func(scope *model.Scope, z *Node) *Node {
		g.Store.SetTraining(z.Graph(), false)
		fake := g.generator(z)
		var classes *Node // a conditional GAN's one-hot classes: the end of z
		if o.Conditional() {
			classes = Slice(z, AxisRange(), AxisRange(o.NoiseDim))
		}
		logits, features := g.judge(fake, classes)
		if o.FeatureMatching > 0 {
			g.realMeanVariable(features.Shape().Dim(1))
		}
		return ReduceAllSum(logits)
	}
	exec, err := model.NewExec(g.Backend, g.Store, build)
	if err != nil {
		return err
	}
	_, err = nn.Call(exec, tensors.FromShape(shapes.Make(dtypes.Float32, 2, o.LatentDim())))
	return err
}

// buildExecs compiles (lazily, on first call) the graphs of the two phases and
// of sampling; each graph function is a method in phases.go or below.
func (g *GAN) buildExecs() error {
	var err error
	if g.dExec, err = model.NewExec(g.Backend, g.Store, g.discriminatorStep); err != nil {
		return err
	}
	if g.dLossExec, err = model.NewExec(g.Backend, g.Store, g.discriminatorLossOnly); err != nil {
		return err
	}
	if g.gExec, err = model.NewExec(g.Backend, g.Store, g.generatorStep); err != nil {
		return err
	}
	if g.genExec, err = model.NewExec(g.Backend, g.Store, g.generate); err != nil {
		return err
	}
	g.genEMAExec, err = model.NewExec(g.Backend, g.Store, g.generateEMA)
	return err
}

// generate is the sampling graph: the generator in inference mode.
func (g *GAN) generate(scope *model.Scope, z *Node) *Node {
	g.Store.SetTraining(z.Graph(), false)
	nn.LiveVariables(g.generatorScope(), z.Graph()) // the weights change between calls
	return g.generator(z)[0]
}

// generateEMA samples from the averaged generator (Options.EMA).
func (g *GAN) generateEMA(scope *model.Scope, z *Node) *Node {
	ema := g.Store.Scope(EMAScope)
	g.Store.SetTraining(z.Graph(), false)
	nn.LiveVariables(ema, z.Graph())
	return g.generatorIn(ema, z)[0]
}

// BCEWithLogits is the mean binary cross-entropy of sigmoid(logits) against a
// constant target t: mean(softplus(x) - t*x). It equals -log D(x) for t = 1 and
// -log(1 - D(x)) for t = 0, computed without overflow.
func BCEWithLogits(logits *Node, target float64) *Node {
	return ReduceAllMean(Sub(Softplus(logits), MulScalar(logits, target)))
}

// TrainStep runs both phases on one real batch and records the metrics. With
// Options.SkipDBelow set, the discriminator's loss on this batch is measured
// first and its step skipped while the loss is below the threshold (the
// discriminator is winning): the lesson's advice for keeping the balance.
func (g *GAN) TrainStep(real dataset.Batch) (Metrics, error) {
	if err := g.setLRFactor(g.Opts.LRFactor(g.Step + 1)); err != nil {
		return Metrics{}, err
	}
	var d DiscriminatorMetrics
	skip := false
	if g.Opts.SkipDBelow > 0 {
		loss, err := g.DiscriminatorLoss(real)
		if err != nil {
			return Metrics{}, err
		}
		skip = loss < g.Opts.SkipDBelow
		d = DiscriminatorMetrics{Loss: loss, DReal: nanMetric, Skipped: true}
	}
	if !skip {
		var err error
		if d, err = g.TrainDiscriminator(real); err != nil {
			return Metrics{}, err
		}
	}
	gm, err := g.TrainGenerator()
	if err != nil {
		return Metrics{}, err
	}
	return g.EndStep(d, gm)
}

// EndStep counts a training step whose two phases gave d and gen: it checks
// that the losses are finite (else ErrDiverged), adds one to Step, keeps the
// metrics in History and returns them. A loop that calls the two phases
// itself (notebook 01) ends each step with it. Such a loop has no
// learning-rate schedule (Options.DecayEnd) and never skips the
// discriminator (Options.SkipDBelow): TrainStep does both.
func (g *GAN) EndStep(d DiscriminatorMetrics, gen GeneratorMetrics) (Metrics, error) {
	m := Metrics{Step: g.Step + 1, DLoss: d.Loss, DReal: d.DReal, DSkipped: d.Skipped, GLoss: gen.Loss, DFake: gen.DFake}
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

// GenerateClasses runs the generator in inference mode on noise z
// [N, NoiseDim] and returns images [N, Size, Size, Channels] in [-1, 1]. A
// conditional GAN draws image i of class classes[i] (nil: i % Classes, every
// class equally often); an unconditional GAN ignores classes.
func (g *GAN) GenerateClasses(z *tensors.Tensor, classes []int) (*tensors.Tensor, error) {
	o := g.Opts
	if z.Rank() != 2 || z.Shape().Dim(1) != o.NoiseDim {
		return nil, fmt.Errorf("noise has shape %s, want [N, %d]", z.Shape(), o.NoiseDim)
	}
	latent := z
	if o.Conditional() {
		n := z.Shape().Dim(0)
		if classes == nil {
			classes = g.SampleClasses(n)
		}
		if len(classes) != n {
			return nil, fmt.Errorf("%d classes for %d noise vectors", len(classes), n)
		}
		hot, err := oneHot(classes, o.Classes)
		if err != nil {
			return nil, err
		}
		noise := tensors.MustCopyFlatData[float32](z)
		flat := make([]float32, 0, n*o.LatentDim())
		for i := range n {
			flat = append(flat, noise[i*o.NoiseDim:(i+1)*o.NoiseDim]...)
			flat = append(flat, hot[i*o.Classes:(i+1)*o.Classes]...)
		}
		latent = tensors.FromFlatDataAndDimensions(flat, n, o.LatentDim())
		defer latent.FinalizeAll()
	}
	exec := g.genExec
	if o.EMA > 0 && g.hasEMA() {
		exec = g.genEMAExec // the averaged generator, once it exists (also after a restore)
	}
	out, err := nn.Call(exec, latent)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// minPerCluster is the fewest pictures per cluster a self-conditioned GAN
// accepts: a cluster of one picture would teach its class to copy it.
const minPerCluster = 2

// SampleClasses are the classes a conditional GAN draws n samples of
// (GenerateClasses with nil, GenerateN): every class equally often, image i class i % Classes.
// nil for an unconditional GAN.
func (g *GAN) SampleClasses(n int) []int {
	if !g.Opts.Conditional() {
		return nil
	}
	return EvenClasses(0, n, g.Opts.Classes)
}

// EvenClasses are the classes of images start to start+n-1 when every class
// is drawn equally often: image i draws class i % classes.
func EvenClasses(start, n, classes int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = (start + i) % classes
	}
	return out
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

// Batches returns the batches a run draws from data from its current step
// on: seeded by the options' seed and the step, so a resumed run does not
// replay the batches it already trained on. A self-conditioned GAN's batches
// carry each picture's cluster as its label (the same clusters on resume:
// they depend only on the pictures and the seed).
func (g *GAN) Batches(data *dataset.Dataset) (*dataset.Batcher, error) {
	if data.Size != g.Opts.Size || data.Chan != g.Opts.Channels {
		return nil, fmt.Errorf("dataset %s has %dx%dx%d images, the model wants %dx%dx%d", data.Name,
			data.Size, data.Size, data.Chan, g.Opts.Size, g.Opts.Size, g.Opts.Channels)
	}
	if data.N < g.Opts.Batch {
		return dataset.NewBatcher(data, g.Opts.Batch, 0) // says so: fewer pictures than a batch comes first
	}
	if g.Opts.SelfConditioned() {
		if data.N < minPerCluster*g.Opts.Classes {
			return nil, &ClassesError{Dataset: "dataset " + data.Name, Classes: g.Opts.Classes, Pictures: data.N, Fit: fitClusters(data.N)}
		}
		clustered := *data // the clusters are the labels (Options.SelfCondition)
		clustered.Labels = dataset.Cluster(data, g.Opts.Classes, g.Opts.Seed)
		data = &clustered
	}
	if g.Opts.Conditional() {
		if len(data.Labels) != data.N {
			return nil, &ClassesError{Dataset: "dataset " + data.Name, Classes: g.Opts.Classes, Label: -1}
		}
		if top := int(slices.Max(data.Labels)); top >= g.Opts.Classes {
			return nil, &ClassesError{Dataset: "dataset " + data.Name, Classes: g.Opts.Classes, Label: top, Fit: top + 1}
		}
	}
	return dataset.NewBatcher(data, g.Opts.Batch, g.Opts.Seed+int64(g.Step))
}
