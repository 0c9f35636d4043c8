package run

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gomlx/compute"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/internal/fileio"
	"github.com/ganbook/ganbook/internal/imgio"
	"github.com/ganbook/ganbook/internal/loop"
	"github.com/ganbook/ganbook/internal/watchdog"

	"github.com/ganbook/ganbook/gan"
)

// Config describes a training run that writes into a run folder.
type Config struct {
	Options gan.Options
	// Parts are networks or losses of your own (a notebook's cells); the zero
	// value trains the package's.
	Parts  gan.Parts
	Data   *dataset.Dataset
	Out    string // run folder: checkpoints, samples/, metrics.csv
	Steps  int    // train until this many steps in total
	Resume bool   // continue from the newest checkpoint in Out (its options win)
	// AdoptOtherRun resumes even when the checkpoint or the dataset is not the
	// one the folder's run was started with (run.json), and records the new one.
	AdoptOtherRun bool
	// Asked are the options the user set on top of the preset; on Resume
	// they are checked against the checkpoint (CheckResume).
	Asked gan.Overrides

	SampleEvery     int // write samples/step-N.png every N steps (0: only at the end)
	CheckpointEvery int // checkpoint every N steps (0: only at the end)
	Keep            int // checkpoints to keep (<= 0: all)

	// Progress, when set, is called after every step.
	Progress func(g *gan.GAN, m gan.Metrics, elapsed time.Duration)
	// Log, when set, receives one-line messages (checkpoint written, ...).
	Log func(string)

	// StallTimeout > 0 arms a watchdog: when no step finishes for that long,
	// OnStall is called (from another goroutine) with the last finished step.
	// compute v0.1.3's parallel scheduler could deadlock (none of 115 runs on
	// v0.1.14 did); if a step ever stalls, the CLI explains and exits instead of
	// hanging.
	StallTimeout time.Duration
	OnStall      func(lastStep int, since time.Duration)

	// Score, when set, is called every ScoreEvery steps (and at the last step);
	// its result goes into metrics.csv and the step's Metrics.
	Score      func(g *gan.GAN) (gan.QualityScore, error)
	ScoreEvery int

	// Budget, when > 0, makes the first step that ends that long after Train
	// began the last, as if Steps were reached: its score, grid and
	// checkpoint are written by the usual hooks (a run by time; PlanBudget
	// sets it with Steps).
	Budget time.Duration
}

// Prepare creates the run folder and returns a fresh GAN with c.Options or,
// with c.Resume, the GAN of the newest checkpoint, whose options win
// (CheckResume; the returned names are the c.Asked options that do not
// apply). A new run refuses a folder that already holds one (ErrRunExists).
func Prepare(backend compute.Backend, c Config) (g *gan.GAN, ignored []string, err error) {
	if err := os.MkdirAll(filepath.Join(c.Out, "samples"), 0o755); err != nil {
		return nil, nil, fmt.Errorf("%s: cannot create run folder: %w", c.Out, err)
	}
	if !c.Resume {
		if list, _ := ListCheckpoints(c.Out); len(list) > 0 {
			return nil, nil, fmt.Errorf("%s %w", c.Out, ErrRunExists)
		}
		if err := checkMemory(c.Options, dataBytes(c.Data)); err != nil {
			return nil, nil, err
		}
		g, err := gan.NewWith(backend, c.Options, c.Parts)
		return g, nil, err
	}
	path, err := LatestCheckpoint(c.Out)
	if err != nil {
		return nil, nil, err
	}
	ck, err := ReadCheckpoint(path)
	if err != nil {
		return nil, nil, err
	}
	if ignored, err = CheckResume(ck, c.Asked); err != nil {
		return nil, nil, err
	}
	if err := checkMemory(ck.Options, dataBytes(c.Data)); err != nil {
		return nil, nil, err
	}
	g, err = RestoreWith(backend, ck, c.Parts)
	return g, ignored, err
}

