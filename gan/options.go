package gan

import (
	"fmt"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
)

// The two architectures, named once.
const (
	MLP   = "mlp"   // the lesson's first GAN: multi-layer perceptrons
	DCGAN = "dcgan" // the convolutional GAN of Radford et al. 2015
)

// Models lists the architectures Options.Model may name.
var Models = []string{MLP, DCGAN}

// The two starting points of a run's options.
const (
	PresetTuned  = "tuned"  // TunedOptions: the lesson's model with the fixes measured in README
	PresetLesson = "lesson" // DefaultOptions: the lesson's own hyperparameters, exactly
)

// Options are all of a GAN's hyperparameters, in one place, with their sources.
// They are saved in every checkpoint, so a resumed run trains the same model.
type Options struct {
	Model    string `json:"model"`    // MLP (the lesson's first GAN) or DCGAN
	Size     int    `json:"size"`     // image height = width: 28, 32 or 64
	Channels int    `json:"channels"` // 1 (grayscale) or 3 (RGB)
	NoiseDim int    `json:"noise_dim"`
	Batch    int    `json:"batch"`

	LRD   float64 `json:"lr_d"`  // discriminator learning rate
	LRG   float64 `json:"lr_g"`  // generator learning rate
	Beta1 float64 `json:"beta1"` // Adam betas
	Beta2 float64 `json:"beta2"`

	// LabelSmoothing > 0 trains the discriminator towards 1-LabelSmoothing on real
	// images instead of 1 (one-sided label smoothing, Salimans et al. 2016,
	// "Improved Techniques for Training GANs"). 0 turns it off.
	LabelSmoothing float64 `json:"label_smoothing"`
	// SkipDBelow > 0 skips the discriminator step while its loss (measured on the
	// step's batch before the update) is below this value: the lesson's advice
	// for keeping the two networks in balance. 0: never skip.
	SkipDBelow float64 `json:"skip_d_below"`

	// Widths. MLP: hidden layer sizes of the generator (ascending) and the
	// discriminator (descending). DCGAN: channels of the generator's first feature
	// map and of the discriminator's first convolution.
	GHidden []int `json:"g_hidden,omitempty"`
	DHidden []int `json:"d_hidden,omitempty"`
	GBase   int   `json:"g_base,omitempty"`
	DBase   int   `json:"d_base,omitempty"`
	// DDropout is the dropout rate after each hidden layer of the discriminator
	// (0: none). The lesson's Keras GANs use dropout in the discriminator.
	DDropout float64 `json:"d_dropout,omitempty"`

	// DecayStart, DecayEnd > 0: both learning rates fall linearly from their value
	// at step DecayStart to 0 at step DecayEnd (the linear decay of pix2pix/CycleGAN,
	// Isola et al. 2017, Zhu et al. 2017). 0, 0: constant learning rates.
	DecayStart int `json:"lr_decay_start,omitempty"`
	DecayEnd   int `json:"lr_decay_end,omitempty"`

	// MinibatchStd appends the batch's mean standard deviation as one more feature
	// before the discriminator's last layer (Karras et al. 2018, "Progressive
	// Growing of GANs", section 3): a batch of near-identical fakes is then easy to
	// tell from a real batch, which pushes the generator away from mode collapse.
	MinibatchStd bool `json:"minibatch_std,omitempty"`

	// FeatureMatching > 0 adds, with this weight, feature matching to the
	// generator's loss (Salimans et al. 2016, "Improved Techniques for Training
	// GANs", section 3.1): the squared distance between the mean features the
	// discriminator's last layer sees in the real batch and in a generated one.
	// The generator must then match the real data's statistics, not just fool
	// the current discriminator with one kind of image.
	FeatureMatching float64 `json:"feature_matching,omitempty"`

	// EMA > 0 keeps an exponential moving average of the generator's weights
	// with this decay and draws samples (and scores) from it: averaging smooths
	// out the oscillation of adversarial training (Yazici et al. 2019, "The
	// Unusual Effectiveness of Averaging in GAN Training"; Karras et al. 2018 use
	// 0.999). Training itself always uses the current weights. 0: off.
	EMA float64 `json:"ema,omitempty"`

	// MultiScale makes the DCGAN an MSG-GAN (Karnewar & Wang 2020, "MSG-GAN:
	// Multi-Scale Gradients for Generative Adversarial Networks"): the generator
	// also outputs its intermediate feature maps as images, and the discriminator
	// reads each one at the matching depth, so gradients reach every scale.
	MultiScale bool `json:"multi_scale,omitempty"`

	// Classes > 0 makes the GAN class-conditional (Mirza & Osindero 2014,
	// "Conditional Generative Adversarial Nets"): the generator reads the class
	// it should draw (one-hot, after the noise), and the discriminator judges
	// an image together with its class by a projection, an inner product of
	// a class embedding with its last features (Miyato & Koyama 2018, "cGANs
	// with Projection Discriminator"). Needs a dataset with labels (MNIST,
	// Fashion-MNIST). 0: the lesson's unconditional GAN.
	Classes int `json:"classes,omitempty"`

	Seed int64 `json:"seed"`
}

