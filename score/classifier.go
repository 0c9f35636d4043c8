package score

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/internal/nn"
	"github.com/ganbook/ganbook/internal/safetensors"
)

// The classifier: a small convolutional network, hard for blurry or speckled
// digits to fool (an MLP classifier, ganbook's first scorer, gave its own
// generator's digits more confidence than they deserved):
//
//	28x28 gray -> conv 3x3, 32, ReLU, max-pool 2 -> 14x14x32
//	           -> conv 3x3, 64, ReLU, max-pool 2 -> 7x7x64
//	           -> dense 128, ReLU (the features; dropout 0.3 while training)
//	           -> dense 10 classes
//
// About 420,000 weights (1.7 MB); a few minutes of training on a 2-core CPU
// reach >= 99.2% on MNIST's test set (docs/results.md, "Scoring").
const (
	imageSize  = 28
	FeatureDim = 128
	Classes    = 10
	dropout    = 0.3
)

// Classifier is a trained digit (or clothing) classifier.
type Classifier struct {
	backend compute.Backend
	store   *model.Store
	infer   *model.Exec
}

func classify(scope *model.Scope, x *Node) (features, logits *Node) {
	b := x.Shape().Dim(0)
	if x.Rank() == 4 && x.Shape().Dim(3) == 3 { // RGB samples: judge their gray level
		x = ReduceAndKeep(x, ReduceMean, 3)
	}
	x = Reshape(x, b, imageSize, imageSize, 1)
	h := maxPool2x(activation.Relu(nn.Conv2D(scope.At("conv1"), x, nn.Conv{Out: 32, Kernel: 3, Pad: 1})))
	h = maxPool2x(activation.Relu(nn.Conv2D(scope.At("conv2"), h, nn.Conv{Out: 64, Kernel: 3, Pad: 1})))
	h.AssertDims(b, 7, 7, 64)
	features = activation.Relu(layers.DenseWithBias(scope.At("features"), Reshape(h, b, 7*7*64), FeatureDim))
	logits = layers.DenseWithBias(scope.At("logits"), layers.DropoutStatic(scope, features, dropout), Classes)
	return
}

// maxPool2x keeps the largest of each 2x2 block: [B,H,W,C] -> [B,H/2,W/2,C].
func maxPool2x(x *Node) *Node {
	b, h, w, c := x.Shape().Dim(0), x.Shape().Dim(1), x.Shape().Dim(2), x.Shape().Dim(3)
	return ReduceMax(Reshape(x, b, h/2, 2, w/2, 2, c), 2, 4)
}

func newClassifier(backend compute.Backend, store *model.Store) *Classifier {
	c := &Classifier{backend: backend, store: store}
	c.infer = model.MustNewExec(backend, store, func(scope *model.Scope, x *Node) (*Node, *Node) {
		f, l := classify(scope.At("classifier"), x)
		return f, Softmax(l, -1)
	})
	return c
}

// TrainClassifier trains on a 28x28 dataset with labels (MNIST or
// Fashion-MNIST): Adam 1e-3, batch 128, softmax cross-entropy, each image
// shifted by up to 2 pixels (LeCun et al. 1998 use such distortions; they keep
// the network from keying on exact positions); the learning rate drops to 1e-4
// for the last quarter of the steps (a step decay, as in He et al. 2016's
// ImageNet training). progress, if set, gets the step every 500 steps.
func TrainClassifier(backend compute.Backend, data *dataset.Dataset, steps int, seed int64, progress func(step int, loss float64)) (*Classifier, error) {
	if data.Size != imageSize || len(data.Labels) != data.N {
		return nil, fmt.Errorf("the classifier trains on 28x28 images with labels, got %dx%d and %d labels", data.Size, data.Size, len(data.Labels))
	}
	store := model.NewStore()
	store.SetParam("initializer_seed", seed)
	opt := optimizer.Adam().LearningRate(1e-3).Done()
	step := model.MustNewExec(backend, store, func(scope *model.Scope, x, labels *Node) *Node {
		// A training graph: GoMLX passes its variables (weights, Adam's state and
		// step) as parameters; the pure-Go backend would have any that already
		// hold a value compiled in as constants (nn.LiveVariables).
		store.SetTraining(x.Graph(), true)
		_, logits := classify(scope.At("classifier"), x)
		loss := Neg(ReduceAllMean(ReduceSum(Mul(OneHot(labels, Classes, dtypes.Float32), LogSoftmax(logits, -1)), -1)))
		opt.UpdateGraph(scope, x.Graph(), loss)
		return loss
	})
	const batch = 128
	rng := rand.New(rand.NewPCG(uint64(seed), 11))
	per := data.Size * data.Size * data.Chan
	for s := 1; s <= steps; s++ {
		if s == steps*3/4+1 {
			if err := setLearningRate(store, 1e-4); err != nil {
				return nil, err
			}
		}
		x := make([]float32, 0, batch*per)
		y := make([]int32, batch)
		for i := range batch {
			k := rng.IntN(data.N)
			x = append(x, shifted(data.Image(k), data.Size, data.Chan, rng.IntN(5)-2, rng.IntN(5)-2)...)
			y[i] = int32(data.Labels[k])
		}
		out, err := nn.Call(step, tensors.FromFlatDataAndDimensions(x, batch, data.Size, data.Size, data.Chan), tensors.FromFlatDataAndDimensions(y, batch))
		if err != nil {
			return nil, err
		}
		if progress != nil && (s%500 == 0 || s == steps) {
			progress(s, nn.ScalarValue(out[0]))
		}
	}
	return newClassifier(backend, store), nil
}

