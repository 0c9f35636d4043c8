package gan

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/internal/nn"
)

// The lesson's two training phases. Each has a graph function (lower case), the
// computation GoMLX compiles, right beside the public method that runs it.

// ---------------------------------------------------------------------------
// Phase 1: train the discriminator.
//
// Objective: real images should score 1 (1-LabelSmoothing with label
// smoothing), generated images 0:
//
//	loss_D = BCE(D(x), 1) + BCE(D(G(z)), 0)
//
// The generator only produces the fakes: its images are cut from the gradient
// (StopGradient) and its batch-norm averages are frozen, so this phase changes
// no generator variable. Only the discriminator is in the optimiser's scope.
// ---------------------------------------------------------------------------

// DiscriminatorMetrics are the results of one discriminator step.
type DiscriminatorMetrics struct {
	Loss  float64 // BCE on real (target 1) plus BCE on generated (target 0)
	DReal float64 // D(x): mean probability the discriminator gives real images
	DFake float64 // D(G(z)): mean probability it gives generated images
	// Skipped: the step was skipped (Options.SkipDBelow), Loss only measured.
	Skipped bool
}

// discriminatorLoss computes loss_D on a real batch and a freshly generated
// one. classes is the real batch's one-hot classes for a conditional GAN (nil
// otherwise). It also returns the discriminator's features of the real batch
// (for feature matching).
func (g *GAN) discriminatorLoss(scope *model.Scope, real, classes *Node) (loss, dReal, dFake, realFeatures *Node) {
	o, graph := g.Opts, real.Graph()
	g.Store.SetTraining(graph, true)
	g.generatorScope().SetGraphParam(graph, nn.ParamFrozenAverages, true) // this phase must not change the generator
	z, fakeClasses := g.latent(scope, graph)
	fake := g.generator(z) // one image, or an MSG-GAN's images at each scale
	for i := range fake {
		fake[i] = StopGradient(fake[i])
	}
	// With Options.Augment, both batches pass the same kind of random changes
	// on their way in (DiffAugment): the discriminator judges changed pictures.
	realLogits, realFeatures := g.judge(g.augment(scope, Pyramid(real, o)), classes)
	fakeLogits, _ := g.judge(g.augment(scope, fake), fakeClasses)
	loss = g.discriminatorLossOf(realLogits, fakeLogits)
	return loss, ReduceAllMean(Sigmoid(realLogits)), ReduceAllMean(Sigmoid(fakeLogits)), realFeatures
}

// latent draws a training batch of generator inputs [Batch, LatentDim]: noise
// from N(0, 1) and, for a conditional GAN, classes drawn uniformly, one-hot
// (also returned; nil otherwise).
func (g *GAN) latent(scope *model.Scope, graph *Graph) (z, classes *Node) {
	o := g.Opts
	if g.fixedLatent != nil {
		z = Const(graph, g.fixedLatent.z)
	} else {
		z = scope.RandomNormal(graph, shapes.Make(dtypes.Float32, o.Batch, o.NoiseDim))
	}
	if !o.Conditional() {
		return z, nil
	}
	var drawn *Node
	if g.fixedLatent != nil {
		drawn = Const(graph, g.fixedLatent.classes)
	} else {
		drawn = scope.RandomIntN(graph, int32(o.Classes), shapes.Make(dtypes.Int32, o.Batch)) // int32: a plain int draws nothing
	}
	classes = OneHot(drawn, o.Classes, dtypes.Float32)
	z = Concatenate([]*Node{z, classes}, -1)
	z.AssertDims(o.Batch, o.LatentDim())
	return z, classes
}

// augment applies Options.Augment to a single-scale batch (Validate refuses
// it for an MSG-GAN); without a policy the images pass unchanged.
func (g *GAN) augment(scope *model.Scope, imgs []*Node) []*Node {
	if !g.Opts.augmenting() {
		return imgs
	}
	return []*Node{Augment(scope, imgs[0], g.Opts.Augment)}
}

// realInputs splits a phase-1 graph's inputs: the real batch, then its one-hot
// classes for a conditional GAN.
func realInputs(inputs []*Node) (real, classes *Node) {
	if len(inputs) > 1 {
		classes = inputs[1]
	}
	return inputs[0], classes
}

// discriminatorStep is phase 1's graph: loss_D and one Adam step on the
// discriminator's variables.
func (g *GAN) discriminatorStep(scope *model.Scope, inputs []*Node) []*Node {
	real, classes := realInputs(inputs)
	loss, dReal, dFake, realFeatures := g.discriminatorLoss(scope, real, classes)
	if g.Opts.FeatureMatching > 0 {
		// Remembered for the generator phase, which sees no real batch.
		g.realMeanVariable(realFeatures.Shape().Dim(1)).SetNodeValue(StopGradient(ReduceMean(realFeatures, 0)))
	}
	g.adam(g.Opts.LRD).UpdateGraph(g.discriminatorScope(), real.Graph(), loss)
	return []*Node{loss, dReal, dFake}
}

