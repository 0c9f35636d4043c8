package gan

import (
	"fmt"
	"math"
)

// nanMetric marks a metric that was not measured in a step (a skipped phase).
var nanMetric = math.NaN()

// Metrics are one training step's numbers, the ones the lesson asks to watch:
// the two losses should oscillate rather than fall to zero, and D(x) and D(G(z))
// should stay away from 1 and 0.
type Metrics struct {
	Step     int
	DLoss    float64 // discriminator loss (real + generated)
	GLoss    float64 // generator loss
	DReal    float64 // D(x), NaN when the discriminator phase was skipped
	DFake    float64 // D(G(z)) seen by the generator phase
	DSkipped bool    // the discriminator phase was skipped (Options.SkipDBelow)

	// Quality scores, set only on the steps where a run scored them (run.Config.Score).
	Score *QualityScore
}

// QualityScore is a score of generated samples (see package score).
type QualityScore struct {
	Frechet, Confidence, Entropy, Diversity float64
	// Shares is the fraction of samples the classifier puts in each class
	// (the class histogram; nil when not measured): a collapsing generator
	// leaves most classes near 0.
	Shares []float64
}

// Collapse thresholds: a run whose samples cover fewer classes than this
// entropy (0.8: about seven of ten classes in even shares), or vary less
// than this fraction of the real images' spread (0.3: near-copies), is
// reported as mode collapse. Real MNIST test digits score 0.999 and 0.985,
// the default run 1.000 and 0.993; a generator still learning, whose varied
// but blurred digits the classifier's features do not yet spread apart,
// scores a diversity of 0.4-0.5 (the 64 px DCGAN of notebook 05 at step 400:
// 0.48), one drawing a single picture 0.14 (docs/results.md, "The four problems").
//
// Both are read through a classifier, so they mean something only once the
// samples look like digits to it: below CollapseMinConfidence (a generator
// that has not learned yet, drawing varied blobs the classifier cannot
// place) the verdict is "too early", not collapse. 0.7: the lesson's DCGAN
// scores 0.75 at step 250, while a starved generator's blobs (notebook 05's
// discriminator-wins run) score 0.62 at step 1000 with entropy 0.71.
const (
	CollapseEntropy       = 0.8
	CollapseDiversity     = 0.3
	CollapseMinConfidence = 0.7
)

// Collapsed reports whether the scores show mode collapse, and why; when it
// cannot tell (the samples are not digits yet) it says so in why and reports
// false.
func (q QualityScore) Collapsed() (bool, string) {
	if q.Entropy >= CollapseEntropy && q.Diversity >= CollapseDiversity {
		return false, ""
	}
	if q.Confidence < CollapseMinConfidence {
		return false, fmt.Sprintf("too early to judge: the classifier's mean confidence %.2f < %.2f, the samples are not digits yet", q.Confidence, CollapseMinConfidence)
	}
	if q.Entropy < CollapseEntropy {
		return true, fmt.Sprintf("class entropy %.2f < %.2f: the generator draws only a few classes", q.Entropy, CollapseEntropy)
	}
	return true, fmt.Sprintf("diversity %.2f < %.2f: the samples are near-copies of each other", q.Diversity, CollapseDiversity)
}

func (m Metrics) check() error {
	if math.IsNaN(m.DLoss) || math.IsNaN(m.GLoss) || math.IsInf(m.DLoss, 0) || math.IsInf(m.GLoss, 0) {
		return fmt.Errorf("%w at step %d (D loss %g, G loss %g): lower the learning rates and resume from the last checkpoint", ErrDiverged, m.Step, m.DLoss, m.GLoss)
	}
	return nil
}
