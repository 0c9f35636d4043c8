package gan

import (
	"fmt"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/ganbook/ganbook/dataset"
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
	PresetTuned  = "tuned"  // TunedOptions: the lesson's model with the fixes measured in docs/results.md
	PresetLesson = "lesson" // DefaultOptions: the lesson's own hyperparameters, exactly
)

// Options are all of a GAN's hyperparameters, in one place, with their sources.
// They are saved in every checkpoint, so a resumed run trains the same model.
// Each option has one name, its JSON name ("lr_d"): checkpoints, errors and
// overrides use it, and the command line's flag is derived from it. A help
// tag marks the options a user sets (the others follow from them).
type Options struct {
	Model    string `json:"model" help:"mlp (the lesson's first GAN) or dcgan"`                                         // MLP (the lesson's first GAN) or DCGAN
	Size     int    `json:"size" help:"image size: 28, 32 or 64 (default 28 for MNIST; for folders 64, or 32 for mlp)"` // image height = width: 28, 32 or 64
	Channels int    `json:"channels" help:"1 (grayscale) or 3 (RGB) (default 1 for MNIST, 3 for folders)"`              // 1 (grayscale) or 3 (RGB)
	NoiseDim int    `json:"noise_dim"`
	Batch    int    `json:"batch" help:"batch size"`

	LRD   float64 `json:"lr_d" help:"discriminator learning rate (the lesson's equals the generator's; the tuned presets' is twice it)"` // discriminator learning rate
	LRG   float64 `json:"lr_g" help:"generator learning rate"`                                                                           // generator learning rate
	Beta1 float64 `json:"beta1" help:"Adam beta1"`                                                                                       // Adam betas
	Beta2 float64 `json:"beta2" help:"Adam beta2"`

	// LabelSmoothing > 0 trains the discriminator towards 1-LabelSmoothing on real
	// images instead of 1 (one-sided label smoothing, Salimans et al. 2016,
	// "Improved Techniques for Training GANs"). 0 turns it off.
	LabelSmoothing float64 `json:"label_smoothing" help:"one-sided label smoothing: real label 1-X (0: off)"`
	// SkipDBelow > 0 skips the discriminator step while its loss (measured on the
	// step's batch before the update) is below this value: the lesson's advice
	// for keeping the two networks in balance. 0: never skip.
	SkipDBelow float64 `json:"skip_d_below" help:"skip the discriminator step while its loss is below X (0: off)"`

	// Widths. MLP: hidden layer sizes of the generator (ascending) and the
	// discriminator (descending). DCGAN: channels of the generator's first feature
	// map and of the discriminator's first convolution.
	GHidden []int `json:"g_hidden,omitempty"`
	DHidden []int `json:"d_hidden,omitempty"`
	GBase   int   `json:"g_base,omitempty" help:"dcgan: channels of the generator's first feature map"`
	DBase   int   `json:"d_base,omitempty" help:"dcgan: channels of the discriminator's first convolution"`
	// DDropout is the dropout rate after each hidden layer of the discriminator
	// (0: none). The lesson's Keras GANs use dropout in the discriminator.
	DDropout float64 `json:"d_dropout,omitempty" help:"dropout rate in the discriminator"`

	// DecayStart, DecayEnd > 0: both learning rates fall linearly from their value
	// at step DecayStart to 0 at step DecayEnd (the linear decay of pix2pix/CycleGAN,
	// Isola et al. 2017, Zhu et al. 2017). 0, 0: constant learning rates.
	DecayStart int `json:"lr_decay_start,omitempty"`
	DecayEnd   int `json:"lr_decay_end,omitempty"`

	// MinibatchStd appends the batch's mean standard deviation as one more feature
	// before the discriminator's last layer (Karras et al. 2018, "Progressive
	// Growing of GANs", section 3): a batch of near-identical fakes is then easy to
	// tell from a real batch, which pushes the generator away from mode collapse.
	MinibatchStd bool `json:"minibatch_std,omitempty" help:"give the discriminator the batch's standard deviation (against mode collapse)"`

	// FeatureMatching > 0 adds, with this weight, feature matching to the
	// generator's loss (Salimans et al. 2016, "Improved Techniques for Training
	// GANs", section 3.1): the squared distance between the mean features the
	// discriminator's last layer sees in the real batch and in a generated one.
	// The generator must then match the real data's statistics, not just fool
	// the current discriminator with one kind of image.
	FeatureMatching float64 `json:"feature_matching,omitempty" help:"weight of feature matching in the generator's loss, against mode collapse (0: off; the tuned mlp uses it)"`

	// EMA > 0 keeps an exponential moving average of the generator's weights
	// with this decay and draws samples (and scores) from it: averaging smooths
	// out the oscillation of adversarial training (Yazici et al. 2019, "The
	// Unusual Effectiveness of Averaging in GAN Training"; Karras et al. 2018 use
	// 0.999). Training itself always uses the current weights. 0: off.
	EMA float64 `json:"ema,omitempty" help:"draw samples from a moving average of the generator's weights with this decay (0: off)"`

	// MultiScale makes the DCGAN an MSG-GAN (Karnewar & Wang 2020, "MSG-GAN:
	// Multi-Scale Gradients for Generative Adversarial Networks"): the generator
	// also outputs its intermediate feature maps as images, and the discriminator
	// reads each one at the matching depth, so gradients reach every scale.
	MultiScale bool `json:"multi_scale,omitempty" help:"MSG-GAN: the dcgan discriminator also sees the generator's half and quarter size images"`

	// Classes > 0 makes the GAN class-conditional (Mirza & Osindero 2014,
	// "Conditional Generative Adversarial Nets"): the generator reads the class
	// it should draw (one-hot, after the noise), and the discriminator judges
	// an image together with its class by a projection, an inner product of
	// a class embedding with its last features (Miyato & Koyama 2018, "cGANs
	// with Projection Discriminator"). Needs a dataset with labels (MNIST,
	// Fashion-MNIST). 0: the lesson's unconditional GAN.
	Classes int `json:"classes,omitempty" help:"conditional GAN: tell both networks each image's class, one of N (labels: mnist, fashion; or clusters, with self_condition; 0: the lesson's unconditional GAN; the tuned dcgan's is 10, and 50 clusters for a folder)"`

	// SelfCondition makes the Classes clusters of the training pictures
	// instead of their labels: k-means on blurred pixels (dataset.Cluster)
	// gives every picture a pseudo-label, and the conditional GAN trains on
	// them (Liu et al. 2020, "Diverse Image Generation via Self-Conditioned
	// GANs"). It needs no labels, so it serves a folder of your own pictures;
	// on MNIST it is the label-free GAN that reads best (docs/results.md).
	SelfCondition bool `json:"self_condition,omitempty" help:"the classes are clusters of the training pictures (k-means), not labels: a conditional GAN for data without labels (the tuned dcgan's default for a folder of 500 pictures or more)"`

	// Augment is the policy of differentiable augmentation (DiffAugment, Zhao
	// et al. 2020; augment.go): random colour changes, shifts and cut-out
	// squares applied to real and generated images alike on their way into
	// the discriminator, so that it cannot learn a small folder by heart. A
	// comma-separated list of color, translation and cutout; "" or none: off.
	Augment string `json:"augment,omitempty" help:"DiffAugment of the discriminator's real and generated images: a comma-separated list of color, translation, cutout, or none (default; all three did not help 500 digits in 10 minutes: docs/results.md)"`

	Seed int64 `json:"seed" help:"random seed (weights, noise, batch order)"`
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

// TunedOptions are DefaultOptions with the fixes that measured best (docs/results.md,
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
		o.Classes = 0 // a folder of photos has no labels: the lesson's unconditional GAN...
		if preset == PresetTuned && model == DCGAN {
			o.Classes, o.SelfCondition = SelfConditionClusters, true // ...or, tuned, clusters for labels
		}
		o.Size, o.Channels = 64, 3
		if model == MLP {
			o.Size = 32
		}
	}
	return o, nil
}

