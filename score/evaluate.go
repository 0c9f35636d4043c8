package score

import (
	"embed"
	"fmt"
	"math"

	"github.com/gomlx/compute"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/gan"
	"github.com/ganbook/ganbook/internal/imgio"
	"github.com/ganbook/ganbook/internal/safetensors"
)

// The shipped classifiers, trained by `ganbook score --train` (docs/results.md, "Scoring").
//
//go:embed weights
var shipped embed.FS

// Shipped loads the classifier shipped for a dataset: "mnist" or "fashion".
func Shipped(backend compute.Backend, dataset string) (*Classifier, error) {
	name := "weights/" + dataset + ".safetensors"
	data, err := shipped.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("no classifier is shipped for %q: use mnist or fashion", dataset)
	}
	f, err := safetensors.OpenBytes(name, data)
	if err != nil {
		return nil, err
	}
	return fromSafetensors(backend, f, name)
}

// Scores of a set of generated images (see the package doc).
type Scores struct {
	N          int
	Frechet    float64
	Confidence float64
	Entropy    float64
	Diversity  float64
	// Sure is the share of samples the classifier is at least 90% sure of.
	Sure      float64
	Histogram [Classes]int
	// For a conditional GAN (which draws every class equally often, so its
	// class entropy is 1 by construction): Agreement is the share of samples the
	// classifier puts in the class the generator was asked for, WorstAgreement
	// that share in the worst class, WorstClass. Agreement is NaN otherwise.
	Agreement, WorstAgreement float64
	WorstClass                int
}

func (s Scores) String() string {
	line := fmt.Sprintf("n=%d  Frechet distance %.2f  mean confidence %.3f  share above 0.9 %.3f  class entropy %.3f  diversity %.3f  histogram %v",
		s.N, s.Frechet, s.Confidence, s.Sure, s.Entropy, s.Diversity, s.Histogram)
	if !math.IsNaN(s.Agreement) {
		line += fmt.Sprintf("  asked-for class %.3f (worst: class %d, %.3f)", s.Agreement, s.WorstClass, s.WorstAgreement)
	}
	return line
}

// agreement fills in the Agreement scores of samples drawn for the classes
// asked (one per sample; nil leaves them NaN).
func (s *Scores) agreement(probs [][]float64, asked []int) {
	s.Agreement, s.WorstAgreement, s.WorstClass = math.NaN(), math.NaN(), -1
	if asked == nil {
		return
	}
	var hits, total [Classes]int
	for i, p := range probs {
		total[asked[i]]++
		if argmax(p) == asked[i] {
			hits[asked[i]]++
		}
	}
	sum := 0
	for k := range Classes {
		sum += hits[k]
		if total[k] == 0 {
			continue
		}
		if share := float64(hits[k]) / float64(total[k]); s.WorstClass < 0 || share < s.WorstAgreement {
			s.WorstClass, s.WorstAgreement = k, share
		}
	}
	s.Agreement = float64(sum) / float64(len(probs))
}

// askedClasses are the classes a conditional GAN drew its n samples for
// (GenerateN draws g.SampleClasses), or nil when the GAN is
// unconditional or its classes are not the classifier's (or are clusters).
func askedClasses(g *gan.GAN, n int) []int {
	if g.Opts.Classes != Classes || g.Opts.SelfConditioned() {
		return nil
	}
	return g.SampleClasses(n)
}

// Quality is the part of the scores a training run logs.
func (s Scores) Quality() gan.QualityScore {
	shares := make([]float64, len(s.Histogram))
	for k, c := range s.Histogram {
		shares[k] = float64(c) / float64(max(s.N, 1))
	}
	return gan.QualityScore{Frechet: s.Frechet, Confidence: s.Confidence, Entropy: s.Entropy, Diversity: s.Diversity, Shares: shares}
}

// Evaluate scores n generated images (flat [n, 28, 28, channels]) against the
// features of real images.
func (c *Classifier) Evaluate(images []float32, n, channels int, reference [][]float64) (Scores, error) {
	return c.EvaluateAsked(images, n, channels, nil, reference)
}

// EvaluateAsked is Evaluate for images of known classes (asked, one per
// image): it also scores how often the classifier agrees with them. For real
// images this is the classifier's accuracy, the ceiling of a conditional GAN's
// agreement.
func (c *Classifier) EvaluateAsked(images []float32, n, channels int, asked []int, reference [][]float64) (Scores, error) {
	if asked != nil && len(asked) != n {
		return Scores{}, fmt.Errorf("%d classes for %d images", len(asked), n)
	}
	feats, probs, err := c.Predict(images, n, channels)
	if err != nil {
		return Scores{}, err
	}
	return scoresOf(feats, probs, reference, asked)
}

