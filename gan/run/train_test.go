package run

import (
	"context"
	"errors"
	"fmt"
	"image/gif"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/internal/nn"

	"github.com/ganbook/ganbook/gan"

	"github.com/ganbook/ganbook/internal/gantest"
)

func meanPixel(t *testing.T, g *gan.GAN) float64 {
	t.Helper()
	imgs, err := g.GenerateClasses(g.FixedNoise, nil)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	vals := tensors.MustCopyFlatData[float32](imgs)
	for _, v := range vals {
		sum += float64(v)
	}
	return sum / float64(len(vals))
}

// A short real training run on a few hundred MNIST digits: the losses move,
// and the generator's images move towards the data (mostly black background:
// mean pixel about -0.74, while an untrained generator is centred near 0).
func TestShortMNISTTraining(t *testing.T) {
	ds, err := dataset.LoadMNIST(false, 28, 1)
	if err != nil {
		t.Fatal(err)
	}
	ds = ds.Take(512)
	o := gan.DefaultOptions("mlp")
	o.Batch = 32
	g := gantest.NewGAN(t, o)
	before := meanPixel(t, g)
	gridBefore, err := g.SampleGrid()
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	cfg := Config{Options: o, Data: ds, Out: out, Steps: 150, SampleEvery: 50, CheckpointEvery: 100, Keep: 2}
	if err := os.MkdirAll(filepath.Join(out, "samples"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Train(context.Background(), g, cfg); err != nil {
		t.Fatal(err)
	}
	after := meanPixel(t, g)
	if !(after < before-0.3 && after < -0.4) {
		t.Errorf("mean generated pixel went from %.3f to %.3f; want it to move towards MNIST's -0.74", before, after)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, m := range g.History {
		lo, hi = min(lo, m.GLoss), max(hi, m.GLoss)
	}
	if hi-lo < 0.1 || len(g.History) != 150 {
		t.Errorf("G loss stayed in [%.3f, %.3f] over %d steps", lo, hi, len(g.History))
	}
	gridAfter, _ := g.SampleGrid()
	if gridBefore.At(20, 20) == gridAfter.At(20, 20) && gridBefore.At(40, 40) == gridAfter.At(40, 40) {
		t.Errorf("the sample grid did not change")
	}
	csv, _ := os.ReadFile(filepath.Join(out, "metrics.csv"))
	if lines := strings.Split(strings.TrimSpace(string(csv)), "\n"); len(lines) != 151 || lines[0] != MetricsHeader {
		t.Errorf("metrics.csv has %d lines, want header + 150", len(lines))
	}
	for _, f := range []string{"samples/step-00000050.png", "samples/step-00000150.png", "samples/latest.png", CheckpointName(100), CheckpointName(150)} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}

	// Resume continues at step 150 with the same fixed noise, and metrics.csv
	// keeps each step once.
	cfg.Resume, cfg.Steps = true, 160
	r, _, err := Prepare(nn.MustBackend(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Step != 150 || !sameTensor(r.FixedNoise, g.FixedNoise) {
		t.Fatalf("resumed at step %d", r.Step)
	}
	if err := Train(context.Background(), r, cfg); err != nil {
		t.Fatal(err)
	}
	csv, _ = os.ReadFile(filepath.Join(out, "metrics.csv"))
	if lines := strings.Split(strings.TrimSpace(string(csv)), "\n"); len(lines) != 161 {
		t.Errorf("metrics.csv has %d lines after resume, want 161", len(lines))
	}
	// The progress animation holds every grid of the run, from before the
	// resume too.
	grids, _ := filepath.Glob(filepath.Join(out, "samples", "step-*.png"))
	gf, err := os.Open(filepath.Join(out, "samples", ProgressGIF))
	if err != nil {
		t.Fatal(err)
	}
	anim, err := gif.DecodeAll(gf)
	gf.Close()
	if err != nil || len(anim.Image) != len(grids) || len(grids) != 4 {
		t.Errorf("progress.gif: %v, %d frames for %d grids (want 4: steps 50, 100, 150, 160)", err, len(anim.Image), len(grids))
	}
	cfg.Resume = false
	if _, _, err := Prepare(nn.MustBackend(), cfg); !errors.Is(err, ErrRunExists) {
		t.Errorf("a second fresh run in the same folder must be refused, got %v", err)
	}
}

// Cancelling (Ctrl-C) saves a checkpoint at the current step.
func TestTrainCancelSavesCheckpoint(t *testing.T) {
	o := gantest.TinyOptions("mlp")
	ds := &dataset.Dataset{Name: "noise", N: 16, Size: 28, Chan: 1, Images: tensors.MustCopyFlatData[float32](gantest.RandomBatch(o, 1).Images)}
	ds.Images = append(ds.Images, ds.Images...)
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	g := gantest.NewGAN(t, o)
	cfg := Config{Options: o, Data: ds, Out: out, Steps: 1000}
	steps := 0
	cfg.Log = func(string) {}
	cfg.Progress = func(g *gan.GAN, m gan.Metrics, _ time.Duration) {
		steps++
		if steps == 3 {
			cancel()
		}
	}
	_ = os.MkdirAll(filepath.Join(out, "samples"), 0o755)
	if err := Train(ctx, g, cfg); err != context.Canceled {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	if latest, err := LatestCheckpoint(out); err != nil || filepath.Base(latest) != CheckpointName(3) {
		t.Fatalf("latest checkpoint %s (%v), want step 3", latest, err)
	}
}

// The watchdog: a step that hangs (injected here by a progress callback that
// sleeps) is reported with the last finished step.
func TestTrainWatchdogReportsAStall(t *testing.T) {
	o := gantest.TinyOptions("mlp")
	ds := &dataset.Dataset{Name: "noise", N: 8, Size: 28, Chan: 1, Images: tensors.MustCopyFlatData[float32](gantest.RandomBatch(o, 1).Images)}
	out := t.TempDir()
	_ = os.MkdirAll(filepath.Join(out, "samples"), 0o755)
	stalled := make(chan int, 1)
	cfg := Config{Options: o, Data: ds, Out: out, Steps: 4, StallTimeout: 100 * time.Millisecond,
		OnStall: func(step int, since time.Duration) {
			select {
			case stalled <- step:
			default:
			}
		},
		Progress: func(g *gan.GAN, m gan.Metrics, _ time.Duration) {
			if g.Step == 2 {
				time.Sleep(400 * time.Millisecond) // the injected stall
			}
		}}
	if err := Train(context.Background(), gantest.NewGAN(t, o), cfg); err != nil {
		t.Fatal(err)
	}
	select {
	case step := <-stalled:
		if step != 2 {
			t.Errorf("stall reported after step %d, want 2", step)
		}
	default:
		t.Fatal("the watchdog did not fire")
	}
}

// A score function runs every ScoreEvery steps and at the end; its numbers go
// into metrics.csv and the history, empty columns elsewhere.
func TestTrainRecordsScores(t *testing.T) {
	o := gantest.TinyOptions("mlp")
	ds := &dataset.Dataset{Name: "noise", N: 8, Size: 28, Chan: 1, Images: tensors.MustCopyFlatData[float32](gantest.RandomBatch(o, 1).Images)}
	out := t.TempDir()
	_ = os.MkdirAll(filepath.Join(out, "samples"), 0o755)
	calls := 0
	cfg := Config{Options: o, Data: ds, Out: out, Steps: 5, ScoreEvery: 2,
		Score: func(g *gan.GAN) (gan.QualityScore, error) {
			calls++
			return gan.QualityScore{Frechet: float64(g.Step), Confidence: 0.5, Entropy: 0.25}, nil
		}}
	g := gantest.NewGAN(t, o)
	if err := Train(context.Background(), g, cfg); err != nil {
		t.Fatal(err)
	}
	if calls != 3 || g.History[1].Score == nil || g.History[2].Score != nil || g.History[4].Score.Frechet != 5 {
		t.Fatalf("%d score calls; history scores %v %v", calls, g.History[1].Score, g.History[4].Score)
	}
	raw, _ := os.ReadFile(filepath.Join(out, "metrics.csv"))
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if !strings.HasSuffix(lines[2], ",2,0.5,0.25,0") || !strings.HasSuffix(lines[1], ",,,,") {
		t.Fatalf("metrics.csv:\n%s", raw)
	}
}

func TestEveryKth(t *testing.T) {
	items := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	if got := fmt.Sprint(everyKth(items, 4)); got != "[0 3 6 9]" {
		t.Errorf("every kth of 10 into 4: %s", got)
	}
	if got := everyKth(items, 20); len(got) != 10 {
		t.Errorf("fewer items than the bound: %v", got)
	}
}
