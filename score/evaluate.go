package score

import (
	"embed"
	"fmt"

	"github.com/gomlx/compute"

	"github.com/ganbook/ganbook/gan"
	"github.com/ganbook/ganbook/internal/safetensors"
)

// The shipped classifiers, trained by `ganbook score --train` (see README).
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
	Histogram  [Classes]int
}

func (s Scores) String() string {
	return fmt.Sprintf("n=%d  Frechet distance %.2f  mean confidence %.3f  class entropy %.3f  histogram %v",
		s.N, s.Frechet, s.Confidence, s.Entropy, s.Histogram)
}

// Evaluate scores n generated images (flat [n, 28, 28, channels]) against the
// features of real images.
func (c *Classifier) Evaluate(images []float32, n, channels int, reference [][]float64) (Scores, error) {
	feats, probs, err := c.Predict(images, n, channels)
	if err != nil {
		return Scores{}, err
	}
	s := Scores{N: n}
	for _, p := range probs {
		k := argmax(p)
		s.Histogram[k]++
		s.Confidence += p[k] / float64(n)
	}
	s.Entropy = ClassEntropy(s.Histogram[:])
	if s.Frechet, err = FrechetDistance(feats, reference); err != nil {
		return Scores{}, err
	}
	return s, nil
}

// Reference is the features of the first n images of a real dataset.
func (c *Classifier) Reference(real *gan.Dataset, n int) ([][]float64, error) {
	d := real.Take(n)
	feats, _, err := c.Predict(d.Images, d.N, d.Chan)
	return feats, err
}

// EvaluateGAN generates n images with g (noise seed 12345) and scores them.
func (c *Classifier) EvaluateGAN(g *gan.GAN, n int, reference [][]float64) (Scores, error) {
	if g.Opts.Size != imageSize {
		return Scores{}, fmt.Errorf("the classifier scores 28x28 images, this model makes %dx%d", g.Opts.Size, g.Opts.Size)
	}
	flat, err := g.GenerateN(n, 12345)
	if err != nil {
		return Scores{}, err
	}
	return c.Evaluate(flat, n, g.Opts.Channels, reference)
}
