package run

import (
	"context"
	"fmt"
	"image"
	"math"
	"strings"
	"time"

	"github.com/gomlx/compute"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/internal/loop"

	"github.com/ganbook/ganbook/gan"
)

// SweepResult is one short training run of a hyperparameter sweep.
type SweepResult struct {
	Options gan.Options
	Steps   int               // steps trained (fewer than asked when the run diverged)
	DLoss   float64           // mean discriminator loss over the last 10% of steps
	GLoss   float64           // mean generator loss over the same steps
	DFake   float64           // mean D(G(z)) over the same steps: near 0 when the discriminator wins
	DWins   float64           // fraction of all steps with a discriminator loss below DWinsBelow
	Score   *gan.QualityScore // nil without a scorer or when the run failed
	Err     error             // divergence or another failure of this run only
	Time    time.Duration
	Samples image.Image   // the final sample grid (nil when the run failed)
	History []gan.Metrics // every step's metrics, for the lesson's plots
	// Finished is false in the progress reports during a run (every
	// SweepReportEvery steps) and true in the one report at its end.
	Finished bool
}

// DWinsBelow: a step whose discriminator loss is below this counts as the
// discriminator winning (its loss "near 0", problem 3 of the lesson).
const DWinsBelow = 0.1

// SweepReportEvery is how often, in steps, Sweep reports a run's progress.
const SweepReportEvery = 50

// SweepGrid returns base with every combination of the learning rates (both
// networks), beta1 and beta2 values; an empty list keeps base's value.
func SweepGrid(base gan.Options, lrs, beta1s, beta2s []float64) []gan.Options {
	orBase := func(list []float64, v float64) []float64 {
		if len(list) == 0 {
			return []float64{v}
		}
		return list
	}
	var grid []gan.Options
	for _, lr := range orBase(lrs, base.LRG) {
		for _, b1 := range orBase(beta1s, base.Beta1) {
			for _, b2 := range orBase(beta2s, base.Beta2) {
				o := base
				o.LRD, o.LRG, o.Beta1, o.Beta2 = lr, lr, b1, b2
				grid = append(grid, o)
			}
		}
	}
	return grid
}

// Sweep trains a fresh GAN for steps steps with each of the options, in memory
// (no checkpoints), and scores it with score when that is not nil. A run that
// diverges is reported in its result and the sweep goes on. report, when set,
// gets run i's progress every SweepReportEvery steps and its result at the end
// (Finished).
func Sweep(ctx context.Context, backend compute.Backend, data *dataset.Dataset, grid []gan.Options, steps int,
	score func(*gan.GAN) (gan.QualityScore, error), report func(i int, r SweepResult)) ([]SweepResult, error) {
	var results []SweepResult
	for i, o := range grid {
		if ctx.Err() != nil {
			return results, ctx.Err()
		}
		start := time.Now()
		r := SweepResult{Options: o}
		progress := func() {
			if report != nil {
				r.Time = time.Since(start)
				report(i, r)
			}
		}
		r.Err = sweepRun(ctx, backend, data, o, steps, score, &r, progress)
		r.Time, r.Finished = time.Since(start), true
		results = append(results, r)
		progress()
	}
	return results, nil
}

