package kernel

import (
	"context"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/gan"

	"github.com/ganbook/ganbook/gan/run"
)

// RunsHTML shows short runs side by side: the table of their scores
// (run.SweepRows) and each run's final sample grid under its name.
func RunsHTML(results []run.SweepResult) string {
	headers, rows := run.SweepRows(results)
	var b strings.Builder
	b.WriteString(TableHTML(headers, rows))
	b.WriteString(`<div style="display:flex;flex-wrap:wrap;gap:12px">`)
	for i, r := range results {
		if r.Samples == nil {
			continue
		}
		fmt.Fprintf(&b, `<figure style="margin:0">%s<figcaption>%s</figcaption></figure>`, ImageHTML(r.Samples, 1), html.EscapeString(rows[i][0]))
	}
	b.WriteString("</div>")
	return b.String()
}

// Compare trains a fresh GAN for each of the options for steps steps on data
// (run.Sweep), scores each with score (nil: no scores), and shows the table and
// the sample grids; a line per finished run appears while it works.
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
