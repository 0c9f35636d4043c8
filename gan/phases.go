package gan

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

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
}

// discriminatorLoss computes loss_D on a real batch and a freshly generated
// one. It also returns the discriminator's features of the real batch (for
// feature matching).
func (g *GAN) discriminatorLoss(scope *model.Scope, real *Node) (loss, dReal, dFake, realFeatures *Node) {
	o, graph := g.Opts, real.Graph()
	g.Store.SetTraining(graph, true)
	g.generatorScope().SetGraphParam(graph, nn.ParamFrozenAverages, true) // this phase must not change the generator
	z := scope.RandomNormal(graph, shapes.Make(dtypes.Float32, o.Batch, o.NoiseDim))
	fake := GeneratorScales(g.generatorScope(), z, o) // one image, or an MSG-GAN's images at each scale
	for i := range fake {
		fake[i] = StopGradient(fake[i])
	}
	realLogits, realFeatures := DiscriminatorFeatures(g.discriminatorScope(), Pyramid(real, o), o)
	fakeLogits := DiscriminatorScales(g.discriminatorScope(), fake, o)
	loss = Add(BCEWithLogits(realLogits, 1-o.LabelSmoothing), BCEWithLogits(fakeLogits, 0))
	return loss, ReduceAllMean(Sigmoid(realLogits)), ReduceAllMean(Sigmoid(fakeLogits)), realFeatures
}

// discriminatorStep is phase 1's graph: loss_D and one Adam step on the
// discriminator's variables.
func (g *GAN) discriminatorStep(scope *model.Scope, real *Node) (loss, dReal, dFake *Node) {
	loss, dReal, dFake, realFeatures := g.discriminatorLoss(scope, real)
	if g.Opts.FeatureMatching > 0 {
		// Remembered for the generator phase, which sees no real batch.
		g.realMeanVariable(realFeatures.Shape().Dim(1)).SetNodeValue(StopGradient(ReduceMean(realFeatures, 0)))
	}
	g.adam(g.Opts.LRD).UpdateGraph(g.discriminatorScope(), real.Graph(), loss)
	return loss, dReal, dFake
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
	return DiscriminatorMetrics{Loss: nn.ScalarValue(out[0]), DReal: nn.ScalarValue(out[1]), DFake: nn.ScalarValue(out[2])}, nil
}

// discriminatorLossOnly measures loss_D without a step (Options.SkipDBelow):
// both networks' batch-norm averages stay as they are.
func (g *GAN) discriminatorLossOnly(scope *model.Scope, real *Node) *Node {
	g.discriminatorScope().SetGraphParam(real.Graph(), nn.ParamFrozenAverages, true)
	loss, _, _, _ := g.discriminatorLoss(scope, real)
	return loss
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
	z := scope.RandomNormal(graph, shapes.Make(dtypes.Float32, o.Batch, o.NoiseDim))
	fakeLogits, fakeFeatures := DiscriminatorFeatures(g.discriminatorScope(), GeneratorScales(g.generatorScope(), z, o), o)
	loss = BCEWithLogits(fakeLogits, 1)
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
