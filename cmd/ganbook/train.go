package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/gan"
	"github.com/ganbook/ganbook/internal/nn"
	"github.com/ganbook/ganbook/score"

	"github.com/ganbook/ganbook/gan/run"
)

// defaultSteps: `ganbook train` with no flags trains the DCGAN on MNIST with
// gan.TunedOptions for 3000 steps (about 3 epochs at batch 64), which fit in 5
// minutes on a 2-core laptop (README, "The default run and the bar").
const defaultSteps = 3000

func trainCmd(args []string) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	dataName := fs.String("dataset", "mnist", "mnist, fashion (Fashion-MNIST), or a folder of your own images")
	fashionDir := fs.String("fashion-dir", dataset.FashionMNISTDir, "folder with Fashion-MNIST's IDX .gz files")
	preset := fs.String("preset", gan.PresetTuned, "starting hyperparameters: tuned (the fixes measured in README) or lesson (the lesson's own)")
	flagged := optionFlags(fs)
	steps := fs.Int("steps", defaultSteps, "train until this many steps in total (one D and one G step each)")
	decay := fs.Float64("lr-decay", 0, "decay both learning rates linearly to 0 over the last fraction F of --steps (0: constant)")
	out := fs.String("out", "", "run folder for checkpoints, samples and metrics.csv (default runs/MODEL-DATASET)")
	resume := fs.Bool("resume", false, "continue the run in --out from its newest checkpoint")
	forceResume := fs.Bool("force-resume", false, "with --resume: continue even if the checkpoint or the dataset is not the one the run was started with")
	limit := fs.Int("limit", 0, "use only the first N images of the dataset (0: all)")
	sampleEvery := fs.Int("sample-every", 250, "write a sample grid every N steps")
	ckptEvery := fs.Int("checkpoint-every", 500, "write a checkpoint every N steps")
	keep := fs.Int("keep", 3, "checkpoints to keep, the newest (0: keep every one)")
	scoreEvery := fs.Int("score-every", 0, "score 1000 samples every N steps with the shipped classifier (MNIST and Fashion-MNIST; 0: never)")
	scoreWith := fs.String("score-with", "", "classifier for --score-every: mnist or fashion (default: the dataset; set it for a folder of their images)")
	stall := fs.Duration("stall-timeout", 10*time.Minute, "stop with an explanation if no step finishes for this long (0: never)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}

	isFolder := *dataName != "mnist" && *dataName != "fashion"
	if st, err := os.Stat(*dataName); isFolder && (err != nil || !st.IsDir()) {
		return usagef("--dataset %s: not mnist, fashion or an existing folder of images", *dataName)
	}
	o, changed, err := runOptions(*preset, isFolder, flagged, setFlags(fs), *decay, *steps)
	if err != nil {
		return err
	}
	if *steps < 1 {
		return usagef("--steps must be positive, got %d", *steps)
	}
	if *limit < 0 || *sampleEvery < 0 || *ckptEvery < 0 {
		return usagef("--limit, --sample-every and --checkpoint-every must be >= 0")
	}
	if *out == "" {
		name := *dataName
		if isFolder {
			name = filepath.Base(filepath.Clean(*dataName))
		}
		*out = filepath.Join("runs", o.Model+"-"+name)
	}

	if isFolder && within(*out, *dataName) {
		return usagef("--out %s is inside the dataset folder %s: the run's sample grids would become training images; choose a run folder elsewhere", *out, *dataName)
	}
	if err := checkDataFits(*dataName, isFolder, o, *limit, *resume); err != nil {
		return err
	}
	// A new run folder that this command creates goes again if the run is
	// refused before its first step (memory, data): no empty run, no run.lock.
	_, statErr := os.Stat(*out)
	freshFolder, started := errors.Is(statErr, iofs.ErrNotExist), false

	b, err := backend()
	if err != nil {
		return err
	}
	// One writer per run folder, for the life of this process.
	lock, err := run.LockFolder(*out)
	if errors.Is(err, run.ErrLocked) {
		return fmt.Errorf("%w: wait for it to finish, or choose another --out", err)
	} else if err != nil {
		return err
	}
	defer func() {
		if freshFolder && !started { // while the lock is held: no second writer can have started in it
			_ = os.RemoveAll(*out)
		}
		lock.Unlock()
	}()
	for _, p := range lock.StaleRemoved {
		fmt.Fprintf(os.Stderr, "removed %s, left by an interrupted write\n", p)
	}
	cfg := run.Config{Options: o, Changed: changed, Out: *out, Steps: *steps, Resume: *resume, AdoptOtherRun: *forceResume, SampleEvery: *sampleEvery,
		CheckpointEvery: *ckptEvery, Keep: *keep, StallTimeout: *stall, Log: func(s string) { progressLine.log(s) }}
	g, ignored, err := run.Prepare(b, cfg)
	if err != nil {
		return prepareError(err)
	}
	if *resume {
		if setFlags(fs)["preset"] {
			ignored = append(ignored, "preset")
		}
		for _, f := range flagNames(ignored) {
			fmt.Fprintf(os.Stderr, "note: --%s is ignored on --resume: the run keeps its checkpoint's options\n", f)
		}
		fmt.Fprintf(os.Stderr, "resuming %s at step %d\n", *out, g.Step)
		if g.Step >= *steps {
			return usagef("the run in %s is already at step %d: give --steps larger than that to train on", *out, g.Step)
		}
	}

	if cfg.Data, err = loadDataset(*dataName, *fashionDir, g.Opts, *limit); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "options: %s dataset=%s (%d images) steps=%d out=%s\n", g.Opts, cfg.Data.Name, cfg.Data.N, *steps, *out)

	ctx, stop := stopContext()
	defer stop()
	first := g.Step
	cfg.Progress = func(g *gan.GAN, m gan.Metrics, elapsed time.Duration) {
		started = true
		progressLine.update(g.Step, first, *steps, m, elapsed)
		injectStall(g.Step)
	}
	if *scoreEvery > 0 {
		if *scoreWith == "" {
			*scoreWith = *dataName
		}
		scorer, err := score.NewScorer(b, *scoreWith, g.Opts.Channels, 1000)
		if err != nil {
			return usagef("--score-every: %v", err)
		}
		cfg.Score, cfg.ScoreEvery = scorer, *scoreEvery
	}
	resumeHint := fmt.Sprintf("ganbook train --out %s --resume --steps %d", *out, *steps)
	cfg.OnStall = func(step int, since time.Duration) {
		progressLine.done()
		fmt.Fprintf(os.Stderr, "ganbook: no training step finished for %s after step %d: %s. %s\n",
			since.Round(time.Second), step, nn.StallAdvice, lastCheckpointHint(*out, resumeHint))
		os.Exit(1)
	}
	err = run.Train(ctx, g, cfg)
	progressLine.done()
	started = started || errors.Is(err, context.Canceled) // the interrupted run's checkpoint stays
	if err != nil {
		return trainError(err, g.Step, *out, resumeHint)
	}
	fmt.Fprintf(os.Stderr, "done: %d steps; samples in %s, metrics in %s\n", g.Step,
		filepath.Join(*out, "samples", "latest.png"), filepath.Join(*out, "metrics.csv"))
	return nil
}

