package run

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/gan"
	"github.com/ganbook/ganbook/internal/gantest"
	"github.com/ganbook/ganbook/internal/nn"
)

// The plan by hand: 60 s at 0.25 s a step is 240 steps after the start, a
// grid every 240/12 = 20 steps and a checkpoint every 240/5 = 48; intervals
// already given stay.
func TestPlanBudget(t *testing.T) {
	c := Config{}
	if fits := c.PlanBudget(100, time.Minute, 250*time.Millisecond); fits != 240 || c.Steps != 340 || c.SampleEvery != 20 || c.CheckpointEvery != 48 {
		t.Errorf("planned %d steps: %+v, want 240, Steps 340, every 20 and 48", fits, c)
	}
	if c.Budget != time.Minute {
		t.Errorf("budget %s, want a minute", c.Budget)
	}
	c = Config{SampleEvery: 7}
	if c.PlanBudget(0, time.Second, time.Hour); c.Steps != 1 || c.SampleEvery != 7 || c.CheckpointEvery != 1 {
		t.Errorf("a budget shorter than a step: %+v, want one step, the given interval kept", c)
	}
}

// A run whose budget is spent stops there, before its planned steps, and ends
// as a run that reached its last step: a score, a checkpoint and a grid at the
// step reached, metrics.csv with every step.
func TestTrainStopsAtDeadline(t *testing.T) {
	o := gantest.TinyOptions(gan.MLP)
	data, err := dataset.LoadMNIST(false, o.Size, 1)
	if err != nil {
		t.Fatal(err)
	}
	data = data.Take(256)
	out := t.TempDir()
	b := nn.MustBackend()
	per, err := MeasureStep(b, o, gan.Parts{}, data, 3)
	if err != nil || per <= 0 {
		t.Fatalf("MeasureStep: %s, %v", per, err)
	}
	cfg := Config{Options: o, Data: data, Out: out, Keep: 0}
	g, _, err := Prepare(b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.PlanBudget(0, 400*time.Millisecond, per)
	cfg.Steps = 1 << 20 // slower than planned: the budget ends it
	scored := 0
	cfg.Score, cfg.ScoreEvery = func(*gan.GAN) (gan.QualityScore, error) {
		scored++
		return gan.QualityScore{Entropy: 1, Diversity: 1}, nil
	}, 1<<30
	if err := Train(context.Background(), g, cfg); err != nil {
		t.Fatal(err)
	}
	if g.Step < 1 || g.Step >= 1<<20 {
		t.Fatalf("stopped at step %d", g.Step)
	}
	if scored != 1 || g.History[len(g.History)-1].Score == nil {
		t.Errorf("scored %d times, last step's score %v: want the last step scored once", scored, g.History[len(g.History)-1].Score)
	}
	last, err := LatestCheckpoint(out)
	if err != nil || !strings.HasSuffix(last, CheckpointName(g.Step)) {
		t.Errorf("last checkpoint %s (%v), want the one of step %d", last, err, g.Step)
	}
	if _, err := os.Stat(filepath.Join(out, "samples", fmt.Sprintf("step-%08d.png", g.Step))); err != nil {
		t.Errorf("no grid of the last step: %v", err)
	}
	raw, _ := os.ReadFile(filepath.Join(out, "metrics.csv"))
	if lines := strings.Count(string(raw), "\n"); lines != g.Step+1 {
		t.Errorf("metrics.csv has %d lines, want a header and %d steps", lines, g.Step)
	}
}
