package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/gan"
	"github.com/ganbook/ganbook/internal/imgio"
	"github.com/ganbook/ganbook/internal/nn"
	"github.com/ganbook/ganbook/score"
	"github.com/gomlx/compute"

	"github.com/ganbook/ganbook/gan/run"
)

// defaultSteps: `ganbook train` with no flags trains the DCGAN on MNIST with
// gan.TunedOptions for 3000 steps (about 3 epochs at batch 64), which fit in 5
// minutes on a 2-core laptop (docs/results.md, "The default run and the bar").
const defaultSteps = 3000

func trainCmd(args []string) error {
	t, err := parseTrain(args)
	if err != nil {
		return err
	}
	stopProfile, err := startCPUProfile(t.cpuProfile) // the whole command: loading the data too
	if err != nil {
		return err
	}
	defer stopProfile()
	// A new run folder that this command creates goes again if the run is
	// refused before its first step (memory, data): no empty run, no run.lock.
	_, statErr := os.Stat(t.out)
	freshFolder := errors.Is(statErr, iofs.ErrNotExist)

	b, err := backend()
	if err != nil {
		return err
	}
	// One writer per run folder, for the life of this process.
	lock, err := run.LockFolder(t.out)
	if errors.Is(err, run.ErrLocked) {
		return fmt.Errorf("%w: wait for it to finish, or choose another --out", err)
	} else if err != nil {
		return err
	}
	defer func() {
		if freshFolder && !t.started { // while the lock is held: no second writer can have started in it
			_ = os.RemoveAll(t.out)
		}
		lock.Unlock()
	}()
	for _, p := range lock.StaleRemoved {
		fmt.Fprintf(os.Stderr, "removed %s, left by an interrupted write\n", p)
	}
	g, cfg, err := t.prepare(b)
	if err != nil {
		return err
	}
	return t.train(b, g, cfg)
}

// trainRun is a `ganbook train` command line, checked; started says
// whether a step has finished (the run folder is then kept).
type trainRun struct {
	dataName, fashionDir, out, scoreWith, cpuProfile       string
	isFolder, resume, forceResume, presetSet               bool
	steps, limit, sampleEvery, ckptEvery, keep, scoreEvery int
	stall                                                  time.Duration
	minutes, decay                                         float64
	intervalsSet                                           bool // --sample-every or --checkpoint-every given
	options                                                gan.Options
	asked                                                  gan.Overrides
	started                                                bool
}