// prepareError says, in the command line's words, why a run could not start.
func prepareError(err error) error {
	switch {
	case errors.Is(err, run.ErrRunExists):
		return fmt.Errorf("%w: add --resume to continue that run, or choose another --out", err)
	case errors.Is(err, run.ErrOtherModel):
		var om *run.OtherModelError
		fix := "drop the options that differ"
		if errors.As(err, &om) {
			var names []string
			for _, d := range om.Diffs {
				names = append(names, d.Name)
			}
			fix = "drop --" + strings.Join(flagNames(names), ", --")
		}
		return usagef("%v: %s to resume it (the checkpoint decides them), or train a new run with another --out", err, fix)
	case errors.Is(err, run.ErrNoCheckpoint), errors.Is(err, iofs.ErrNotExist):
		return fmt.Errorf("%w: nothing to resume; train a new run without --resume", err)
	}
	return err
}

// trainError says how a run that started ended early, and what to resume.
func trainError(err error, step int, out, resumeHint string) error {
	switch {
	case errors.Is(err, run.ErrOtherRun):
		return fmt.Errorf("%w: move that checkpoint away (or back), use the run's --dataset, or add --force-resume to continue anyway", err)
	case errors.Is(err, context.Canceled):
		return interrupted{fmt.Sprintf("interrupted at step %d; checkpoint saved. Resume with: %s", step, resumeHint)}
	}
	return fmt.Errorf("%w. %s", err, lastCheckpointHint(out, resumeHint))
}