// setLearningRate sets Adam's learning-rate variable (created by the first step).
func setLearningRate(store *model.Store, lr float64) error {
	for v := range store.IterVariables() {
		if strings.HasSuffix(v.Path(), "/"+optimizer.ParamLearningRate) {
			return v.SetValue(tensors.FromScalar(float32(lr)))
		}
	}
	return fmt.Errorf("no learning-rate variable in the classifier's store")
}

// shifted moves an image by (dx, dy) pixels, filling with the background (-1).
func shifted(img []float32, size, channels, dx, dy int) []float32 {
	out := make([]float32, len(img))
	for i := range out {
		out[i] = -1
	}
	for y := range size {
		sy := y - dy
		if sy < 0 || sy >= size {
			continue
		}
		for x := range size {
			sx := x - dx
			if sx < 0 || sx >= size {
				continue
			}
			copy(out[(y*size+x)*channels:(y*size+x+1)*channels], img[(sy*size+sx)*channels:(sy*size+sx+1)*channels])
		}
	}
	return out
}

// Predict returns the features and class probabilities of images
// [n, 28, 28, channels] (flat, values in [-1, 1]).
func (c *Classifier) Predict(images []float32, n, channels int) (features, probs [][]float64, err error) {
	per := imageSize * imageSize * channels
	if len(images) != n*per {
		return nil, nil, fmt.Errorf("%d values are not %d images of 28x28x%d", len(images), n, channels)
	}
	const chunk = 500
	for start := 0; start < n; start += chunk {
		end := min(n, start+chunk)
		out, err := nn.Call(c.infer, tensors.FromFlatDataAndDimensions(images[start*per:end*per], end-start, imageSize, imageSize, channels))
		if err != nil {
			return nil, nil, err
		}
		features = append(features, rows(tensors.MustCopyFlatData[float32](out[0]), FeatureDim)...)
		probs = append(probs, rows(tensors.MustCopyFlatData[float32](out[1]), Classes)...)
	}
	return features, probs, nil
}

func rows(flat []float32, width int) [][]float64 {
	out := make([][]float64, len(flat)/width)
	for i := range out {
		out[i] = make([]float64, width)
		for j := range width {
			out[i][j] = float64(flat[i*width+j])
		}
	}
	return out
}

// Accuracy on a labelled dataset.
func (c *Classifier) Accuracy(data *dataset.Dataset) (float64, error) {
	_, probs, err := c.Predict(data.Images, data.N, data.Chan)
	if err != nil {
		return 0, err
	}
	right := 0
	for i, p := range probs {
		if argmax(p) == int(data.Labels[i]) {
			right++
		}
	}
	return float64(right) / float64(data.N), nil
}

func argmax(p []float64) int {
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	return best
}

// Save writes the classifier's weights as .safetensors.
func (c *Classifier) Save(path string) error {
	ts := map[string]safetensors.Tensor{}
	for v := range c.store.IterVariables() {
		if !v.Trainable || !v.HasValue() {
			continue
		}
		t := v.MustValue()
		if t.DType() != dtypes.Float32 {
			continue
		}
		ts[v.Path()] = safetensors.Tensor{Shape: t.Shape().Dimensions, Data: tensors.MustCopyFlatData[float32](t)}
	}
	return safetensors.Write(path, ts)
}

// numTensors: the weights and biases of the four layers.
const numTensors = 8

// loadClassifier reads weights written by Save.
func loadClassifier(backend compute.Backend, path string) (*Classifier, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return fromSafetensors(backend, f, path)
}

func fromSafetensors(backend compute.Backend, f *safetensors.File, path string) (*Classifier, error) {
	store := model.NewStore()
	for _, name := range f.Names() {
		e := f.Entries[name]
		data, err := f.Float32(name, e.Shape...)
		if err != nil {
			return nil, err
		}
		v, err := store.CreateVariable(name, tensors.FromFlatDataAndDimensions(data, e.Shape...))
		if err != nil {
			return nil, err
		}
		v.SetTrainable(false)
	}
	if store.NumVariables() != numTensors {
		return nil, fmt.Errorf("%s: %d tensors, a ganbook classifier has %d (weights of an older ganbook? retrain the classifier)", path, store.NumVariables(), numTensors)
	}
	return newClassifier(backend, store), nil
}