// Train runs g until c.Steps, writing metrics.csv, sample grids and
// checkpoints. When ctx is cancelled (Ctrl-C) it saves a checkpoint and returns
// ctx's error; on any failure the last checkpoint stays intact.
func Train(ctx context.Context, g *gan.GAN, c Config) error {
	batches, err := g.Batches(c.Data)
	if err != nil {
		return err
	}
	if err := c.checkRunRecord(g); err != nil {
		return err
	}
	csv, repaired, err := openMetrics(filepath.Join(c.Out, "metrics.csv"), g.Step)
	if err != nil {
		return err
	}
	defer csv.Close()
	if repaired != "" {
		c.logf("%s", repaired)
	}
	var lastStep atomic.Int64
	lastStep.Store(int64(g.Step))
	dog := watchdog.Start(c.StallTimeout, func(since time.Duration) {
		if c.OnStall != nil {
			c.OnStall(int(lastStep.Load()), since)
		}
	})
	defer dog.Stop()

	var m gan.Metrics // the last step's metrics, for the hooks
	deadline := time.Now().Add(c.Budget)
	step := func(int) error {
		var err error
		if m, err = g.TrainStep(batches.Next()); err != nil {
			return fmt.Errorf("step %d: %w", g.Step+1, err)
		}
		lastStep.Store(int64(g.Step))
		dog.Kick()
		if c.Budget > 0 && time.Now().After(deadline) {
			c.logf("the time budget is spent at step %d", g.Step)
			return loop.ErrLast
		}
		return nil
	}
	err = loop.Run(ctx, g.Step, c.Steps, step, c.hooks(g, &m, csv, dog.Kick)...)
	// The animation holds every grid written, however often it was refreshed.
	if gerr := WriteProgressGIF(filepath.Join(c.Out, "samples")); err == nil && gerr != nil {
		err = gerr
	}
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		// Interrupted between steps: keep what was trained.
		if err := c.save(g); err != nil {
			return err
		}
	}
	return err
}

// hooks are a run's periodic work after a step: score, metrics.csv and
// progress, sample grid, checkpoint. kick tells the watchdog that slow work
// (scoring, writing files) finished.
func (c Config) hooks(g *gan.GAN, m *gan.Metrics, csv io.Writer, kick func()) []loop.Hook {
	kicked := func(do func() error) func(int) error {
		return func(int) error { err := do(); kick(); return err }
	}
	var hooks []loop.Hook
	if c.Score != nil && c.ScoreEvery > 0 {
		hooks = append(hooks, loop.Hook{Every: c.ScoreEvery, Do: kicked(func() error { return c.scoreNow(g, m) })})
	}
	start := time.Now()
	var gridTime time.Duration
	grids, warned := 0, false
	return append(hooks,
		loop.Hook{Every: 1, Do: func(int) error {
			if _, err := fmt.Fprintln(csv, csvLine(*m)); err != nil {
				return fmt.Errorf("metrics.csv: %w", err)
			}
			if c.Progress != nil {
				c.Progress(g, *m, time.Since(start))
			}
			return nil
		}},
		loop.Hook{Every: c.SampleEvery, Do: kicked(func() error {
			t := time.Now()
			err := SaveSampleGrid(g, filepath.Join(c.Out, "samples"), nil)
			gridTime += time.Since(t)
			grids++
			// Once, when the grids take a quarter of the run so far (after a
			// few, so the first build does not count alone).
			if elapsed := time.Since(start); !warned && grids >= 3 && gridTime > elapsed/4 {
				warned = true
				c.logf("writing a sample grid every %d steps took %d%% of the time so far (%.2f s a grid): raise the sample interval to train faster",
					c.SampleEvery, int(100*gridTime/elapsed), gridTime.Seconds()/float64(grids))
			}
			return err
		})},
		loop.Hook{Every: c.CheckpointEvery, Do: kicked(func() error { return c.save(g) })},
	)
}

// scoreNow scores g, logs the scores (and a collapse), and records them in
// the step's metrics.
func (c Config) scoreNow(g *gan.GAN, m *gan.Metrics) error {
	q, err := c.Score(g)
	if err != nil {
		return fmt.Errorf("scoring step %d: %w", g.Step, err)
	}
	m.Score = &q
	g.History[len(g.History)-1].Score = &q
	c.logf("step %d: Frechet distance %.2f, mean confidence %.3f, class entropy %.3f, diversity %.3f", g.Step, q.Frechet, q.Confidence, q.Entropy, q.Diversity)
	if collapsed, why := q.Collapsed(); collapsed {
		c.logf("step %d: mode collapse: %s (try feature matching, or a generator learning rate nearer the discriminator's)", g.Step, why)
	}
	return nil
}

// save writes a checkpoint into the run folder and logs its path.
func (c Config) save(g *gan.GAN) error {
	path, err := Save(g, c.Out, c.Keep)
	if err == nil {
		c.logf("checkpoint %s", path)
	}
	return err
}

func (c Config) logf(format string, args ...any) {
	if c.Log != nil {
		c.Log(fmt.Sprintf(format, args...))
	}
}

