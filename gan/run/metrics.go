package run

import (
	"fmt"

	"github.com/ganbook/ganbook/gan"
)

// MetricsHeader is the first line of metrics.csv.
const MetricsHeader = "step,d_loss,g_loss,d_real,d_fake,d_skipped,frechet,confidence,entropy,diversity"

// csvLine is a step's metrics as one metrics.csv line (without newline); the score
// columns are empty on steps that were not scored.
func csvLine(m gan.Metrics) string {
	line := fmt.Sprintf("%d,%.6g,%.6g,%.6g,%.6g,%t,", m.Step, m.DLoss, m.GLoss, m.DReal, m.DFake, m.DSkipped)
	if m.Score != nil {
		return line + fmt.Sprintf("%.4g,%.4g,%.4g,%.4g", m.Score.Frechet, m.Score.Confidence, m.Score.Entropy, m.Score.Diversity)
	}
	return line + ",,,"
}
