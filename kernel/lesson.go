package kernel

import (
	"context"
	"fmt"
	"image"
	"path/filepath"
	"time"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/gan"
	"github.com/ganbook/ganbook/internal/loop"
	"github.com/ganbook/ganbook/styletransfer"

	"github.com/ganbook/ganbook/gan/run"
)

// GANPlots draws the lesson's two training plots from a metrics history: the
// two losses (they should oscillate, not fall to 0), and D(x) and D(G(z))
// (they should meet near 0.5).
func GANPlots(history []gan.Metrics) (string, error) {
	var steps, dl, gl, dx, dgz []float64
	for _, m := range history {
		steps = append(steps, float64(m.Step))
		dl, gl, dgz = append(dl, m.DLoss), append(gl, m.GLoss), append(dgz, m.DFake)
		dx = append(dx, m.DReal)
	}
	losses, err := PlotSVG("losses", "step", Series{"D loss", steps, dl}, Series{"G loss", steps, gl})
	if err != nil {
		return "", err
	}
	probs, err := PlotSVG("discriminator outputs", "step", Series{"D(x)", steps, dx}, Series{"D(G(z))", steps, dgz})
	if err != nil {
		return "", err
	}
	return losses + probs, nil
}

// TrainingView shows a training while it runs, in one block of the notebook:
// the step, the fixed-noise sample grid and the lesson's two plots, redrawn
// every Every steps. The training loop calls it (Step after each step, Done
// at the end); it owns nothing of the training. With a run folder, each grid
// is also saved into RunDir/samples with the animation progress.gif, as
// `ganbook train` does.
type TrainingView struct {
	g            *gan.GAN
	every, total int // redraw every every steps; total: the step the loop stops at
	runDir       string
	live         *Live
	start        time.Time
	first        int // g.Step when the view began
}

// ShowTraining begins a view of g's training up to step total, redrawn every
// every steps (and at total), saving the grids into runDir ("": nowhere).
func ShowTraining(g *gan.GAN, total, every int, runDir string) *TrainingView {
	return &TrainingView{g: g, every: every, total: total, runDir: runDir, live: NewLive(), start: time.Now(), first: g.Step}
}

// Step is called after each training step with its metrics.
func (v *TrainingView) Step(m gan.Metrics) error {
	if !loop.Due(v.every, m.Step-v.first, v.total-v.first) { // every every steps, and the last
		return nil
	}
	grid, err := v.g.SampleGrid()
	if err != nil {
		return err
	}
	plots, err := GANPlots(v.g.History)
	if err != nil {
		return err
	}
	if v.runDir != "" {
		if err := run.SaveSampleGrid(v.g, filepath.Join(v.runDir, "samples"), grid); err != nil {
			return err
		}
	}
	done := v.g.Step - v.first
	v.live.Update(fmt.Sprintf("<p>step %d (%d of %d in this cell, %.1f steps/s): D loss %.3f, G loss %.3f, D(x) %.2f, D(G(z)) %.2f</p>%s<br>%s",
		v.g.Step, done, v.total-v.first, float64(done)/time.Since(v.start).Seconds(), m.DLoss, m.GLoss, m.DReal, m.DFake, ImageHTML(grid, 1), plots))
	return nil
}

// Done leaves the last drawing in the notebook and writes the run folder's
// animation, which holds every grid however often it was refreshed.
func (v *TrainingView) Done() error {
	v.live.Finish()
	if v.runDir == "" {
		return nil
	}
	return run.WriteProgressGIF(filepath.Join(v.runDir, "samples"))
}

// TrainLive trains g for steps more steps on batches with the package's
// training step (gan.GAN.TrainStep), shown by a TrainingView redrawn every
// every steps. It returns the metrics of the last step. Notebook 01 writes
// this loop in a cell; the later notebooks call it.
func TrainLive(g *gan.GAN, batches *dataset.Batcher, steps, every int, runDir string) (gan.Metrics, error) {
	return trainShown(g, batches, ShowTraining(g, g.Step+steps, every, runDir), time.Time{})
}

// trainShown trains g on batches up to the view's total, showing each step;
// a step that ends after deadline (zero: none) is the last, and drawn.
func trainShown(g *gan.GAN, batches *dataset.Batcher, view *TrainingView, deadline time.Time) (gan.Metrics, error) {
	var m gan.Metrics
	for g.Step < view.total {
		var err error
		if m, err = g.TrainStep(batches.Next()); err == nil {
			if !deadline.IsZero() && time.Now().After(deadline) {
				view.total = g.Step
			}
			err = view.Step(m)
		}
		if err != nil {
			view.live.Finish()
			return m, err
		}
	}
	return m, view.Done()
}

// TrainLiveFor is TrainLive for a time budget: a step is timed on a
// throwaway GAN (run.MeasureStep, the median of 3), the steps that fit are
// the view's total, and the step that ends after the budget is the last,
// whichever comes first. It returns the metrics of the last step.
func TrainLiveFor(g *gan.GAN, data *dataset.Dataset, budget time.Duration, every int, runDir string) (gan.Metrics, error) {
	backend, err := Backend()
	if err != nil {
		return gan.Metrics{}, err
	}
	per, err := run.MeasureStep(backend, g.Opts, gan.Parts{}, data, 3)
	if err != nil {
		return gan.Metrics{}, err
	}
	batches, err := g.Batches(data)
	if err != nil {
		return gan.Metrics{}, err
	}
	fits := run.StepsFit(budget, per)
	fmt.Printf("a step takes %s: about %d steps fit in %s\n", per.Round(time.Millisecond), fits, budget)
	return trainShown(g, batches, ShowTraining(g, g.Step+fits, every, runDir), time.Now().Add(budget))
}

// StyleLive runs a style transfer, refreshing one block of the notebook every
// every steps with the picture and the three losses; the last state stays.
func StyleLive(r *styletransfer.Run, steps, every int) (image.Image, []styletransfer.Progress, error) {
	live := NewLive()
	defer live.Finish()
	var hist []styletransfer.Progress
	step := func(int) error {
		p, err := r.Step()
		if err == nil {
			hist = append(hist, p)
		}
		return err
	}
	show := func(i int) error {
		img, err := r.Image()
		if err != nil {
			return err
		}
		plot, err := StylePlot(hist)
		if err != nil {
			return err
		}
		p := hist[len(hist)-1]
		live.Update(fmt.Sprintf("<p>step %d/%d: content %.4g, style %.4g, variation %.4g</p>%s<br>%s",
			i, steps, p.Content, p.Style, p.Variation, ImageHTML(img, 1), plot))
		return nil
	}
	if err := loop.Run(context.Background(), 0, steps, step, loop.Hook{Every: every, Do: show}); err != nil {
		return nil, hist, err
	}
	img, err := r.Image()
	return img, hist, err
}

// StylePlot draws the three style-transfer losses, each divided by its first
// value so they share one axis.
func StylePlot(hist []styletransfer.Progress) (string, error) {
	if len(hist) == 0 {
		return "", fmt.Errorf("nothing to plot")
	}
	var steps, c, s, v []float64
	rel := func(x, first float64) float64 {
		if first == 0 {
			return 0
		}
		return x / first
	}
	for _, p := range hist {
		steps = append(steps, float64(p.Step))
		c = append(c, rel(p.Content, hist[0].Content))
		s = append(s, rel(p.Style, hist[0].Style))
		v = append(v, rel(p.Variation, hist[0].Variation))
	}
	return PlotSVG("losses (relative to step 1)", "step", Series{"content", steps, c}, Series{"style", steps, s}, Series{"variation", steps, v})
}
