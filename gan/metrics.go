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
}

// Collapse thresholds: a run whose samples cover fewer classes than this
// entropy, or vary less than this fraction of the real images' spread, is
// reported as mode collapse. Measured on MNIST: healthy runs score entropy
// >= 0.94 and diversity >= 0.73 from step 1000 on (docs/results.md, "The four problems").
const (
	CollapseEntropy   = 0.8
	CollapseDiversity = 0.5
)

// Collapsed reports whether the scores show mode collapse, and why.
func (q QualityScore) Collapsed() (bool, string) {
	switch {
	case q.Entropy < CollapseEntropy:
		return true, fmt.Sprintf("class entropy %.2f < %.2f: the generator draws only a few classes", q.Entropy, CollapseEntropy)
	case q.Diversity < CollapseDiversity:
		return true, fmt.Sprintf("diversity %.2f < %.2f: the samples are near-copies of each other", q.Diversity, CollapseDiversity)
	}
	return false, ""
}

func (m Metrics) check() error {
	if math.IsNaN(m.DLoss) || math.IsNaN(m.GLoss) || math.IsInf(m.DLoss, 0) || math.IsInf(m.GLoss, 0) {
		return fmt.Errorf("%w at step %d (D loss %g, G loss %g): lower the learning rates and resume from the last checkpoint", ErrDiverged, m.Step, m.DLoss, m.GLoss)
	}
	return nil
}
