package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ganbook/ganbook/gan"
)

// Defaults of `ganbook train` with no flags: the lesson's MLP GAN on MNIST.
// Measured on a 2-core machine with the pure-Go backend: ~95 ms per step, so
// 3000 steps (about 3 epochs at batch 64) take about 5 minutes and give
// recognisable digits of every class (README).
const (
	defaultModel = "mlp"
	defaultSteps = 3000
)

func trainCmd(args []string) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	dataset := fs.String("dataset", "mnist", "mnist, fashion (Fashion-MNIST), or a folder of your own images")
	fashionDir := fs.String("fashion-dir", gan.FashionMNISTDir, "folder with Fashion-MNIST's IDX .gz files")
	modelName := fs.String("model", defaultModel, "mlp (the lesson's first GAN) or dcgan")
	steps := fs.Int("steps", defaultSteps, "train until this many steps in total (one D and one G step each)")
	batch := fs.Int("batch", 0, "batch size (default 64)")
	size := fs.Int("size", 0, "image size: 28, 32 or 64 (default 28 for MNIST, 64 for folders)")
	channels := fs.Int("channels", 0, "1 (grayscale) or 3 (RGB) (default 1 for MNIST, 3 for folders)")
	lrD := fs.Float64("lr-d", 0, "discriminator learning rate (default 2e-4)")
	lrG := fs.Float64("lr-g", 0, "generator learning rate (default 2e-4)")
	smoothing := fs.Float64("label-smoothing", 0, "one-sided label smoothing: real label 1-X (0: off)")
	dropout := fs.Float64("d-dropout", -1, "dropout rate in the discriminator (default: the model's)")
	skipD := fs.Float64("skip-d-below", 0, "skip the discriminator step while its loss is below X (0: off)")
	out := fs.String("out", "", "run folder for checkpoints, samples and metrics.csv (default runs/MODEL-DATASET)")
	resume := fs.Bool("resume", false, "continue the run in --out from its newest checkpoint")
	seed := fs.Int64("seed", 1, "random seed (weights, noise, batch order)")
	limit := fs.Int("limit", 0, "use only the first N images of the dataset (0: all)")
	sampleEvery := fs.Int("sample-every", 250, "write a sample grid every N steps")
	ckptEvery := fs.Int("checkpoint-every", 500, "write a checkpoint every N steps")
	keep := fs.Int("keep", 3, "checkpoints to keep")
	scoreEvery := fs.Int("score-every", 0, "score 1000 samples every N steps with the shipped classifier (MNIST and Fashion-MNIST at 28x28; 0: never)")
	stall := fs.Duration("stall-timeout", 10*time.Minute, "stop with an explanation if no step finishes for this long (0: never)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	given := setFlags(fs)

	o := gan.DefaultOptions(*modelName)
	isFolder := *dataset != "mnist" && *dataset != "fashion"
	if isFolder {
		o.Size, o.Channels = 64, 3
		if *modelName == "mlp" && !given["size"] {
			o.Size = 32 // a 64x64x3 MLP is huge and poor; 32 keeps it usable
		}
	}
	if given["batch"] {
		o.Batch = *batch
	}
	if given["size"] {
		o.Size = *size
	}
	if given["channels"] {
		o.Channels = *channels
	}
	if given["lr-d"] {
		o.LRD = *lrD
	}
	if given["lr-g"] {
		o.LRG = *lrG
	}
	o.LabelSmoothing, o.SkipDBelow, o.Seed = *smoothing, *skipD, *seed
	if given["d-dropout"] {
		o.DDropout = *dropout
	}
	if *steps < 1 {
		return usagef("--steps must be positive, got %d", *steps)
	}
	if *limit < 0 || *sampleEvery < 0 || *ckptEvery < 0 {
		return usagef("--limit, --sample-every and --checkpoint-every must be >= 0")
	}
	if err := o.Validate(); err != nil {
		return usagef("%v", err)
	}
	if *out == "" {
		name := *dataset
		if isFolder {
			name = filepath.Base(filepath.Clean(*dataset))
		}
		*out = filepath.Join("runs", *modelName+"-"+name)
	}

	b, err := backend()
	if err != nil {
		return err
	}

	cfg := gan.RunConfig{Options: o, Out: *out, Steps: *steps, Resume: *resume, SampleEvery: *sampleEvery,
		CheckpointEvery: *ckptEvery, Keep: *keep, Log: func(s string) { progressLine.log(s) }}
	g, err := gan.PrepareRun(b, cfg)
	if err != nil {
		return err
	}
	if *resume {
		if err := g.Opts.Validate(); err != nil {
			return err
		}
		if (given["model"] && *modelName != g.Opts.Model) || (given["size"] && *size != g.Opts.Size) || (given["channels"] && *channels != g.Opts.Channels) {
			return usagef("the run in %s holds a %s model (size %d, %d channels): drop --model/--size/--channels to resume it, or train a new run with another --out",
				*out, g.Opts.Model, g.Opts.Size, g.Opts.Channels)
		}
		for _, f := range []string{"batch", "lr-d", "lr-g", "label-smoothing", "skip-d-below", "d-dropout", "seed"} {
			if given[f] {
				fmt.Fprintf(os.Stderr, "note: --%s is ignored on --resume: the run keeps its checkpoint's options\n", f)
			}
		}
		fmt.Fprintf(os.Stderr, "resuming %s at step %d\n", *out, g.Step)
		if g.Step >= *steps {
			return usagef("the run in %s is already at step %d: give --steps larger than that to train on", *out, g.Step)
		}
	}
	o = g.Opts

	data, err := loadDataset(*dataset, *fashionDir, o, *limit)
	if err != nil {
		return err
	}
	cfg.Data = data
	fmt.Fprintf(os.Stderr, "options: model=%s dataset=%s (%d images) size=%d channels=%d batch=%d steps=%d lr-d=%g lr-g=%g betas=%g,%g label-smoothing=%g skip-d-below=%g seed=%d out=%s\n",
		o.Model, data.Name, data.N, o.Size, o.Channels, o.Batch, *steps, o.LRD, o.LRG, o.Beta1, o.Beta2, o.LabelSmoothing, o.SkipDBelow, o.Seed, *out)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	first := g.Step
	cfg.Progress = func(g *gan.GAN, m gan.Metrics, elapsed time.Duration) {
		progressLine.update(g.Step, first, *steps, m, elapsed)
		injectStall(g.Step)
	}
	cfg.StallTimeout = *stall
	if *scoreEvery > 0 {
		scorer, err := newScorer(b, *dataset, o)
		if err != nil {
			return usagef("--score-every: %v", err)
		}
		cfg.Score, cfg.ScoreEvery = scorer, *scoreEvery
	}
	cfg.OnStall = func(step int, since time.Duration) {
		progressLine.done()
		latest, err := gan.LatestCheckpoint(*out)
		if err != nil {
			latest = "none written yet"
		}
		fmt.Fprintf(os.Stderr, "ganbook: no training step finished for %s after step %d: the compute backend seems stuck (the pure-Go backend's parallel mode can deadlock; unset GOMLX_BACKEND to use the safe sequential mode). The last checkpoint is intact (%s): resume with: ganbook train --out %s --resume --steps %d\n",
			since.Round(time.Second), step, latest, *out, *steps)
		os.Exit(1)
	}
	err = gan.Train(ctx, g, cfg)
	progressLine.done()
	if errors.Is(err, context.Canceled) {
		return interrupted{fmt.Sprintf("interrupted at step %d; checkpoint saved. Resume with: ganbook train --out %s --resume --steps %d", g.Step, *out, *steps)}
	}
	if err != nil {
		return fmt.Errorf("%v (the last checkpoint in %s is intact: resume with --resume)", err, *out)
	}
	fmt.Fprintf(os.Stderr, "done: %d steps; samples in %s, metrics in %s\n", g.Step,
		filepath.Join(*out, "samples", "latest.png"), filepath.Join(*out, "metrics.csv"))
	return nil
}

func loadDataset(name, fashionDir string, o gan.Options, limit int) (*gan.Dataset, error) {
	var ds *gan.Dataset
	var err error
	switch name {
	case "mnist":
		ds, err = gan.LoadMNIST(true, o.Size, o.Channels)
	case "fashion":
		ds, err = gan.LoadFashionMNIST(fashionDir, true, o.Size, o.Channels)
	default:
		var rep gan.FolderReport
		ds, rep, err = gan.LoadFolder(name, o.Size, o.Channels)
		if err == nil {
			fmt.Fprintln(os.Stderr, rep.Summary(name))
		}
	}
	if err != nil {
		if strings.Contains(err.Error(), "no such folder") {
			return nil, usagef("--dataset %s: not mnist, fashion or an existing folder of images", name)
		}
		return nil, err
	}
	return ds.Take(limit), nil
}
