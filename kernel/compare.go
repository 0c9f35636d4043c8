package kernel

import (
	"context"
	"fmt"
	"html"
	"slices"
	"strings"
	"time"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/gan"

	"github.com/ganbook/ganbook/gan/run"
)

// RunsHTML shows short runs side by side: the table of their scores
// (run.SweepRows), each run's final sample grid under its name with the
// classifier's class histogram, and the lesson's balance plots (D loss and
// D(G(z))) of all runs together.
func RunsHTML(results []run.SweepResult) string {
	headers, rows := run.SweepRows(results)
	var b strings.Builder
	b.WriteString(TableHTML(headers, rows))
	b.WriteString(`<div style="display:flex;flex-wrap:wrap;gap:12px">`)
	for i, r := range results {
		if r.Samples == nil {
			continue
		}
		fmt.Fprintf(&b, `<figure style="margin:0">%s`, ImageHTML(r.Samples, 1))
		if r.Score != nil && len(r.Score.Shares) > 0 {
			b.WriteString("<br>" + ClassBarsSVG(r.Score.Shares))
		}
		fmt.Fprintf(&b, `<figcaption>%s</figcaption></figure>`, html.EscapeString(rows[i][0]))
	}
	b.WriteString("</div>")
	plots, err := balancePlots(results, rows)
	if err != nil {
		plots = "<p>(no balance plots: " + html.EscapeString(err.Error()) + ")</p>"
	}
	b.WriteString(plots)
	return b.String()
}

// smoothSteps: the balance plots show each run's mean over this many steps
// (fewer for short runs), so that two noisy lines can be told apart.
const smoothSteps = 25

// balancePlots draws each run's D loss and D(G(z)) over the steps, one line
// per run, named by its settings (rows[i][0]); a run without steps (it failed
// at once) is left out.
func balancePlots(results []run.SweepResult, rows [][]string) (string, error) {
	longest := 0
	for _, r := range results {
		longest = max(longest, len(r.History))
	}
	window := max(1, min(smoothSteps, longest/20))
	var loss, fake []Series
	for i, r := range results {
		var x, dl, dgz []float64
		for j := 0; j+window <= len(r.History); j += window {
			var l, f float64
			for _, m := range r.History[j : j+window] {
				l, f = l+m.DLoss/float64(window), f+m.DFake/float64(window)
			}
			x, dl, dgz = append(x, float64(r.History[j+window-1].Step)), append(dl, l), append(dgz, f)
		}
		if len(x) > 0 {
			loss = append(loss, Series{rows[i][0], x, dl})
			fake = append(fake, Series{rows[i][0], x, dgz})
		}
	}
	if len(loss) == 0 {
		return "", fmt.Errorf("no run has steps to plot")
	}
	title := fmt.Sprintf(" (mean of %d steps)", window)
	a, err := PlotSVG("D loss"+title, "step", loss...)
	if err != nil {
		return "", err
	}
	b, err := PlotSVG("D(G(z))"+title, "step", fake...)
	return a + b, err
}

// ClassBarsSVG draws a class histogram: one bar per class (its share of the
// samples, labelled with the class number under it) and a dashed line at an
// even share. A collapsing generator leaves most bars near 0.
func ClassBarsSVG(shares []float64) string {
	const w, h, top, base, barW = 240, 120, 16, 90, 20
	even := 1 / float64(len(shares))
	scale := float64(base-top) / max(3*even, slices.Max(shares))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" font-family="sans-serif" font-size="11px">`, w, h, w, h)
	fmt.Fprintf(&b, `<text x="4" y="11">class shares (dashed: even %.0f%%)</text>`, 100*even)
	for k, s := range shares {
		x := 10 + k*(barW+2)
		bh := s * scale
		fmt.Fprintf(&b, `<rect x="%d" y="%.1f" width="%d" height="%.1f" fill="hsl(210, 70%%, 45%%)"><title>%d: %.1f%%</title></rect>`, x, base-bh, barW, bh, k, 100*s)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">%d</text>`, x+barW/2, base+14, k)
	}
	ey := float64(base) - even*scale
	fmt.Fprintf(&b, `<line x1="8" x2="%d" y1="%.1f" y2="%.1f" stroke="black" stroke-dasharray="3,3"/></svg>`, 10+len(shares)*(barW+2), ey, ey)
	return b.String()
}

// Compare trains a fresh GAN for each of the options for steps steps on data
// (run.Sweep), scores each with score (nil: no scores), and shows the table,
// the sample grids, the class histograms and the balance plots; a line per
// finished run appears while it works.
func Compare(data *dataset.Dataset, runs []gan.Options, steps int, score func(*gan.GAN) (gan.QualityScore, error)) ([]run.SweepResult, error) {
	backend, err := Backend()
	if err != nil {
		return nil, err
	}
	live := NewLive()
	var done []string
	results, err := run.Sweep(context.Background(), backend, data, runs, steps, score, func(i int, r run.SweepResult) {
		now := fmt.Sprintf("run %d of %d: step %d of %d (%s)", i+1, len(runs), r.Steps, steps, r.Time.Round(time.Second))
		if r.Finished {
			done = append(done, fmt.Sprintf("run %d of %d finished in %s", i+1, len(runs), r.Time.Round(time.Second)))
			now = ""
		}
		live.Update("<p>" + strings.Join(append(done, now), "<br>") + "</p>")
	})
	live.Update(RunsHTML(results))
	live.Finish()
	return results, err
}