// runOptions decides a new run's options: the preset for the model and data,
// then the flags given on top (on --resume, run.Prepare lets the
// checkpoint decide). It returns the options and the names of those the flags
// changed.
func runOptions(preset string, isFolder bool, flagged *gan.Options, given map[string]bool, decay float64, steps int) (gan.Options, []string, error) {
	o, err := gan.PresetOptions(preset, flagged.Model, isFolder)
	if err != nil {
		return o, nil, usagef("unknown --preset %q: use %s or %s", preset, gan.PresetTuned, gan.PresetLesson)
	}
	changed := optionsGiven(given)
	if o, err = o.Override(*flagged, changed...); err != nil {
		return o, nil, err
	}
	if decay < 0 || decay > 1 {
		return o, nil, usagef("--lr-decay must be a fraction in [0, 1], got %g", decay)
	}
	if decay > 0 {
		o.DecayStart, o.DecayEnd = int(float64(steps)*(1-decay)), steps
		changed = append(changed, "lr_decay_start", "lr_decay_end")
	}
	if err := o.Validate(); err != nil {
		return o, nil, usageError{msg: err.Error(), err: err}
	}
	return o, changed, nil
}

// checkDataFits refuses, before anything is loaded or created, options the
// dataset cannot serve: a conditional GAN on a folder (no labels), fewer
// classes than MNIST's or Fashion-MNIST's ten, fewer images than a batch. On
// --resume the checkpoint decides the options, and the run checks them.
func checkDataFits(name string, isFolder bool, o gan.Options, limit int, resume bool) error {
	switch {
	case resume:
		return nil // the checkpoint's options (classes, batch) decide, and the run checks them
	case isFolder && o.Classes > 0:
		return usagef("--classes %d needs a label for every image, and a folder of images has none: use --classes 0", o.Classes)
	case !isFolder && o.Classes > 0 && o.Classes < 10:
		return usagef("--classes %d: %s has 10 classes; use --classes 10 (or 0 for the unconditional GAN)", o.Classes, name)
	}
	if limit > 0 && limit < o.Batch {
		return usagef("--limit %d is fewer images than one batch (%d): use at least --limit %d, or a smaller --batch", limit, o.Batch, o.Batch)
	}
	return nil
}

// lastCheckpointHint says what is left to resume from, only if it is true: the
// newest checkpoint in out must exist and read back intact.
func lastCheckpointHint(out, resume string) string {
	latest, err := run.LatestCheckpoint(out)
	if err != nil {
		return "No checkpoint was written yet: the run starts again from step 0"
	}
	ck, err := run.ReadCheckpoint(latest)
	if err != nil {
		return "The newest checkpoint does not read back (" + err.Error() + ")"
	}
	return fmt.Sprintf("The last checkpoint (%s, step %d) is intact: resume with: %s", latest, ck.Step, resume)
}

func loadDataset(name, fashionDir string, o gan.Options, limit int) (*dataset.Dataset, error) {
	var ds *dataset.Dataset
	var err error
	switch name {
	case "mnist":
		ds, err = dataset.LoadMNIST(true, o.Size, o.Channels)
	case "fashion":
		ds, err = dataset.LoadFashionMNIST(fashionDir, true, o.Size, o.Channels)
	default:
		var rep dataset.FolderReport
		ds, rep, err = dataset.LoadFolder(name, o.Size, o.Channels)
		if err == nil {
			fmt.Fprintln(os.Stderr, rep.Summary(name))
		}
	}
	if err != nil {
		return nil, err // (a missing folder was refused before anything was created)
	}
	return ds.Take(limit), nil
}