// ClustersFor returns the folder default o fitted to n training pictures: a
// self-conditioned GAN on fewer than SelfConditionMinPictures becomes the
// unconditional GAN, and has at most one cluster per ClusterPictures
// pictures. Other options are returned unchanged.
func (o Options) ClustersFor(n int) Options {
	switch {
	case !o.SelfConditioned():
	case n < SelfConditionMinPictures:
		o.Classes, o.SelfCondition = 0, false
	default:
		o.Classes = min(o.Classes, fitClusters(n)) // n >= SelfConditionMinPictures: never 0
	}
	return o
}

// fitClusters is the cluster count to suggest for n pictures: ClusterPictures
// to a cluster, or 0 (the unconditional GAN) below two clusters.
func fitClusters(n int) int {
	if k := n / ClusterPictures; k >= 2 {
		return k
	}
	return 0
}

// SelfConditionMinPictures is the fewest pictures the folder default clusters.
// In ten minutes (docs/results.md, "Without labels") the self-conditioned GAN
// drew copies of 100 digits, with 50 clusters and with 10: 78% and 38% of its
// samples lay nearer a training picture than the training pictures' closest
// 5% do to each other. On 500 and 5,000 digits, 4% and 0%, as new pictures
// would; the unconditional GAN drew no copies of the 100.
const SelfConditionMinPictures = 500

