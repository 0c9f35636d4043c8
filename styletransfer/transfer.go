package styletransfer

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/ganbook/ganbook/internal/imgio"
	"github.com/ganbook/ganbook/internal/loop"
	"github.com/ganbook/ganbook/internal/nn"
)

// Options of a style transfer. DefaultOptions gives the lesson's third run
// with L-BFGS.
type Options struct {
	Size  int // the generated image is Size x Size (content and style are centre-cropped and resized)
	Steps int

	Weights Weights // of the content, style and variation losses (the variation's at 256 px: Weights.AtSize)
	// Init is where the pixels start: "noise", "content", or "content+noise".
	Init string
	// Adam's learning rate on the pixels (in [0, 1]); beta1 0.99 as in the
	// TensorFlow style-transfer tutorial.
	LearningRate float64

	ContentLayer string   // default conv4_2 (Gatys et al.)
	StyleLayers  []string // default: pixels (the colours), then Gatys et al.'s conv1_1, conv2_1, conv3_1, conv4_1, conv5_1

	// Optimizer is "adam" (one gradient step per Step) or "lbfgs" (limited-
	// memory BFGS on the host over the graph's loss and gradient, as Gatys et
	// al. and PyTorch's tutorial; each Step is one L-BFGS iteration, usually one
	// evaluation, more when the line search backtracks).
	Optimizer string
	// Scales > 1 optimises coarse to fine: at Size/2^(Scales-1) first, then
	// each stage at twice the size, started from the previous result scaled up;
	// every stage runs Steps steps. 1: one scale.
	Scales int
	// Start, when set, is the picture the pixels start from (resized; it
	// overrides Init): how a coarse-to-fine stage continues the previous one.
	Start image.Image
	// stage marks a coarse-to-fine stage, which may be smaller than 64 pixels.
	stage bool

	// Network chooses the feature network's weights: a path to torchvision's
	// VGG-19 .safetensors, "download" (fetch the whole file once into the
	// cache), "features" (fetch only its convolutions once, by range
	// requests), "random" (random weights), or "" (a cached download or
	// features file if there is one, else the features fetched once, else
	// random when the Hub cannot be reached: DefaultWeights); see package assets.
	Network string
	Seed    int64

	// Every N steps (and at the last) Callback gets the progress; an error from
	// it stops the transfer.
	Every    int
	Callback func(p Progress) error
	// Notice, when set, hears which feature network runs (pretrained or
	// random weights) before the long work starts.
	Notice func(network string)
}

// Default loss weights of the balanced losses (see balance: content and style
// are shares of the photo-to-painting gap, variation a multiple of the
// photo's own). Chosen on four photo/painting pairs (chelsea / The Starry
// Night, astronaut / The Scream, coffee / The Starry Night, dog / The
// Scream) at 128, 256 and 512 px with random-weight features: every result
// kept the photo (SSIM of the luma at 64 px >= 0.5) and took the painting's
// style (independent style ratio <= 0.3), and the variation weight is the
// largest that did both, to hold back the speckle random features leave
// (docs/style-transfer.md, "Less speckle"). The variation weight is the one
// at VariationSize; see Weights.AtSize.
const (
	DefaultContentWeight   = 1
	DefaultStyleWeight     = 1
	DefaultVariationWeight = 0.1
)

// VariationSize is the image size at which Weights.Variation applies as it
// is; at other sizes AtSize scales it.
const VariationSize = 256

// AtSize is w for an image of size x size pixels: the variation weight
// scaled by VariationSize/size, the others as they are. Speckle is a pattern
// of single pixels, while the variation term's unit, the photo's own
// variation, falls per pixel as the size grows (its smooth areas spread over
// more pixels): at a fixed weight the same speckle cost twice as much at
// twice the size. Measured at weight 0.1 without scaling: the cat with The
// Starry Night at 512 px kept too little style (ratio 0.342); at 0.01 every
// 128 px result was speckled (up to 1.9x the fine detail of photo and
// painting).
func (w Weights) AtSize(size int) Weights {
	w.Variation *= float64(VariationSize) / float64(size)
	return w
}

