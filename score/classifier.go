package score

import (
	"fmt"
	"math/rand/v2"

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

// The classifier: 28x28 gray digits -> 256 -> 128 (the features) -> 10 classes,
// ReLU. Small enough to train in seconds on a CPU, accurate enough (~98% on
// MNIST) to judge generated digits.
const (
	imageSize  = 28
	hidden     = 256
	FeatureDim = 128
	Classes    = 10
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
	h := activation.Relu(layers.DenseWithBias(scope.At("hidden"), Reshape(x, b, imageSize*imageSize), hidden))
	features = activation.Relu(layers.DenseWithBias(scope.At("features"), h, FeatureDim))
	logits = layers.DenseWithBias(scope.At("logits"), features, Classes)
	return
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
// Fashion-MNIST): Adam 1e-3, batch 128, softmax cross-entropy.
func TrainClassifier(backend compute.Backend, data *dataset.Dataset, steps int, seed int64) (*Classifier, error) {
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
	for range steps {
		x := make([]float32, 0, batch*per)
		y := make([]int32, batch)
		for i := range batch {
			k := rng.IntN(data.N)
			x = append(x, data.Image(k)...)
			y[i] = int32(data.Labels[k])
		}
		if _, err := nn.Call(step, tensors.FromFlatDataAndDimensions(x, batch, data.Size, data.Size, data.Chan), tensors.FromFlatDataAndDimensions(y, batch)); err != nil {
			return nil, err
		}
	}
	return newClassifier(backend, store), nil
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

// LoadClassifier reads weights written by Save.
func LoadClassifier(backend compute.Backend, path string) (*Classifier, error) {
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
	if store.NumVariables() != 6 {
		return nil, fmt.Errorf("%s: %d tensors, a ganbook classifier has 6", path, store.NumVariables())
	}
	return newClassifier(backend, store), nil
}