// parseTrain reads train's flags and decides the options of a new run.
func parseTrain(args []string) (*trainRun, error) {
	t := &trainRun{}
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.StringVar(&t.dataName, "dataset", "mnist", "mnist, fashion (Fashion-MNIST), or a folder of your own images")
	fs.StringVar(&t.fashionDir, "fashion-dir", dataset.FashionMNISTDir, "folder with Fashion-MNIST's IDX .gz files")
	preset := fs.String("preset", gan.PresetTuned, "starting hyperparameters: tuned (the fixes measured in docs/results.md) or lesson (the lesson's own)")
	flagged := optionFlags(fs)
	fs.IntVar(&t.steps, "steps", defaultSteps, "train until this many steps in total (one D and one G step each)")
	fs.Float64Var(&t.decay, "lr-decay", 0, "decay both learning rates linearly to 0 over the last fraction F of --steps (0: constant)")
	fs.Float64Var(&t.minutes, "minutes", 0, "train for this many minutes instead of to --steps: the steps that fit are planned from a measured step, and grids, checkpoints and --lr-decay follow the plan (with --resume: this many minutes more)")
	fs.StringVar(&t.out, "out", "", "run folder for checkpoints, samples and metrics.csv (default runs/MODEL-DATASET)")
	fs.BoolVar(&t.resume, "resume", false, "continue the run in --out from its newest checkpoint")
	fs.BoolVar(&t.forceResume, "force-resume", false, "with --resume: continue even if the checkpoint or the dataset is not the one the run was started with")
	fs.IntVar(&t.limit, "limit", 0, "use only the first N images of the dataset (0: all)")
	fs.IntVar(&t.sampleEvery, "sample-every", 250, "write a sample grid every N steps")
	fs.IntVar(&t.ckptEvery, "checkpoint-every", 500, "write a checkpoint every N steps")
	fs.IntVar(&t.keep, "keep", 3, "checkpoints to keep, the newest (0: keep every one)")
	fs.IntVar(&t.scoreEvery, "score-every", 0, "score 1000 samples every N steps with the shipped classifier (MNIST and Fashion-MNIST; 0: never)")
	fs.StringVar(&t.scoreWith, "score-with", "", "classifier for --score-every: mnist or fashion (default: the dataset; set it for a folder of their images)")
	fs.DurationVar(&t.stall, "stall-timeout", 10*time.Minute, "stop with an explanation if no step finishes for this long (0: never)")
	fs.StringVar(&t.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole command (loading the data, then the training) to this file (go tool pprof -top FILE)")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	t.isFolder = t.dataName != "mnist" && t.dataName != "fashion"
	if st, err := os.Stat(t.dataName); t.isFolder && (err != nil || !st.IsDir()) {
		return nil, usagef("--dataset %s: not mnist, fashion or an existing folder of images", t.dataName)
	}
	given := setFlags(fs)
	t.presetSet = given["preset"]
	var err error
	if t.options, t.asked, err = runOptions(*preset, t.isFolder, flagged, given, t.decay, t.steps); err != nil {
		return nil, err
	}
	t.intervalsSet = given["sample-every"] || given["checkpoint-every"]
	if t.minutes < 0 || (t.minutes > 0 && given["steps"]) {
		return nil, usagef("--minutes must be positive, and replaces --steps (give one of the two)")
	}
	if t.steps < 1 {
		return nil, usagef("--steps must be positive, got %d", t.steps)
	}
	if t.limit < 0 || t.sampleEvery < 0 || t.ckptEvery < 0 {
		return nil, usagef("--limit, --sample-every and --checkpoint-every must be >= 0")
	}
	if t.out == "" {
		name := t.dataName
		if t.isFolder {
			name = filepath.Base(filepath.Clean(t.dataName))
		}
		t.out = filepath.Join("runs", t.options.Model+"-"+name)
	}
	if t.isFolder && within(t.out, t.dataName) {
		return nil, usagef("--out %s is inside the dataset folder %s: the run's sample grids would become training images; choose a run folder elsewhere", t.out, t.dataName)
	}
	return t, checkDataFits(t.dataName, t.isFolder, t.options, t.limit, t.resume)
}

// prepare starts or resumes the run and loads its dataset.
func (t *trainRun) prepare(b compute.Backend) (*gan.GAN, run.Config, error) {
	var data *dataset.Dataset
	if !t.resume && t.options.SelfConditioned() && !slices.Contains(t.asked.Names, "classes") && !slices.Contains(t.asked.Names, "self_condition") {
		var err error // the pictures first: their number decides the clusters
		if data, err = loadDataset(t.dataName, t.fashionDir, t.options, t.limit); err != nil {
			return nil, run.Config{}, err
		}
		switch fit := t.options.ClustersFor(data.N); {
		case !fit.SelfConditioned():
			fmt.Fprintf(os.Stderr, "%d pictures, fewer than %d: the unconditional GAN (self-conditioned, it draws copies of a small folder; --self-condition to use it anyway)\n", data.N, gan.SelfConditionMinPictures)
			t.options = fit
		case fit.Classes != t.options.Classes:
			fmt.Fprintf(os.Stderr, "%d pictures: %d clusters of about %d (--classes N to choose)\n", data.N, fit.Classes, data.N/fit.Classes)
			t.options = fit
		}
	}
	cfg := run.Config{Options: t.options, Data: data, Asked: t.asked, Out: t.out, Steps: t.steps, Resume: t.resume, AdoptOtherRun: t.forceResume,
		SampleEvery: t.sampleEvery, CheckpointEvery: t.ckptEvery, Keep: t.keep, StallTimeout: t.stall, Log: func(s string) { progressLine.log(s) }}
	g, ignored, err := run.Prepare(b, cfg)
	if err != nil {
		return nil, cfg, prepareError(err)
	}
	if t.resume {
		if t.presetSet {
			ignored = append(ignored, "preset")
		}
		for _, f := range flagNames(ignored) {
			fmt.Fprintf(os.Stderr, "note: --%s is ignored on --resume: the run keeps its checkpoint's options\n", f)
		}
		fmt.Fprintf(os.Stderr, "resuming %s at step %d\n", t.out, g.Step)
		if t.minutes == 0 && g.Step >= t.steps {
			return nil, cfg, usagef("the run in %s is already at step %d: give --steps larger than that to train on", t.out, g.Step)
		}
	}
	if cfg.Data = data; data == nil {
		if cfg.Data, err = loadDataset(t.dataName, t.fashionDir, g.Opts, t.limit); err != nil {
			return nil, cfg, err
		}
	}
	if t.minutes > 0 {
		if err := t.planBudget(b, g, &cfg); err != nil {
			return nil, cfg, err
		}
	}
	fmt.Fprintf(os.Stderr, "options: %s dataset=%s (%d images) steps=%d out=%s\n", g.Opts, cfg.Data.Name, cfg.Data.N, t.steps, t.out)
	return g, cfg, nil
}

// planBudget plans a run by time (--minutes): one step of a throwaway GAN is
// timed, the steps that fit become --steps, and the grids, checkpoints and,
// on a new run, the learning-rate decay follow (run.Config.PlanBudget); the
// run still ends at the deadline if it is slower than planned.
func (t *trainRun) planBudget(b compute.Backend, g *gan.GAN, cfg *run.Config) error {
	fmt.Fprintf(os.Stderr, "planning %g minutes: timing 5 steps of a throwaway GAN\n", t.minutes)
	per, err := run.MeasureStep(b, g.Opts, gan.Parts{}, cfg.Data, 5)
	if err != nil {
		return err
	}
	if !t.intervalsSet {
		cfg.SampleEvery, cfg.CheckpointEvery = 0, 0
	}
	budget := time.Duration(t.minutes * float64(time.Minute))
	fits := cfg.PlanBudget(g.Step, budget, per)
	t.steps = cfg.Steps
	if t.decay > 0 && !t.resume {
		g.Opts.DecayStart, g.Opts.DecayEnd = g.Step+int(float64(fits)*(1-t.decay)), cfg.Steps
	}
	if end := g.Opts.DecayEnd; end > 0 && g.Step >= end {
		fmt.Fprintf(os.Stderr, "note: this run's learning rates decayed to 0 at step %d: training on changes nothing; start a new run to train longer\n", end)
	}
	fmt.Fprintf(os.Stderr, "a step takes %s: %d steps fit in %s (to step %d), a grid every %d, a checkpoint every %d\n",
		per.Round(time.Millisecond), fits, budget, cfg.Steps, cfg.SampleEvery, cfg.CheckpointEvery)
	return nil
}

// train runs the prepared run with a progress line, the scorer and the
// stall watchdog, and says how it ended.
func (t *trainRun) train(b compute.Backend, g *gan.GAN, cfg run.Config) error {
	ctx, stop := stopContext()
	defer stop()
	first := g.Step
	cfg.Progress = func(g *gan.GAN, m gan.Metrics, elapsed time.Duration) {
		t.started = true
		progressLine.update(g.Step, first, t.steps, m, elapsed, cfg.Budget)
		injectStall(g.Step)
	}
	if t.scoreEvery > 0 {
		if t.scoreWith == "" {
			t.scoreWith = t.dataName
		}
		scorer, err := score.NewScorer(b, t.scoreWith, g.Opts.Channels, 1000)
		if err != nil {
			return usagef("--score-every: %v", err)
		}
		cfg.Score, cfg.ScoreEvery = scorer, t.scoreEvery
	}
	resumeHint := fmt.Sprintf("ganbook train --out %s --resume --steps %d", t.out, t.steps)
	if t.minutes > 0 {
		resumeHint = fmt.Sprintf("ganbook train --out %s --resume --minutes %g", t.out, t.minutes)
	}
	cfg.OnStall = func(step int, since time.Duration) {
		progressLine.done()
		fmt.Fprintf(os.Stderr, "ganbook: no training step finished for %s after step %d: %s. %s\n",
			since.Round(time.Second), step, nn.StallAdvice, lastCheckpointHint(t.out, resumeHint))
		os.Exit(1)
	}
	err := run.Train(ctx, g, cfg)
	progressLine.done()
	t.started = t.started || errors.Is(err, context.Canceled) // the interrupted run's checkpoint stays
	if err != nil {
		return trainError(err, g.Step, t.out, resumeHint)
	}
	fmt.Fprintf(os.Stderr, "done: %d steps; samples in %s, metrics in %s\n", g.Step,
		filepath.Join(t.out, "samples", "latest.png"), filepath.Join(t.out, "metrics.csv"))
	if t.isFolder {
		return copyCheck(g, cfg.Data, t.out)
	}
	return nil
}

// copyCheck says, after a run on a folder of pictures, whether the GAN draws
// new pictures or its training pictures (run.CheckCopies), with the closest
// pairs in samples/copies.png.
func copyCheck(g *gan.GAN, data *dataset.Dataset, out string) error {
	c, err := run.CheckCopies(g, data, 256, 8)
	if err != nil {
		return err
	}
	path := filepath.Join(out, "samples", "copies.png")
	if err := imgio.Save(path, c.Pairs); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s (the closest pairs, sample left: %s)\n", c, path)
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
// checkpoint decide). It returns the options and what the flags asked for.
func runOptions(preset string, isFolder bool, flagged *gan.Options, given map[string]bool, decay float64, steps int) (gan.Options, gan.Overrides, error) {
	asked := overrides(flagged, given)
	o, err := gan.PresetOptions(preset, flagged.Model, isFolder)
	if err != nil {
		return o, asked, usagef("unknown --preset %q: use %s or %s", preset, gan.PresetTuned, gan.PresetLesson)
	}
	if decay < 0 || decay > 1 {
		return o, asked, usagef("--lr-decay must be a fraction in [0, 1], got %g", decay)
	}
	if decay > 0 {
		asked.Values.DecayStart, asked.Values.DecayEnd = int(float64(steps)*(1-decay)), steps
		asked.Names = append(asked.Names, "lr_decay_start", "lr_decay_end")
	}
	if o, err = o.With(asked); err != nil {
		return o, asked, err
	}
	if given["self-condition"] && !given["classes"] { // the class count that goes with it
		switch {
		case o.SelfCondition:
			o.Classes = gan.SelfConditionClusters
		case isFolder:
			o.Classes = 0 // a folder without clusters has no labels
		}
	}
	if err := o.Validate(); err != nil {
		return o, asked, usageError{msg: err.Error(), err: err}
	}
	return o, asked, nil
}

// checkDataFits refuses, before anything is loaded or created, options the
// dataset cannot serve: a conditional GAN on a folder (no labels), fewer
// classes than MNIST's or Fashion-MNIST's ten, fewer images than a batch. On
// --resume the checkpoint decides the options, and the run checks them.
func checkDataFits(name string, isFolder bool, o gan.Options, limit int, resume bool) error {
	switch {
	case resume:
		return nil // the checkpoint's options (classes, batch) decide, and the run checks them
	case isFolder && o.Classes > 0 && !o.SelfConditioned():
		return usagef("--classes %d needs a label for every image, and a folder of images has none: add --self-condition (clusters for labels), or use --classes 0", o.Classes)
	case !isFolder && o.Classes > 0 && o.Classes < 10 && !o.SelfConditioned():
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