// scoresOf computes the scores from the classifier's features and class
// probabilities of the samples, drawn for the classes asked (nil:
// unconditional).
func scoresOf(feats, probs, reference [][]float64, asked []int) (Scores, error) {
	n := len(probs)
	s := Scores{N: n}
	s.agreement(probs, asked)
	for _, p := range probs {
		k := argmax(p)
		s.Histogram[k]++
		s.Confidence += p[k] / float64(n)
		if p[k] > 0.9 {
			s.Sure += 1 / float64(n)
		}
	}
	s.Entropy = ClassEntropy(s.Histogram[:])
	var err error
	if s.Frechet, err = FrechetDistance(feats, reference); err != nil {
		return Scores{}, err
	}
	if s.Diversity, err = Diversity(feats, reference); err != nil {
		return Scores{}, err
	}
	return s, nil
}

// Reference is the features of the first n images of a real dataset.
func (c *Classifier) Reference(real *dataset.Dataset, n int) ([][]float64, error) {
	d := real.Take(n)
	feats, _, err := c.Predict(d.Images, d.N, d.Chan)
	return feats, err
}

// EvaluateGAN generates n images with g (noise seed 12345) and scores them.
// Larger images (a 64x64 GAN trained on digits from a folder) are resized to
// the classifier's 28x28 first.
func (c *Classifier) EvaluateGAN(g *gan.GAN, n int, reference [][]float64) (Scores, error) {
	_, feats, probs, err := c.predictGAN(g, n)
	if err != nil {
		return Scores{}, err
	}
	return scoresOf(feats, probs, reference, askedClasses(g, n))
}

// predictGAN generates n images with g (noise seed 12345), resizes them to the
// classifier's size if needed, and returns the images as generated with the
// classifier's features and class probabilities.
func (c *Classifier) predictGAN(g *gan.GAN, n int) (flat []float32, feats, probs [][]float64, err error) {
	if flat, err = g.GenerateN(n, 12345); err != nil {
		return nil, nil, nil, err
	}
	small := flat
	if o := g.Opts; o.Size != imageSize {
		if small, err = resize(flat, n, o.Size, o.Channels); err != nil {
			return nil, nil, nil, err
		}
	}
	feats, probs, err = c.Predict(small, n, g.Opts.Channels)
	return flat, feats, probs, err
}

// resize scales n channels-last images of size x size to the classifier's size.
func resize(flat []float32, n, size, channels int) ([]float32, error) {
	imgs, err := imgio.Batch(flat, n, size, size, channels)
	if err != nil {
		return nil, err
	}
	out := make([]float32, 0, n*imageSize*imageSize*channels)
	for _, img := range imgs {
		out = append(out, imgio.Fit(img, imageSize, channels)...)
	}
	return out, nil
}

// Labelled loads a 28x28 dataset the shipped classifiers know: the training or
// the test part of "mnist" or "fashion".
func Labelled(name string, train bool, channels int) (*dataset.Dataset, error) {
	switch name {
	case "mnist":
		return dataset.LoadMNIST(train, 28, channels)
	case "fashion":
		return dataset.LoadFashionMNIST("", train, 28, channels)
	}
	return nil, fmt.Errorf("unknown dataset %q: use mnist or fashion", name)
}

// NewScorer returns the quality score of a GAN trained on dataset ("mnist" or
// "fashion", or a folder of their images): n samples (noise seed 12345)
// against the first n test images, with the shipped classifier. It fits
// run.Config.Score and run.Sweep.
func NewScorer(backend compute.Backend, dataset string, channels, n int) (func(*gan.GAN) (gan.QualityScore, error), error) {
	if dataset != "mnist" && dataset != "fashion" {
		return nil, fmt.Errorf("scores exist for mnist and fashion only (for a folder of their images, name the classifier: mnist or fashion)")
	}
	c, err := Shipped(backend, dataset)
	if err != nil {
		return nil, err
	}
	test, err := Labelled(dataset, false, channels)
	if err != nil {
		return nil, err
	}
	ref, err := c.Reference(test, n)
	if err != nil {
		return nil, err
	}
	return func(g *gan.GAN) (gan.QualityScore, error) {
		s, err := c.EvaluateGAN(g, n, ref)
		return s.Quality(), err
	}, nil
}