// DefaultOptions returns the lesson's hyperparameters for the given model
// (MLP or DCGAN) on 28x28 grayscale images.
func DefaultOptions(model string) Options {
	o := Options{
		Model:    model,
		Size:     28,
		Channels: 1,
		NoiseDim: 100, // the lesson: z of 100 numbers
		Batch:    64,  // DCGAN paper (Radford et al. 2015): mini-batches of 128; 64 halves the step time on a laptop
		// Adam with lr 2e-4 and beta1 0.5: DCGAN paper, and the lesson's notebooks.
		LRD:   2e-4,
		LRG:   2e-4,
		Beta1: 0.5,
		Beta2: 0.999,
		Seed:  1,
	}
	switch model {
	case MLP:
		// The lesson's PyTorch notebook: G 100 -> 256 -> 512 -> 1024 -> pixels; D pixels -> 512 -> 256 -> 1.
		o.GHidden = []int{256, 512, 1024}
		o.DHidden = []int{512, 256}
	case DCGAN:
		// Narrower than the paper (G 1024..128 channels) so a step takes about a second
		// on a 2-core CPU; raise them with more compute.
		o.GBase = 64
		o.DBase = 32
	}
	return o
}

// TunedOptions are DefaultOptions with the fixes that measured best (README,
// "The default run and the bar"), judged by the CNN scorer:
//
//   - DCGAN: the discriminator learning twice as fast (TTUR, Heusel et al.
//     2017) and samples from a moving average of the generator's weights,
//     decay 0.999 with a warm-up (Yazici et al. 2019; Karras et al. 2018 use
//     0.999). `ganbook train` uses this model by default.
//   - MLP: TTUR, feature matching (Salimans et al. 2016) and an average with
//     decay 0.995.
//
// `--preset lesson` (DefaultOptions) keeps the lesson's own.
func TunedOptions(model string) Options {
	o := DefaultOptions(model)
	o.LRD = 4e-4
	switch model {
	case MLP:
		o.FeatureMatching = 1
		o.EMA = 0.995
	case DCGAN:
		o.EMA = 0.999
		o.Classes = 10 // MNIST's digits, Fashion-MNIST's garments; a folder has no labels (PresetOptions)
	}
	return o
}

// PresetOptions are a run's starting options: the preset (PresetTuned or
// PresetLesson) for the model, sized for the data. MNIST and Fashion-MNIST are
// 28x28 grayscale; a folder of photos trains at 64x64 RGB, or 32x32 for the
// MLP, whose 64x64x3 version is huge and poor.
func PresetOptions(preset, model string, folder bool) (Options, error) {
	var o Options
	switch preset {
	case PresetTuned:
		o = TunedOptions(model)
	case PresetLesson:
		o = DefaultOptions(model)
	default:
		return o, fmt.Errorf("unknown preset %q: use %s or %s", preset, PresetTuned, PresetLesson)
	}
	if folder {
		o.Classes = 0 // a folder of photos has no labels
		o.Size, o.Channels = 64, 3
		if model == MLP {
			o.Size = 32
		}
	}
	return o, nil
}

// QuickMode reports whether GANBOOK_QUICK=1: notebooks and CI shrink their work.
func QuickMode() bool { return os.Getenv("GANBOOK_QUICK") == "1" }