// DefaultOptions has the losses and the start of the lesson's third run
// (content + style + variation, from the content image plus noise), optimised
// with L-BFGS (40 steps) where the notebook uses Adam: on the cat and The
// Starry Night at 256 px it passed Adam's 100-step loss in about half the
// time (docs/style-transfer.md).
func DefaultOptions() Options {
	return Options{
		Size:         256,
		Steps:        40,
		Weights:      Weights{Content: DefaultContentWeight, Style: DefaultStyleWeight, Variation: DefaultVariationWeight},
		Init:         "content+noise",
		LearningRate: 0.01,
		Optimizer:    "lbfgs",
		Scales:       1,
		ContentLayer: "conv4_2",
		StyleLayers:  []string{PixelsLayer, "conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"},
		Seed:         1,
		Every:        10,
	}
}

// Validate returns a one-line error for options that cannot run.
func (o Options) Validate() error {
	if (o.Size < 64 && !(o.stage && o.Size >= 32)) || o.Size > 2048 {
		return fmt.Errorf("size must be between 64 and 2048, got %d", o.Size)
	}
	if o.Steps < 1 {
		return fmt.Errorf("steps must be positive, got %d", o.Steps)
	}
	switch o.Init {
	case "noise", "content", "content+noise":
	default:
		return fmt.Errorf("unknown init %q: use noise, content or content+noise", o.Init)
	}
	switch o.Optimizer {
	case "adam", "lbfgs":
	default:
		return fmt.Errorf("unknown optimizer %q: use adam or lbfgs", o.Optimizer)
	}
	if o.Scales < 1 || o.Size>>(o.Scales-1) < 32 {
		return fmt.Errorf("scales must be at least 1, and the smallest stage (size %d / 2^(scales-1)) at least 32 pixels, got %d scales", o.Size, o.Scales)
	}
	for _, v := range []float64{o.Weights.Content, o.Weights.Style, o.Weights.Variation, o.LearningRate} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("loss weights and learning rate must be finite numbers, got %+v and %g", o.Weights, o.LearningRate)
		}
	}
	if o.Weights.Content < 0 || o.Weights.Style < 0 || o.Weights.Variation < 0 {
		return fmt.Errorf("loss weights must be >= 0, got %+v", o.Weights)
	}
	if o.LearningRate <= 0 {
		return fmt.Errorf("learning rate must be positive, got %g", o.LearningRate)
	}
	if len(o.StyleLayers) == 0 {
		return fmt.Errorf("at least one style layer is needed")
	}
	_, err := depthFor(append([]string{o.ContentLayer}, o.StyleLayers...))
	return err
}

// Progress is the state of a transfer after a step.
type Progress struct {
	Step, Steps                      int
	Content, Style, Variation, Total float64 // the balanced losses (each relative to its own target), and the weighted total
	Elapsed                          time.Duration
	image                            func() (image.Image, error)
}

// Image renders the current pixels (costs a copy; call it only for previews).
func (p Progress) Image() (image.Image, error) { return p.image() }

// Result is a finished transfer.
type Result struct {
	Image   image.Image
	Network string // which feature network ran, in words
	Last    Progress
	// Evaluations of the loss and its gradient, all stages together: one per
	// Adam step; for L-BFGS one per line-search trial, about one a step.
	Evaluations int
}

// Transfer repaints content in the style of style by optimising the pixels of a
// new image. The style and content targets are computed once; each step
// computes the three losses, takes one step of Options.Optimizer (L-BFGS by
// default, or Adam) on the pixels and keeps them in [0, 1]. It stops with an
// error if a loss becomes NaN, or when ctx ends.
func Transfer(ctx context.Context, backend compute.Backend, content, style image.Image, o Options) (*Result, error) {
	var res *Result
	for stage := o.Scales - 1; stage >= 0; stage-- { // coarse to fine; one stage unless Options.Scales > 1
		so := o
		so.Size, so.Scales, so.stage = o.Size>>stage, 1, true
		if res != nil {
			so.Start = res.Image // the previous, smaller result, scaled up
		}
		r, err := NewRun(ctx, backend, content, style, so)
		if err != nil {
			return nil, err
		}
		if o.Notice != nil && res == nil {
			o.Notice(r.Network)
		}
		var last Progress
		step := func(int) (err error) {
			last, err = r.Step()
			return err
		}
		var hooks []loop.Hook
		if o.Callback != nil {
			hooks = append(hooks, loop.Hook{Every: o.Every, Do: func(int) error { return o.Callback(last) }})
		}
		if err := loop.Run(ctx, 0, o.Steps, step, hooks...); err != nil {
			return nil, err
		}
		img, err := r.Image()
		if err != nil {
			return nil, err
		}
		evals := o.Steps // Adam
		if r.lbfgs != nil {
			evals = r.lbfgs.Evaluations
		}
		if res != nil {
			evals += res.Evaluations
		}
		res = &Result{Image: img, Network: r.Network, Last: last, Evaluations: evals}
		nn.ReleaseMemory()
	}
	return res, nil
}