// ClusterPictures is the fewest pictures to a cluster that ClustersFor
// plans, and the too-few-pictures error suggests: 500 digits in 50 clusters
// drew no copies.
const ClusterPictures = 10

// SelfConditionClusters is how many clusters a self-conditioned GAN's
// pictures are grouped into by default. Liu et al. 2020 use 100 for CIFAR-10's
// 50,000 pictures; on MNIST in five minutes 50 read better than 10
// (docs/results.md, "Without labels").
const SelfConditionClusters = 50

// QuickMode reports whether GANBOOK_QUICK=1: notebooks and CI shrink their work.
func QuickMode() bool { return os.Getenv("GANBOOK_QUICK") == "1" }

// Validate returns a one-line error for options that cannot build a model:
// an *OptionError that names the option at fault.
func (o Options) Validate() error {
	bad := func(name, format string, args ...any) error {
		return &OptionError{Name: name, Reason: fmt.Sprintf(format, args...)}
	}
	for name, v := range map[string]float64{"lr_d": o.LRD, "lr_g": o.LRG, "beta1": o.Beta1, "beta2": o.Beta2,
		"label_smoothing": o.LabelSmoothing, "skip_d_below": o.SkipDBelow, "d_dropout": o.DDropout,
		"feature_matching": o.FeatureMatching, "ema": o.EMA} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return bad(name, "%s must be a finite number, got %g", name, v)
		}
	}
	switch {
	case !slices.Contains(Models, o.Model):
		return bad("model", "unknown model %q: use %s or %s", o.Model, MLP, DCGAN)
	case !slices.Contains([]int{28, 32, 64}, o.Size):
		return bad("size", "image size %d is not supported: use 28, 32 or 64", o.Size)
	case o.Channels != 1 && o.Channels != 3:
		return bad("channels", "channels must be 1 or 3, got %d", o.Channels)
	case o.Batch < 2 || o.Batch > 4096:
		return bad("batch", "batch must be between 2 and 4096, got %d", o.Batch)
	case o.NoiseDim < 1:
		return bad("noise_dim", "noise dimension must be positive, got %d", o.NoiseDim)
	case o.LRD <= 0 || o.LRD > 1:
		return bad("lr_d", "the discriminator's learning rate must be in (0, 1], got %g", o.LRD)
	case o.LRG <= 0 || o.LRG > 1:
		return bad("lr_g", "the generator's learning rate must be in (0, 1], got %g", o.LRG)
	case o.Beta1 < 0 || o.Beta1 >= 1:
		return bad("beta1", "Adam's beta1 must be in [0, 1), got %g", o.Beta1)
	case o.Beta2 < 0 || o.Beta2 >= 1:
		return bad("beta2", "Adam's beta2 must be in [0, 1), got %g", o.Beta2)
	case o.LabelSmoothing < 0 || o.LabelSmoothing >= 0.5:
		return bad("label_smoothing", "label smoothing must be in [0, 0.5), got %g", o.LabelSmoothing)
	case o.DDropout < 0 || o.DDropout >= 1:
		return bad("d_dropout", "discriminator dropout must be in [0, 1), got %g", o.DDropout)
	case o.SkipDBelow < 0:
		return bad("skip_d_below", "the loss below which the discriminator's step is skipped must be >= 0, got %g", o.SkipDBelow)
	case o.DecayStart < 0 || o.DecayEnd < 0 || (o.DecayEnd > 0 && o.DecayEnd <= o.DecayStart):
		return bad("lr_decay_start", "learning-rate decay must end after it starts, got steps %d to %d", o.DecayStart, o.DecayEnd)
	case o.EMA < 0 || o.EMA >= 1:
		return bad("ema", "EMA decay must be in [0, 1), got %g", o.EMA)
	case o.FeatureMatching < 0:
		return bad("feature_matching", "feature matching weight must be >= 0, got %g", o.FeatureMatching)
	case o.Classes < 0 || o.Classes > 1000:
		return bad("classes", "classes must be between 0 (unconditional) and 1000, got %d", o.Classes)
	case o.SelfConditioned() && (o.Classes < 2 || o.Classes > dataset.MaxClusters):
		return &OptionError{Name: "classes", Value: fmt.Sprint(SelfConditionClusters),
			Reason: fmt.Sprintf("self-conditioning needs 2 to %d clusters (classes), got %d", dataset.MaxClusters, o.Classes)}
	case o.MultiScale && o.Model != DCGAN:
		return &OptionError{Name: "model", Value: DCGAN, Reason: fmt.Sprintf("multi-scale gradients (MSG-GAN) need the %s model", DCGAN)}
	case o.Model == MLP && (len(o.GHidden) == 0 || len(o.DHidden) == 0 || slices.Min(o.GHidden) < 1 || slices.Min(o.DHidden) < 1):
		return bad("g_hidden", "mlp needs positive hidden sizes, got G %v and D %v", o.GHidden, o.DHidden)
	case o.Model == DCGAN && o.GBase < 4:
		return bad("g_base", "dcgan widths must be >= 4, got %d for the generator", o.GBase)
	case o.Model == DCGAN && o.DBase < 4:
		return bad("d_base", "dcgan widths must be >= 4, got %d for the discriminator", o.DBase)
	}
	if _, err := augmentPolicy(o.Augment); err != nil {
		return bad("augment", "%v", err)
	}
	if o.MultiScale && o.augmenting() {
		return bad("augment", "augmentation works on one image size; turn off multi_scale (MSG-GAN) or set augment to none")
	}
	return nil
}

// Conditional reports whether the GAN is told each image's class (Options.Classes).
func (o Options) Conditional() bool { return o.Classes > 0 }

// SelfConditioned reports whether the GAN's classes are clusters of the
// pictures (Options.SelfCondition); with 0 classes it is the unconditional GAN.
func (o Options) SelfConditioned() bool { return o.SelfCondition && o.Classes > 0 }

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
	if o.augmenting() {
		s += " augment=" + o.Augment
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
	if o.SelfConditioned() {
		s += " self-condition"
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

// Overrides are the options a user set on top of a preset: their values
// (Values; the other fields are ignored) and which ones (Names, JSON names).
type Overrides struct {
	Values Options
	Names  []string
}

// With returns o with the options ov names taken from ov.Values.
func (o Options) With(ov Overrides) (Options, error) {
	dst, src := reflect.ValueOf(&o).Elem(), reflect.ValueOf(ov.Values)
	for _, name := range ov.Names {
		i := slices.Index(OptionNames(), name)
		if i < 0 {
			return o, fmt.Errorf("no option named %q", name)
		}
		dst.Field(i).Set(src.Field(i))
	}
	return o, nil
}