// Validate returns a one-line error for options that cannot build a model.
func (o Options) Validate() error {
	for name, v := range map[string]float64{"lr_d": o.LRD, "lr_g": o.LRG, "beta1": o.Beta1, "beta2": o.Beta2,
		"label_smoothing": o.LabelSmoothing, "skip_d_below": o.SkipDBelow, "d_dropout": o.DDropout,
		"feature_matching": o.FeatureMatching, "ema": o.EMA} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s must be a finite number, got %g", name, v)
		}
	}
	if !slices.Contains(Models, o.Model) {
		return fmt.Errorf("unknown model %q: use %s or %s", o.Model, MLP, DCGAN)
	}
	if !slices.Contains([]int{28, 32, 64}, o.Size) {
		return fmt.Errorf("image size %d is not supported: use 28, 32 or 64", o.Size)
	}
	if o.Channels != 1 && o.Channels != 3 {
		return fmt.Errorf("channels must be 1 or 3, got %d", o.Channels)
	}
	if o.Batch < 2 || o.Batch > 4096 {
		return fmt.Errorf("batch must be between 2 and 4096, got %d", o.Batch)
	}
	if o.NoiseDim < 1 {
		return fmt.Errorf("noise dimension must be positive, got %d", o.NoiseDim)
	}
	if o.LRD <= 0 || o.LRG <= 0 || o.LRD > 1 || o.LRG > 1 {
		return fmt.Errorf("learning rates must be in (0, 1], got lr-d %g and lr-g %g", o.LRD, o.LRG)
	}
	if o.Beta1 < 0 || o.Beta1 >= 1 || o.Beta2 < 0 || o.Beta2 >= 1 {
		return fmt.Errorf("Adam betas must be in [0, 1), got %g and %g", o.Beta1, o.Beta2)
	}
	if o.LabelSmoothing < 0 || o.LabelSmoothing >= 0.5 {
		return fmt.Errorf("label smoothing must be in [0, 0.5), got %g", o.LabelSmoothing)
	}
	if o.DDropout < 0 || o.DDropout >= 1 {
		return fmt.Errorf("discriminator dropout must be in [0, 1), got %g", o.DDropout)
	}
	if o.SkipDBelow < 0 {
		return fmt.Errorf("skip-d-below must be >= 0, got %g", o.SkipDBelow)
	}
	if o.DecayStart < 0 || o.DecayEnd < 0 || (o.DecayEnd > 0 && o.DecayEnd <= o.DecayStart) {
		return fmt.Errorf("learning-rate decay must end after it starts, got steps %d to %d", o.DecayStart, o.DecayEnd)
	}
	if o.EMA < 0 || o.EMA >= 1 {
		return fmt.Errorf("EMA decay must be in [0, 1), got %g", o.EMA)
	}
	if o.FeatureMatching < 0 {
		return fmt.Errorf("feature matching weight must be >= 0, got %g", o.FeatureMatching)
	}
	if o.Classes < 0 || o.Classes > 1000 {
		return fmt.Errorf("classes must be between 0 (unconditional) and 1000, got %d", o.Classes)
	}
	if o.MultiScale && o.Model != DCGAN {
		return &OptionError{Name: "model", Value: DCGAN, Reason: fmt.Sprintf("multi-scale gradients (MSG-GAN) need the %s model", DCGAN)}
	}
	switch o.Model {
	case MLP:
		if len(o.GHidden) == 0 || len(o.DHidden) == 0 || slices.Min(o.GHidden) < 1 || slices.Min(o.DHidden) < 1 {
			return fmt.Errorf("mlp needs positive hidden sizes, got G %v and D %v", o.GHidden, o.DHidden)
		}
	case DCGAN:
		if o.GBase < 4 || o.DBase < 4 {
			return fmt.Errorf("dcgan widths must be >= 4, got G %d and D %d", o.GBase, o.DBase)
		}
	}
	return nil
}

// Conditional reports whether the GAN is told each image's class (Options.Classes).
func (o Options) Conditional() bool { return o.Classes > 0 }

// LatentDim is the width of the generator's input: the noise, then the
// one-hot class of a conditional GAN.
func (o Options) LatentDim() int { return o.NoiseDim + o.Classes }

// Pixels is the number of values in one image.
func (o Options) Pixels() int { return o.Size * o.Size * o.Channels }

// LRFactor is the fraction of the base learning rates used for training step
// number step (1-based) under the linear decay of DecayStart and DecayEnd.
func (o Options) LRFactor(step int) float64 {
	if o.DecayEnd <= 0 || step <= o.DecayStart {
		return 1
	}
	return max(0, float64(o.DecayEnd-step)/float64(o.DecayEnd-o.DecayStart))
}

// String is the options as one log line of key=value pairs.
func (o Options) String() string {
	s := fmt.Sprintf("model=%s size=%d channels=%d batch=%d lr-d=%g lr-g=%g betas=%g,%g", o.Model, o.Size, o.Channels, o.Batch, o.LRD, o.LRG, o.Beta1, o.Beta2)
	if o.DecayEnd > 0 {
		s += fmt.Sprintf(" lr-decay=steps %d-%d", o.DecayStart, o.DecayEnd)
	}
	if o.LabelSmoothing > 0 {
		s += fmt.Sprintf(" label-smoothing=%g", o.LabelSmoothing)
	}
	if o.SkipDBelow > 0 {
		s += fmt.Sprintf(" skip-d-below=%g", o.SkipDBelow)
	}
	if o.MinibatchStd {
		s += " minibatch-std"
	}
	if o.FeatureMatching > 0 {
		s += fmt.Sprintf(" feature-matching=%g", o.FeatureMatching)
	}
	if o.EMA > 0 {
		s += fmt.Sprintf(" ema=%g", o.EMA)
	}
	if o.MultiScale {
		s += " multi-scale"
	}
	if o.Classes > 0 {
		s += fmt.Sprintf(" classes=%d", o.Classes)
	}
	return s + fmt.Sprintf(" seed=%d", o.Seed)
}

// OptionNames are the JSON names of every field of Options, in order.
func OptionNames() []string {
	t := reflect.TypeFor[Options]()
	names := make([]string, 0, t.NumField())
	for f := range t.Fields() {
		names = append(names, JSONName(f))
	}
	return names
}

// JSONName is an Options field's JSON name ("lr_d"): the name the options
// are known by in checkpoints, errors and overrides.
func JSONName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

// Override returns o with the options named (JSON names) taken from from.
func (o Options) Override(from Options, names ...string) (Options, error) {
	dst, src := reflect.ValueOf(&o).Elem(), reflect.ValueOf(from)
	for _, name := range names {
		i := slices.Index(OptionNames(), name)
		if i < 0 {
			return o, fmt.Errorf("no option named %q", name)
		}
		dst.Field(i).Set(src.Field(i))
	}
	return o, nil
}
