package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/gan"
	"github.com/ganbook/ganbook/internal/imgio"
	"github.com/ganbook/ganbook/score"
	"github.com/gomlx/compute"

	"github.com/ganbook/ganbook/gan/run"
)

func scoreCmd(args []string) error {
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	runDir := fs.String("run", "", "run folder to score (its newest checkpoint)")
	n := fs.Int("n", 1000, "generated samples to score")
	dataName := fs.String("dataset", "mnist", "which classifier and test set: mnist or fashion")
	trainFor := fs.String("train", "", "instead: train the classifier for mnist or fashion")
	steps := fs.Int("steps", 6000, "with --train: training steps (batch 128)")
	out := fs.String("out", "", "with --train: where to write the weights (.safetensors)")
	real := fs.Bool("real", false, "instead of a run: score n real test images (from the second thousand on) against the first n, the ceiling a GAN can reach")
	grid := fs.String("grid", "", "also write the samples sorted by class to this PNG: one row per class, a bar of its share beside it")
	worst := fs.String("worst", "", "also write the 40 samples the classifier is least sure of to this PNG, the least sure first: the worst case")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	b, err := backend()
	if err != nil {
		return err
	}
	switch {
	case *trainFor != "":
		return trainClassifier(b, *trainFor, *out, *steps)
	case *real:
		return scoreReal(b, *dataName, *n)
	case *runDir == "":
		return usagef("score: --run RUN_DIR is required (or --train DATASET, or --real)")
	}
	for name, file := range map[string]string{"grid": *grid, "worst": *worst} {
		if file == "" {
			continue
		}
		if err := imgio.CheckOutputName(file); err != nil {
			return usagef("%v", err)
		}
		if err := checkOutputFile(name, file); err != nil {
			return err
		}
	}
	if *n < 2 || *n > 100000 {
		return usagef("score: --n must be between 2 and 100000, got %d", *n)
	}
	g, path, err := run.RestoreLatest(b, *runDir)
	if err != nil {
		return err
	}
	if err := scoreDataset(*runDir, dataName, setFlags(fs)["dataset"]); err != nil {
		return err
	}
	return scoreRun(b, g, path, *dataName, *n, *grid, *worst)
}

// trainClassifier trains the scorer's classifier for a dataset and writes it.
func trainClassifier(b compute.Backend, name, out string, steps int) error {
	if out == "" {
		return usagef("score --train needs --out FILE.safetensors")
	}
	if err := checkOutputFile("out", out); err != nil {
		return err
	}
	data, err := labelled(name, true)
	if err != nil {
		return err
	}
	test, err := labelled(name, false)
	if err != nil {
		return err
	}
	start := time.Now()
	c, err := score.TrainClassifier(b, data, steps, 1, func(step int, loss float64) {
		fmt.Fprintf(os.Stderr, "step %d/%d: loss %.4f (%s)\n", step, steps, loss, time.Since(start).Round(time.Second))
	})
	if err != nil {
		return err
	}
	acc, err := c.Accuracy(test)
	if err != nil {
		return err
	}
	if err := c.Save(out); err != nil {
		return err
	}
	fmt.Printf("%s classifier: %d steps in %s, test accuracy %.2f%% (10,000 images); written to %s\n", name, steps, time.Since(start).Round(time.Second), 100*acc, out)
	return nil
}

// scoreRun scores n samples of g (from the checkpoint at path) with the
// dataset's shipped classifier, and writes the worst-case and class grids
// where asked.
func scoreRun(b compute.Backend, g *gan.GAN, path, dataName string, n int, grid, worst string) error {
	c, err := score.Shipped(b, dataName)
	if err != nil {
		return usagef("%v", err)
	}
	test, err := labelled(dataName, false)
	if err != nil {
		return err
	}
	ref, err := c.Reference(test, n)
	if err != nil {
		return err
	}
	if worst != "" {
		img, err := c.WorstGrid(g, n, 40, 10)
		if err != nil {
			return err
		}
		if err := imgio.Save(worst, img); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "wrote %s: the 40 of %d samples the classifier is least sure of, the least sure first\n", worst, n)
	}
	if grid == "" {
		s, err := c.EvaluateGAN(g, n, ref)
		if err != nil {
			return err
		}
		fmt.Printf("%s (step %d): %s\n", path, g.Step, s)
		return nil
	}
	img, s, err := c.ClassGrid(g, n, 12, ref)
	if err != nil {
		return err
	}
	fmt.Printf("%s (step %d): %s\n", path, g.Step, s)
	if err := imgio.Save(grid, img); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s: rows 0 to 9 from the top, bars of each class's share (white mark: an even share)\n", grid)
	return nil
}

// labelled loads the training or test part of a dataset the shipped
// classifiers know; any other name is a usage error.
func labelled(name string, train bool) (*dataset.Dataset, error) {
	if name != "mnist" && name != "fashion" {
		return nil, usagef("unknown dataset %q: use mnist or fashion", name)
	}
	return score.Labelled(name, train, 1)
}

// scoreReal scores n real test images (those after the first n) against the
// first n: what a perfect generator would score.
func scoreReal(b compute.Backend, dataName string, n int) error {
	c, err := score.Shipped(b, dataName)
	if err != nil {
		return usagef("%v", err)
	}
	test, err := labelled(dataName, false)
	if err != nil {
		return err
	}
	if 2*n > test.N {
		return usagef("score --real: --n must be at most %d", test.N/2)
	}
	ref, err := c.Reference(test, n)
	if err != nil {
		return err
	}
	per := test.Size * test.Size * test.Chan
	labels := make([]int, n) // the classes of the scored images: agreement is the classifier's accuracy
	for i := range labels {
		labels[i] = int(test.Labels[n+i])
	}
	s, err := c.EvaluateAsked(test.Images[n*per:2*n*per], n, test.Chan, labels, ref)
	if err != nil {
		return err
	}
	fmt.Printf("real %s test images %d-%d against the first %d: %s\n", dataName, n, 2*n-1, n, s)
	return nil
}

// scoreDataset picks the classifier for a run from its run.json: the run's own
// dataset when it is one the shipped classifiers know; a run on a folder is
// refused unless --dataset says what its pictures are (a folder written by
// `ganbook data folder`, say), since a digit classifier's scores of other
// pictures mean nothing.
func scoreDataset(runDir string, dataName *string, given bool) error {
	trained, err := run.DatasetOf(runDir)
	if err != nil || trained == "" {
		return err // a run without run.json (older versions): --dataset decides
	}
	known := trained == "mnist" || trained == "fashion"
	switch {
	case !given && known:
		*dataName = trained
	case !given:
		return usagef("%s was trained on the folder %q, which the shipped classifiers (mnist, fashion) do not know, so its scores would mean nothing: if its pictures are digits or garments, say so with --dataset mnist or --dataset fashion", runDir, trained)
	case trained != *dataName:
		fmt.Fprintf(os.Stderr, "note: %s was trained on %s; scoring it with the %s classifier, as asked\n", runDir, trained, *dataName)
	}
	return nil
}