// TrainDiscriminator runs the lesson's first phase: one discriminator step on
// a real batch (images [Batch, Size, Size, Channels], values in [-1, 1], and
// their labels for a conditional GAN) and a freshly generated batch. Only the
// discriminator's variables change.
func (g *GAN) TrainDiscriminator(real dataset.Batch) (m DiscriminatorMetrics, err error) {
	inputs, err := g.realBatch(real)
	if err != nil {
		return m, err
	}
	out, err := nn.Call(g.dExec, inputs...)
	if err != nil {
		return m, err
	}
	return DiscriminatorMetrics{Loss: nn.ScalarValue(out[0]), DReal: nn.ScalarValue(out[1]), DFake: nn.ScalarValue(out[2])}, nil
}

// discriminatorLossOnly measures loss_D without a step (Options.SkipDBelow):
// both networks' batch-norm averages stay as they are.
func (g *GAN) discriminatorLossOnly(scope *model.Scope, inputs []*Node) *Node {
	real, classes := realInputs(inputs)
	g.discriminatorScope().SetGraphParam(real.Graph(), nn.ParamFrozenAverages, true)
	loss, _, _, _ := g.discriminatorLoss(scope, real, classes)
	return loss
}

// DiscriminatorLoss measures the discriminator's loss on real and a freshly
// generated batch without training it.
func (g *GAN) DiscriminatorLoss(real dataset.Batch) (float64, error) {
	inputs, err := g.realBatch(real)
	if err != nil {
		return 0, err
	}
	out, err := nn.Call(g.dLossExec, inputs...)
	if err != nil {
		return 0, err
	}
	return nn.ScalarValue(out[0]), nil
}

// realBatch checks a real batch and returns phase 1's inputs: the images, and
// for a conditional GAN their classes one-hot.
func (g *GAN) realBatch(real dataset.Batch) ([]any, error) {
	if err := g.checkBatch(real.Images); err != nil {
		return nil, err
	}
	if !g.Opts.Conditional() {
		return []any{real.Images}, nil
	}
	if len(real.Labels) != g.Opts.Batch {
		return nil, &ClassesError{Dataset: fmt.Sprintf("the batch of %d images (%d labels)", g.Opts.Batch, len(real.Labels)), Classes: g.Opts.Classes, Label: -1}
	}
	classes, err := OneHotClasses(real.Labels, g.Opts.Classes)
	if err != nil {
		return nil, err
	}
	return []any{real.Images, classes}, nil
}

// OneHotClasses turns class labels into a one-hot tensor [len(labels), classes].
func OneHotClasses(labels []int, classes int) (*tensors.Tensor, error) {
	flat, err := oneHot(labels, classes)
	if err != nil {
		return nil, err
	}
	return tensors.FromFlatDataAndDimensions(flat, len(labels), classes), nil
}

// oneHot is OneHotClasses' values, flat [len(labels) * classes].
func oneHot(labels []int, classes int) ([]float32, error) {
	flat := make([]float32, len(labels)*classes)
	for i, c := range labels {
		if c < 0 || c >= classes {
			return nil, fmt.Errorf("label %d of image %d is outside the GAN's %d classes", c, i, classes)
		}
		flat[i*classes+c] = 1
	}
	return flat, nil
}

func (g *GAN) checkBatch(real *tensors.Tensor) error {
	want := []int{g.Opts.Batch, g.Opts.Size, g.Opts.Size, g.Opts.Channels}
	if !real.Shape().Equal(shapes.Make(dtypes.Float32, want...)) {
		return fmt.Errorf("real batch has shape %s, want float32%v", real.Shape(), want)
	}
	return nil
}

// ---------------------------------------------------------------------------
// Phase 2: train the generator, the discriminator frozen.
//
// Objective: through the frozen discriminator, generated images should score 1
// ("fool it"):
//
//	loss_G = BCE(D(G(z)), 1)   [+ FeatureMatching * |mean f(G(z)) - mean f(x)|^2]
//
// The gradient flows through the discriminator to the generator, but only the
// generator's variables are in the optimiser's scope, and the discriminator's
// batch-norm averages are frozen: the discriminator does not change.
// ---------------------------------------------------------------------------

// GeneratorMetrics are the results of one generator step.
type GeneratorMetrics struct {
	Loss  float64 // BCE of D(G(z)) against target 1
	DFake float64 // D(G(z)) before this step's update
}

// generatorStep is phase 2's graph: loss_G and one Adam step on the
// generator's variables only.
func (g *GAN) generatorStep(scope *model.Scope, graph *Graph) (loss, dFake *Node) {
	o := g.Opts
	g.Store.SetTraining(graph, true)
	g.discriminatorScope().SetGraphParam(graph, nn.ParamFrozenAverages, true) // the discriminator is frozen
	z, classes := g.latent(scope, graph)
	fakeLogits, fakeFeatures := g.judge(g.augment(scope, g.generator(z)), classes) // the gradient passes the changes
	loss = g.generatorLossOf(fakeLogits)
	if o.FeatureMatching > 0 {
		realMean := g.realMeanVariable(fakeFeatures.Shape().Dim(1)).NodeValue(graph)
		diff := Sub(ReduceMean(fakeFeatures, 0), realMean)
		loss = Add(loss, MulScalar(ReduceAllSum(Square(diff)), o.FeatureMatching))
	}
	g.adam(o.LRG).UpdateGraph(g.generatorScope(), graph, loss)
	return loss, ReduceAllMean(Sigmoid(fakeLogits))
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