func sweepRun(ctx context.Context, backend compute.Backend, data *dataset.Dataset, o gan.Options, steps int,
	score func(*gan.GAN) (gan.QualityScore, error), r *SweepResult, progress func()) error {
	g, err := gan.New(backend, o)
	if err != nil {
		return err
	}
	batches, err := g.Batches(data)
	if err != nil {
		return err
	}
	step := func(int) error {
		_, err := g.TrainStep(batches.Next())
		r.Steps = g.Step
		return err
	}
	report := func(i int) error {
		if i < steps { // the finished run is reported by Sweep
			progress()
		}
		return nil
	}
	err = loop.Run(ctx, 0, steps, step, loop.Hook{Every: SweepReportEvery, Do: report})
	r.History = g.History // a failed run's steps too: where it went wrong
	if err != nil {
		return err
	}
	wins := 0
	for _, m := range g.History {
		if m.DLoss < DWinsBelow {
			wins++
		}
	}
	r.DWins = float64(wins) / float64(len(g.History))
	tail := g.History[len(g.History)-max(1, len(g.History)/10):]
	for _, m := range tail {
		r.DLoss += m.DLoss / float64(len(tail))
		r.GLoss += m.GLoss / float64(len(tail))
		r.DFake += m.DFake / float64(len(tail))
	}
	if score != nil {
		q, err := score(g)
		if err != nil {
			return err
		}
		r.Score = &q
	}
	r.Samples, err = g.SampleGrid()
	return err
}

// SweepRows are the results as table cells: the first column names each run
// by its settings that differ from the defaults (e.g. "lr-d=0.002 lr-g=2e-05").
func SweepRows(results []SweepResult) (headers []string, rows [][]string) {
	headers = []string{"run", "steps", "D loss", "G loss", "D(G(z))", fmt.Sprintf("D loss < %g", DWinsBelow), "Frechet", "confidence", "entropy", "diversity", "collapse", "time"}
	labels := differingSettings(results)
	for i, r := range results {
		row := []string{labels[i], fmt.Sprint(r.Steps)}
		if r.Err != nil {
			row = append(row, "failed: "+r.Err.Error(), "", "", "", "", "", "", "", "")
		} else {
			row = append(row, fmt.Sprintf("%.3f", r.DLoss), fmt.Sprintf("%.3f", r.GLoss), fmt.Sprintf("%.2f", r.DFake), fmt.Sprintf("%.0f%%", 100*r.DWins))
			if q := r.Score; q != nil {
				collapse := "no"
				if c, why := q.Collapsed(); c {
					collapse = "yes"
				} else if why != "" {
					collapse = "too early"
				}
				row = append(row, fmt.Sprintf("%.1f", q.Frechet), fmt.Sprintf("%.3f", q.Confidence), fmt.Sprintf("%.3f", q.Entropy), fmt.Sprintf("%.3f", q.Diversity), collapse)
			} else {
				row = append(row, "", "", "", "", "")
			}
		}
		rows = append(rows, append(row, r.Time.Round(time.Second).String()))
	}
	return headers, rows
}

// differingSettings labels each run with the key=value settings of
// Options.String that differ from its model's DefaultOptions ("defaults" when
// none do).
func differingSettings(results []SweepResult) []string {
	labels := make([]string, len(results))
	for i, r := range results {
		defaults := map[string]bool{}
		for _, f := range strings.Fields(gan.DefaultOptions(r.Options.Model).String()) {
			defaults[f] = true
		}
		var own []string
		for _, f := range strings.Fields(r.Options.String()) {
			if !defaults[f] {
				own = append(own, f)
			}
		}
		labels[i] = strings.Join(own, " ")
		if labels[i] == "" {
			labels[i] = "defaults"
		}
	}
	return labels
}

// SweepTable formats sweep results as a Markdown table; the run with the best
// Frechet distance is marked "<- best".
func SweepTable(results []SweepResult) string {
	best, bestFD := -1, math.Inf(1)
	for i, r := range results {
		if r.Score != nil && r.Err == nil && r.Score.Frechet < bestFD {
			best, bestFD = i, r.Score.Frechet
		}
	}
	headers, rows := SweepRows(results)
	var b strings.Builder
	b.WriteString("| " + strings.Join(headers, " | ") + " |\n")
	b.WriteString(strings.Repeat("|---", len(headers)) + "|\n")
	for i, row := range rows {
		b.WriteString("| " + strings.Join(row, " | ") + " |")
		if i == best {
			b.WriteString(" <- best")
		}
		b.WriteString("\n")
	}
	return b.String()
}
