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
	"github.com/ganbook/ganbook/internal/nn"
	"github.com/ganbook/ganbook/score"
)

// Defaults of `ganbook train` with no flags: the lesson's MLP GAN on MNIST with
// gan.TunedOptions. Measured on a 2-core machine with the pure-Go backend:
// ~10 steps/s, so 5000 steps (about 5 epochs at batch 64) take about 8
// minutes; they are the shortest run that met the quality bar (README, "The
// default run and the bar").
const (
	defaultModel = "mlp"
	defaultSteps = 5000
)

func trainCmd(args []string) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	dataset := fs.String("dataset", "mnist", "mnist, fashion (Fashion-MNIST), or a folder of your own images")
	fashionDir := fs.String("fashion-dir", gan.FashionMNISTDir, "folder with Fashion-MNIST's IDX .gz files")
	modelName := fs.String("model", defaultModel, "mlp (the lesson's first GAN) or dcgan")
	preset := fs.String("preset", "tuned", "starting hyperparameters: tuned (the mlp GAN with the fixes measured in README) or lesson (the lesson's own)")
	steps := fs.Int("steps", defaultSteps, "train until this many steps in total (one D and one G step each)")
	batch := fs.Int("batch", 0, "batch size (default 64)")
	size := fs.Int("size", 0, "image size: 28, 32 or 64 (default 28 for MNIST, 64 for folders)")
	channels := fs.Int("channels", 0, "1 (grayscale) or 3 (RGB) (default 1 for MNIST, 3 for folders)")
	gBase := fs.Int("g-base", 0, "dcgan: channels of the generator's first feature map (default 64)")
	dBase := fs.Int("d-base", 0, "dcgan: channels of the discriminator's first convolution (default 32)")
	lrD := fs.Float64("lr-d", 0, "discriminator learning rate (default 4e-4 with --preset tuned, else 2e-4)")
	lrG := fs.Float64("lr-g", 0, "generator learning rate (default 2e-4)")
	beta1 := fs.Float64("beta1", 0, "Adam beta1 (default 0.5)")
	beta2 := fs.Float64("beta2", 0, "Adam beta2 (default 0.999)")
	decay := fs.Float64("lr-decay", 0, "decay both learning rates linearly to 0 over the last fraction F of --steps (0: constant)")
	mbStd := fs.Bool("minibatch-std", false, "give the discriminator the batch's standard deviation (against mode collapse)")
	featMatch := fs.Float64("feature-matching", 0, "weight of feature matching in the generator's loss, against mode collapse (0: off; default: the preset's)")
	ema := fs.Float64("ema", 0, "draw samples from a moving average of the generator's weights with this decay, e.g. 0.995 (0: off; default: the preset's)")
	multiScale := fs.Bool("multi-scale", false, "MSG-GAN: the dcgan discriminator also sees the generator's half and quarter size images")
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
	scoreEvery := fs.Int("score-every", 0, "score 1000 samples every N steps with the shipped classifier (MNIST and Fashion-MNIST; 0: never)")
	scoreWith := fs.String("score-with", "", "classifier for --score-every: mnist or fashion (default: the dataset; set it for a folder of their images)")
	stall := fs.Duration("stall-timeout", 10*time.Minute, "stop with an explanation if no step finishes for this long (0: never)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	given := setFlags(fs)

	var o gan.Options
	switch *preset {
	case "tuned":
		o = gan.TunedOptions(*modelName)
	case "lesson":
		o = gan.DefaultOptions(*modelName)
	default:
		return usagef("unknown --preset %q: use tuned or lesson", *preset)
	}
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
	if given["g-base"] {
		o.GBase = *gBase
	}
	if given["d-base"] {
		o.DBase = *dBase
	}
	if given["lr-d"] {
		o.LRD = *lrD
	}
	if given["lr-g"] {
		o.LRG = *lrG
	}
	if given["beta1"] {
		o.Beta1 = *beta1
	}
	if given["beta2"] {
		o.Beta2 = *beta2
	}
	if *decay < 0 || *decay > 1 {
		return usagef("--lr-decay must be a fraction in [0, 1], got %g", *decay)
	}
	if *decay > 0 {
		o.DecayStart, o.DecayEnd = int(float64(*steps)*(1-*decay)), *steps
	}
	o.LabelSmoothing, o.SkipDBelow, o.Seed, o.MinibatchStd, o.MultiScale = *smoothing, *skipD, *seed, *mbStd, *multiScale
	if given["feature-matching"] {
		o.FeatureMatching = *featMatch
	}
	if given["ema"] {
		o.EMA = *ema
	}
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
		for _, f := range []string{"preset", "batch", "g-base", "d-base", "lr-d", "lr-g", "beta1", "beta2", "lr-decay", "minibatch-std", "feature-matching", "ema", "multi-scale", "label-smoothing", "skip-d-below", "d-dropout", "seed"} {
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
	fmt.Fprintf(os.Stderr, "options: %s dataset=%s (%d images) steps=%d out=%s\n", o, data.Name, data.N, *steps, *out)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	first := g.Step
	cfg.Progress = func(g *gan.GAN, m gan.Metrics, elapsed time.Duration) {
		progressLine.update(g.Step, first, *steps, m, elapsed)
		injectStall(g.Step)
	}
	cfg.StallTimeout = *stall
	if *scoreEvery > 0 {
		if *scoreWith == "" {
			*scoreWith = *dataset
		}
		scorer, err := score.NewScorer(b, *scoreWith, o.Channels, 1000)
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
		fmt.Fprintf(os.Stderr, "ganbook: no training step finished for %s after step %d: the compute backend seems stuck (to rule out its parallel scheduler, run again with GOMLX_BACKEND="+nn.SequentialConfig+"). The last checkpoint is intact (%s): resume with: ganbook train --out %s --resume --steps %d\n",
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
