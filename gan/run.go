package gan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gomlx/compute"

	"github.com/ganbook/ganbook/internal/imgio"
	"github.com/ganbook/ganbook/internal/watchdog"
)

// RunConfig describes a training run that writes into a run folder.
type RunConfig struct {
	Options Options
	Data    *Dataset
	Out     string // run folder: checkpoints, samples/, metrics.csv
	Steps   int    // train until this many steps in total
	Resume  bool   // continue from the newest checkpoint in Out (its options win)

	SampleEvery     int // write samples/step-N.png every N steps (0: only at the end)
	CheckpointEvery int // checkpoint every N steps (0: only at the end)
	Keep            int // checkpoints to keep (<= 0: all)

	// Progress, when set, is called after every step.
	Progress func(g *GAN, m Metrics, elapsed time.Duration)
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
	Score      func(g *GAN) (QualityScore, error)
	ScoreEvery int
}

// PrepareRun creates the run folder and returns a fresh GAN or, with Resume,
// the GAN of the newest checkpoint.
func PrepareRun(backend compute.Backend, c RunConfig) (*GAN, error) {
	if err := os.MkdirAll(filepath.Join(c.Out, "samples"), 0o755); err != nil {
		return nil, fmt.Errorf("%s: cannot create run folder: %v", c.Out, err)
	}
	if !c.Resume {
		if list, _ := ListCheckpoints(c.Out); len(list) > 0 {
			return nil, fmt.Errorf("%s already holds checkpoints: add --resume to continue that run, or choose another --out", c.Out)
		}
		return New(backend, c.Options)
	}
	path, err := LatestCheckpoint(c.Out)
	if err != nil {
		return nil, err
	}
	ck, err := ReadCheckpoint(path)
	if err != nil {
		return nil, err
	}
	return Restore(backend, ck)
}

// Train runs g until c.Steps, writing metrics.csv, sample grids and
// checkpoints. When ctx is cancelled (Ctrl-C) it saves a checkpoint and returns
// ctx's error; on any failure the last checkpoint stays intact.
func Train(ctx context.Context, g *GAN, c RunConfig) error {
	if c.Data.Size != g.Opts.Size || c.Data.Chan != g.Opts.Channels {
		return fmt.Errorf("dataset %s has %dx%dx%d images, the model wants %dx%dx%d", c.Data.Name,
			c.Data.Size, c.Data.Size, c.Data.Chan, g.Opts.Size, g.Opts.Size, g.Opts.Channels)
	}
	batches, err := NewBatcher(c.Data, g.Opts.Batch, g.Opts.Seed+int64(g.Step))
	if err != nil {
		return err
	}
	logf := func(format string, args ...any) {
		if c.Log != nil {
			c.Log(fmt.Sprintf(format, args...))
		}
	}
	csv, err := openMetrics(filepath.Join(c.Out, "metrics.csv"), g.Step)
	if err != nil {
		return err
	}
	defer csv.Close()

	save := func() error {
		path, err := g.SaveCheckpoint(c.Out, c.Keep)
		if err == nil {
			logf("checkpoint %s", path)
		}
		return err
	}
	var lastStep atomic.Int64
	lastStep.Store(int64(g.Step))
	dog := watchdog.Start(c.StallTimeout, func(since time.Duration) {
		if c.OnStall != nil {
			c.OnStall(int(lastStep.Load()), since)
		}
	})
	defer dog.Stop()
	start := time.Now()
	for g.Step < c.Steps {
		if ctx.Err() != nil {
			if err := save(); err != nil {
				return err
			}
			return ctx.Err()
		}
		m, err := g.TrainStep(batches.Next())
		if err != nil {
			return fmt.Errorf("step %d: %w", g.Step+1, err)
		}
		lastStep.Store(int64(g.Step))
		dog.Kick()
		if c.Score != nil && c.ScoreEvery > 0 && (g.Step%c.ScoreEvery == 0 || g.Step == c.Steps) {
			q, err := c.Score(g)
			if err != nil {
				return fmt.Errorf("scoring step %d: %w", g.Step, err)
			}
			m.Score = &q
			g.History[len(g.History)-1].Score = &q
			logf("step %d: Frechet distance %.2f, mean confidence %.3f, class entropy %.3f, diversity %.3f", g.Step, q.Frechet, q.Confidence, q.Entropy, q.Diversity)
			if collapsed, why := q.Collapsed(); collapsed {
				logf("step %d: mode collapse: %s (try --minibatch-std, or lower --lr-g)", g.Step, why)
			}
			dog.Kick()
		}
		if _, err := fmt.Fprintln(csv, m.CSV()); err != nil {
			return fmt.Errorf("metrics.csv: %v", err)
		}
		if c.Progress != nil {
			c.Progress(g, m, time.Since(start))
		}
		last := g.Step == c.Steps
		if last || (c.SampleEvery > 0 && g.Step%c.SampleEvery == 0) {
			if err := g.SaveSampleGrid(filepath.Join(c.Out, "samples", fmt.Sprintf("step-%08d.png", g.Step))); err != nil {
				return err
			}
			dog.Kick()
		}
		if last || (c.CheckpointEvery > 0 && g.Step%c.CheckpointEvery == 0) {
			if err := save(); err != nil {
				return err
			}
			dog.Kick()
		}
	}
	return nil
}

// SaveSampleGrid writes the fixed-noise sample grid as a PNG, and a copy as
// latest.png beside it.
func (g *GAN) SaveSampleGrid(path string) error {
	grid, err := g.SampleGrid()
	if err != nil {
		return err
	}
	if err := imgio.Save(path, grid); err != nil {
		return err
	}
	return imgio.Save(filepath.Join(filepath.Dir(path), "latest.png"), grid)
}

// openMetrics opens metrics.csv for appending. On resume, lines for steps after
// the checkpoint (written before a crash) are dropped, so the file has each step
// once.
func openMetrics(path string, step int) (*os.File, error) {
	raw, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	lines := []string{MetricsHeader}
	for i, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if i == 0 || line == "" {
			continue
		}
		var s int
		if _, err := fmt.Sscanf(line, "%d,", &s); err == nil && s <= step {
			lines = append(lines, line)
		}
	}
	content := strings.Join(lines, "\n") + "\n"
	if err := imgio.WriteFileAtomic(path, func(w io.Writer) error { _, err := io.WriteString(w, content); return err }); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o644)
}