// SaveSampleGrid writes the fixed-noise sample grid of the current step into
// samplesDir as step-NNNNNNNN.png and latest.png, and refreshes progress.gif.
// grid, when not nil, is that grid already drawn (a notebook shows it too).
func SaveSampleGrid(g *gan.GAN, samplesDir string, grid image.Image) error {
	if grid == nil {
		var err error
		if grid, err = g.SampleGrid(); err != nil {
			return err
		}
	}
	if err := imgio.Save(filepath.Join(samplesDir, fmt.Sprintf("step-%08d.png", g.Step)), grid); err != nil {
		return err
	}
	if err := imgio.Save(filepath.Join(samplesDir, "latest.png"), grid); err != nil {
		return err
	}
	return refreshProgressGIF(samplesDir)
}

// openMetrics opens metrics.csv for appending, repaired to end at the
// checkpoint's step: lines for later steps (written before a crash) and lines
// cut off mid-write are dropped, so the file has each step once. repaired says
// what was dropped, or is empty.
func openMetrics(path string, step int) (f *os.File, repaired string, err error) {
	raw, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	lines := []string{MetricsHeader}
	columns := strings.Count(MetricsHeader, ",")
	later, broken := 0, 0
	for i, line := range strings.Split(strings.TrimRight(string(raw), "\n"), "\n") {
		if i == 0 || line == "" {
			continue
		}
		var s int
		switch _, err := fmt.Sscanf(line, "%d,", &s); {
		case err != nil || strings.Count(line, ",") != columns:
			broken++
		case s > step:
			later++
		default:
			lines = append(lines, line)
		}
	}
	content := strings.Join(lines, "\n") + "\n"
	if err := fileio.WriteFileAtomic(path, func(w io.Writer) error { _, err := io.WriteString(w, content); return err }); err != nil {
		return nil, "", err
	}
	if later+broken > 0 {
		repaired = fmt.Sprintf("%s: kept steps up to %d; dropped %d line(s) written after that checkpoint and %d cut-off or unreadable line(s)", path, step, later, broken)
	}
	f, err = os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o644)
	return f, repaired, err
}

// runRecord is run.json: what a run folder was started as. A checkpoint copied
// in from another run, or a resume on another dataset, no longer matches it.
type runRecord struct {
	Model       string `json:"model"`
	Batch       int    `json:"batch"`
	Dataset     string `json:"dataset"`
	OptionsHash string `json:"options_hash"` // of every option: they do not change within a run
	// Clusters is a hash of a self-conditioned run's clusters: its classes.
	// Pictures added to or taken from the folder regroup them, and a resumed
	// run would draw each class from another group.
	Clusters string `json:"clusters,omitempty"`
}

func recordOf(o gan.Options, data *dataset.Dataset) runRecord {
	js, _ := json.Marshal(o)
	sum := sha256.Sum256(js)
	r := runRecord{Model: o.Model, Batch: o.Batch, Dataset: filepath.Base(filepath.Clean(data.Name)), OptionsHash: hex.EncodeToString(sum[:6])}
	if o.SelfConditioned() && data.N > 0 {
		labels := sha256.Sum256(dataset.Cluster(data, o.Classes, o.Seed))
		r.Clusters = hex.EncodeToString(labels[:6])
	}
	return r
}

// DatasetOf is the dataset a run folder's run.json says it was started on
// ("mnist", "fashion", or a folder's name); "" when the folder has no
// run.json (runs of older versions).
func DatasetOf(runDir string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(runDir, "run.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var r runRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return "", fmt.Errorf("%s: %w", filepath.Join(runDir, "run.json"), err)
	}
	return r.Dataset, nil
}

func (r runRecord) String() string {
	if r.Clusters != "" {
		return fmt.Sprintf("a %s run, batch %d, on %s (options %s, clusters %s)", r.Model, r.Batch, r.Dataset, r.OptionsHash, r.Clusters)
	}
	return fmt.Sprintf("a %s run, batch %d, on %s (options %s)", r.Model, r.Batch, r.Dataset, r.OptionsHash)
}

// checkRunRecord writes run.json for a new run (and for an older run without
// one), and on resume refuses options or a dataset other than the recorded
// ones unless c.AdoptOtherRun.
func (c Config) checkRunRecord(g *gan.GAN) error {
	path := filepath.Join(c.Out, "run.json")
	now := recordOf(g.Opts, c.Data)
	raw, err := os.ReadFile(path)
	if err == nil && c.Resume && !c.AdoptOtherRun {
		var was runRecord
		if err := json.Unmarshal(raw, &was); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if was != now {
			return fmt.Errorf("%s: resuming would continue %s, but the folder was started as %s: the checkpoint (step %d) or the dataset %w", c.Out, now, was, g.Step, ErrOtherRun)
		}
		return nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", path, err)
	}
	js, _ := json.MarshalIndent(now, "", "  ")
	return fileio.WriteFileAtomic(path, func(w io.Writer) error { _, err := w.Write(append(js, '\n')); return err })
}