// Run is a style transfer in progress, one Step at a time (what a notebook
// shows); Transfer runs the whole loop.
type Run struct {
	Network string // which feature network runs, in words
	opts    Options
	pixels  *model.Variable
	step    *model.Exec // Adam only: the losses, then one update of the pixels
	// L-BFGS only: the losses and their gradient at given pixels, and the host state.
	lossGrad *model.Exec
	lbfgs    *LBFGS
	x        []float32
	steps    int
	start    time.Time
}

// NewRun sets up the feature network, computes the targets once (the content
// image's features at the content layer and the style image's Gram matrices)
// and the starting pixels, and builds the graph of Options.Optimizer's step.
func NewRun(ctx context.Context, backend compute.Backend, content, style image.Image, o Options) (*Run, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if err := checkMemory(o); err != nil { // before any graph or weights exist
		return nil, err
	}
	layers := lossLayersOf(o)
	store := model.NewStore()
	network, err := SetupVGG(ctx, store, o.Network, layers.depth, o.Seed)
	if err != nil {
		return nil, err
	}
	contentT := unitImage(content, o.Size)
	obj, err := newObjective(backend, store, layers, o.Weights.AtSize(o.Size), contentT, unitImage(style, o.Size))
	if err != nil {
		return nil, err
	}
	initial, err := initialPixels(o.Init, contentT, o.Size, o.Seed)
	if err != nil {
		return nil, err
	}
	if o.Start != nil {
		initial = unitImage(o.Start, o.Size)
	}
	pixels, err := store.CreateVariable("/image/pixels", initial)
	if err != nil {
		return nil, err
	}
	r := &Run{Network: network, opts: o, pixels: pixels}
	if o.Optimizer == "lbfgs" {
		err = r.setupLBFGS(backend, obj, initial)
	} else {
		err = r.setupAdam(backend, obj)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// lossLayers are the layers the losses read, by their canonical names.
type lossLayers struct {
	content string
	style   []string
	depth   int // how many of VGG-19's layers the deepest of them needs
}

// lossLayersOf reads o's layers (which Validate has accepted).
func lossLayersOf(o Options) lossLayers {
	l := lossLayers{style: make([]string, len(o.StyleLayers))}
	l.content, _ = LayerName(o.ContentLayer)
	for i, name := range o.StyleLayers {
		l.style[i], _ = LayerName(name)
	}
	l.depth, _ = depthFor(l.all())
	return l
}

func (l lossLayers) all() []string { return append([]string{l.content}, l.style...) }

// objective is what every step minimises: the balanced losses of the pixels
// against targets computed once and kept in the store, not recomputed per step.
type objective struct {
	store   *model.Store
	layers  lossLayers
	weights Weights
	bal     balance
	targets []*model.Variable // the photo's features at the content layer, then the painting's scaled Gram matrices
}

// newObjective computes the targets and the losses' balance from the photo
// and the painting (each [1, size, size, 3] in [0, 1]).
func newObjective(backend compute.Backend, store *model.Store, layers lossLayers, w Weights, photoT, paintingT *tensors.Tensor) (*objective, error) {
	photo, painting, err := imageFeatures(backend, store, layers, photoT, paintingT)
	if err != nil {
		return nil, err
	}
	variation, err := ExecOnce(backend, VariationLoss, photoT)
	if err != nil {
		return nil, fmt.Errorf("setting up the style-transfer balance: %w", err)
	}
	bal, err := newBalance(photo, painting, nn.ScalarValue(variation), photoT.Shape().Size())
	if err != nil {
		return nil, err
	}
	obj := &objective{store: store, layers: layers, weights: w, bal: bal}
	targets := []*tensors.Tensor{photo[0]}
	for i, g := range painting[1:] {
		if g, err = bal.scaleGram(i, g); err != nil {
			return nil, err
		}
		targets = append(targets, g)
	}
	for i, t := range targets {
		v, err := store.CreateVariable(fmt.Sprintf("/targets/%d", i), t)
		if err != nil {
			return nil, err
		}
		v.SetTrainable(false)
		obj.targets = append(obj.targets, v)
	}
	return obj, nil
}

// imageFeatures runs the photo and the painting through the network, one
// after the other (in one graph both passes' buffers stayed in the backend's
// pool; the second run reuses the first's: docs/reliability.md, "Memory"). Each gives its
// features at the content layer and its Gram matrices at the style layers:
// the targets are the photo's features and the painting's Gram matrices, and
// the gaps between the two images set the losses' balance.
func imageFeatures(backend compute.Backend, store *model.Store, layers lossLayers, photoT, paintingT *tensors.Tensor) (photo, painting []*tensors.Tensor, err error) {
	exec, err := model.NewExec(backend, store, func(scope *model.Scope, img *Node) []*Node {
		feats := mustFeatures(store, img, layers.all()...)
		return append([]*Node{feats[layers.content]}, grams(feats, layers.style)...)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("setting up the style-transfer targets: %w", err)
	}
	if photo, err = nn.Call(exec, photoT); err != nil {
		return nil, nil, err
	}
	nn.ReleaseMemory()
	if painting, err = nn.Call(exec, paintingT); err != nil {
		return nil, nil, err
	}
	nn.ReleaseMemory()
	return photo, painting, nil
}

// losses are the three balanced losses and their weighted total at the
// pixels x, built in x's graph: the one loss graph both optimisers use.
func (obj *objective) losses(x *Node) (cl, sl, vl, total *Node) {
	g := x.Graph()
	target := make([]*Node, len(obj.targets))
	for i, v := range obj.targets {
		target[i] = v.NodeValue(g)
	}
	feats := mustFeatures(obj.store, x, obj.layers.all()...)
	return obj.bal.losses(obj.weights, x, feats, obj.layers.content, obj.layers.style, target[0], target[1:])
}

// setupAdam builds Adam's step: the losses, then one update of the pixels,
// clipped to [0, 1].
func (r *Run) setupAdam(backend compute.Backend, obj *objective) error {
	// Epsilon: PyTorch's default, nn.AdamEpsilon. (The TensorFlow tutorial's 0.1
	// suits its summed losses; with ganbook's mean losses the gradients are small
	// and 0.1 would swamp them, turning Adam into a slow SGD.)
	adam := optimizer.Adam().LearningRate(r.opts.LearningRate).Betas(0.99, 0.999).Epsilon(nn.AdamEpsilon).Done()
	store := obj.store
	step, err := model.NewExec(backend, store, func(scope *model.Scope, g *Graph) []*Node {
		// The pixels and Adam's moments change between steps; VGG-19 and the
		// targets stay constants. (Adam creates its moments and step counter in
		// this graph, without values, so they are parameters anyway; the
		// unused global step is compiled in.)
		for _, live := range []string{"/image", "/" + optimizer.AdamDefaultScope} {
			nn.LiveVariables(store.Scope(live), g)
		}
		cl, sl, vl, total := obj.losses(r.pixels.NodeValue(g))
		adam.UpdateGraph(store.Scope("/image"), g, total)
		// Keep the pixels valid: clip to [0, 1] after the update.
		updated := r.pixels.NodeValue(g)
		r.pixels.SetNodeValue(Max(Min(updated, OnesLike(updated)), ZerosLike(updated)))
		return []*Node{cl, sl, vl, total}
	})
	if err != nil {
		return fmt.Errorf("setting up the style-transfer step: %w", err)
	}
	r.step = step
	return nil
}

// setupLBFGS builds the losses as a function of the pixels given as input,
// with their gradient: L-BFGS itself runs on the host, from initial, keeping
// the pixels in [0, 1].
func (r *Run) setupLBFGS(backend compute.Backend, obj *objective, initial *tensors.Tensor) error {
	lossGrad, err := model.NewExec(backend, obj.store, func(scope *model.Scope, x *Node) []*Node {
		cl, sl, vl, total := obj.losses(x)
		return []*Node{cl, sl, vl, total, Gradient(total, x)[0]}
	})
	if err != nil {
		return fmt.Errorf("setting up the style-transfer gradient: %w", err)
	}
	if r.x, err = tensors.CopyFlatData[float32](initial); err != nil {
		return err
	}
	r.lossGrad = lossGrad
	r.lbfgs = &LBFGS{Memory: 10, Box: &Box{0, 1}}
	return nil
}

// lbfgsStep is one L-BFGS iteration; it returns the losses at the new pixels.
func (r *Run) lbfgsStep() ([]float64, error) {
	var losses []float64
	size := r.opts.Size
	fn := func(x []float32) (float64, []float32, error) {
		out, err := nn.Call(r.lossGrad, tensors.FromFlatDataAndDimensions(x, 1, size, size, 3))
		if err != nil {
			return 0, nil, err
		}
		losses = []float64{nn.ScalarValue(out[0]), nn.ScalarValue(out[1]), nn.ScalarValue(out[2]), nn.ScalarValue(out[3])}
		grad, err := tensors.CopyFlatData[float32](out[4])
		return losses[3], grad, err
	}
	f, err := r.lbfgs.Step(r.x, fn)
	if errors.Is(err, errNoDescent) { // converged as far as float32 allows: stay
		err = nil
	}
	if err != nil {
		return nil, err
	}
	if losses == nil || losses[3] != f { // the accepted point is the last one evaluated, unless it stayed put
		if _, _, err := r.lbfgs.Evaluate(r.x, fn); err != nil {
			return nil, err
		}
	}
	return losses, r.pixels.SetValue(tensors.FromFlatDataAndDimensions(append([]float32(nil), r.x...), 1, size, size, 3))
}

// Step takes one optimisation step and returns the losses: with Adam those
// measured before the step, with L-BFGS those at the step's new pixels.
func (r *Run) Step() (Progress, error) {
	if r.steps == 0 {
		r.start = time.Now()
	}
	var losses []float64
	if r.lbfgs != nil {
		var err error
		if losses, err = r.lbfgsStep(); err != nil {
			return Progress{}, err
		}
	} else {
		out, err := nn.Call(r.step)
		if err != nil {
			return Progress{}, err
		}
		for _, t := range out {
			losses = append(losses, nn.ScalarValue(t))
		}
	}
	r.steps++
	p := Progress{Step: r.steps, Steps: r.opts.Steps, Content: losses[0], Style: losses[1], Variation: losses[2],
		Total: losses[3], Elapsed: time.Since(r.start), image: r.Image}
	if math.IsNaN(p.Total) || math.IsInf(p.Total, 0) {
		return p, fmt.Errorf("the optimisation diverged at step %d (loss %g): lower the learning rate or the loss weights", r.steps, p.Total)
	}
	return p, nil
}

// Image renders the current pixels.
func (r *Run) Image() (image.Image, error) {
	t, err := r.pixels.Value()
	if err != nil {
		return nil, err
	}
	flat, err := tensors.CopyFlatData[float32](t)
	if err != nil {
		return nil, err
	}
	for i := range flat {
		flat[i] = flat[i]*2 - 1
	}
	return imgio.ToImage(flat, r.opts.Size, r.opts.Size, 3)
}

func mustFeatures(store *model.Store, x *Node, layers ...string) map[string]*Node {
	f, err := Features(store, x, layers)
	if err != nil {
		panic(err)
	}
	return f
}

func grams(feats map[string]*Node, layers []string) []*Node {
	out := make([]*Node, len(layers))
	for i, l := range layers {
		out[i] = GramMatrix(feats[l])
	}
	return out
}

// unitImage is img centre-cropped and resized to [1, size, size, 3] in [0, 1].
func unitImage(img image.Image, size int) *tensors.Tensor {
	px := imgio.Fit(img, size, 3)
	for i := range px {
		px[i] = (px[i] + 1) / 2
	}
	return tensors.FromFlatDataAndDimensions(px, 1, size, size, 3)
}

// ReadImage reads a PNG, JPEG or GIF file, with a one-line error naming the
// file when it is missing or not an image.
func ReadImage(path string) (image.Image, error) { return imgio.Decode(path) }

// SaveImage writes img to path (.png or .jpg), through a temporary file, so
// that a failure leaves no half-written picture.
func SaveImage(path string, img image.Image) error { return imgio.Save(path, img) }

// initialPixels: uniform noise, the content image, or the content image plus
// Gaussian noise (std 0.1), clipped to [0, 1].
func initialPixels(init string, content *tensors.Tensor, size int, seed int64) (*tensors.Tensor, error) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x1417))
	c, err := tensors.CopyFlatData[float32](content)
	if err != nil {
		return nil, fmt.Errorf("reading the content image's pixels: %w", err)
	}
	px := make([]float32, len(c))
	for i := range px {
		switch init {
		case "noise":
			px[i] = rng.Float32()
		case "content":
			px[i] = c[i]
		default:
			px[i] = min(1, max(0, c[i]+float32(rng.NormFloat64()*0.1)))
		}
	}
	return tensors.FromFlatDataAndDimensions(px, 1, size, size, 3), nil
}
