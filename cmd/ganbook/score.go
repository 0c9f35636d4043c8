package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/gan"
	"github.com/ganbook/ganbook/score"
)

func scoreCmd(args []string) error {
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	runDir := fs.String("run", "", "run folder to score (its newest checkpoint)")
	n := fs.Int("n", 1000, "generated samples to score")
	dataName := fs.String("dataset", "mnist", "which classifier and test set: mnist or fashion")
	trainFor := fs.String("train", "", "instead: train the classifier for mnist or fashion")
	steps := fs.Int("steps", 3000, "with --train: training steps (batch 128)")
	out := fs.String("out", "", "with --train: where to write the weights (.safetensors)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	b, err := backend()
	if err != nil {
		return err
	}
	if *trainFor != "" {
		if *out == "" {
			return usagef("score --train needs --out FILE.safetensors")
		}
		if err := checkOutputFile("out", *out); err != nil {
			return err
		}
		data, err := labelled(*trainFor, true)
		if err != nil {
			return err
		}
		test, err := labelled(*trainFor, false)
		if err != nil {
			return err
		}
		start := time.Now()
		c, err := score.TrainClassifier(b, data, *steps, 1)
		if err != nil {
			return err
		}
		acc, err := c.Accuracy(test)
		if err != nil {
			return err
		}
		if err := c.Save(*out); err != nil {
			return err
		}
		fmt.Printf("%s classifier: %d steps in %s, test accuracy %.2f%% (10,000 images); written to %s\n", *trainFor, *steps, time.Since(start).Round(time.Second), 100*acc, *out)
		return nil
	}
	if *runDir == "" {
		return usagef("score: --run RUN_DIR is required (or --train DATASET)")
	}
	if *n < 2 || *n > 100000 {
		return usagef("score: --n must be between 2 and 100000, got %d", *n)
	}
	g, path, err := gan.RestoreLatest(b, *runDir)
	if err != nil {
		return err
	}
	c, err := score.Shipped(b, *dataName)
	if err != nil {
		return usagef("%v", err)
	}
	test, err := labelled(*dataName, false)
	if err != nil {
		return err
	}
	ref, err := c.Reference(test, *n)
	if err != nil {
		return err
	}
	s, err := c.EvaluateGAN(g, *n, ref)
	if err != nil {
		return err
	}
	fmt.Printf("%s (step %d): %s\n", path, g.Step, s)
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
