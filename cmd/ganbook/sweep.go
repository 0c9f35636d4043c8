package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/gan"
	"github.com/ganbook/ganbook/internal/fileio"
	"github.com/ganbook/ganbook/score"

	"github.com/ganbook/ganbook/gan/run"
)

// sweepCmd: `ganbook sweep` trains short runs over a grid of learning rates and
// Adam betas and prints a table of their final losses and scores.
func sweepCmd(args []string) error {
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	dataName := fs.String("dataset", "mnist", "mnist or fashion (scored with the shipped classifier)")
	modelName := fs.String("model", gan.MLP, gan.MLP+" or "+gan.DCGAN)
	steps := fs.Int("steps", 500, "training steps per run")
	lrs := fs.String("lr", "5e-5,2e-4,1e-3", "comma-separated learning rates (both networks)")
	beta1s := fs.String("beta1", "0.5,0.9", "comma-separated Adam beta1 values")
	beta2s := fs.String("beta2", "0.999", "comma-separated Adam beta2 values")
	limit := fs.Int("limit", 0, "use only the first N training images (0: all)")
	seed := fs.Int64("seed", 1, "random seed of every run")
	out := fs.String("out", "", "also write the table to this Markdown file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkOutputFile("out", *out); *out != "" && err != nil {
		return err
	}
	if *steps < 1 || *limit < 0 {
		return usagef("--steps must be positive and --limit >= 0")
	}
	base := gan.DefaultOptions(*modelName)
	base.Seed = *seed
	if err := base.Validate(); err != nil {
		return usagef("%v", err)
	}
	var lists [3][]float64
	for i, text := range []string{*lrs, *beta1s, *beta2s} {
		var err error
		if lists[i], err = parseFloats(text); err != nil {
			return usagef("sweep: %v", err)
		}
	}
	grid := run.SweepGrid(base, lists[0], lists[1], lists[2])
	for _, o := range grid {
		if err := o.Validate(); err != nil {
			return usagef("sweep: %v", err)
		}
	}
	b, err := backend()
	if err != nil {
		return err
	}
	scorer, err := score.NewScorer(b, *dataName, base.Channels, 1000)
	if err != nil {
		return usagef("sweep: %v", err)
	}
	data, err := loadDataset(*dataName, dataset.FashionMNISTDir, base, *limit)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "sweep: %d runs of %d steps (%s on %s)\n", len(grid), *steps, *modelName, data.Name)
	ctx, stop := stopContext()
	defer stop()
	results, err := run.Sweep(ctx, b, data, grid, *steps, scorer, func(i int, r run.SweepResult) {
		if !r.Finished {
			if progressLine.due(false) {
				progressLine.draw(r.Steps, *steps, fmt.Sprintf("run %d/%d  %s", i+1, len(grid), r.Time.Round(time.Second)))
			}
			return
		}
		status := "ok"
		if r.Err != nil {
			status = r.Err.Error()
		} else if r.Score != nil {
			status = fmt.Sprintf("Frechet %.1f, confidence %.3f, entropy %.3f", r.Score.Frechet, r.Score.Confidence, r.Score.Entropy)
		}
		progressLine.log(fmt.Sprintf("run %d/%d: lr %g beta1 %g beta2 %g: %s (%s)", i+1, len(grid), r.Options.LRG, r.Options.Beta1, r.Options.Beta2, status, r.Time.Round(time.Second)))
	})
	table := run.SweepTable(results)
	fmt.Print(table)
	if *out != "" {
		if werr := fileio.WriteFileAtomic(*out, func(w io.Writer) error { _, err := io.WriteString(w, table); return err }); werr != nil {
			return werr
		}
	}
	if err != nil {
		return interrupted{fmt.Sprintf("sweep interrupted after %d of %d runs", len(results), len(grid))}
	}
	return nil
}

// parseFloats reads a comma-separated list of numbers.
func parseFloats(text string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(text, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number list (e.g. 1e-4,2e-4)", text)
		}
		out = append(out, v)
	}
	return out, nil
}
