package run

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/internal/nn"

	"github.com/ganbook/ganbook/gan"

	"github.com/ganbook/ganbook/internal/gantest"
)

func noiseDataset(n int) *dataset.Dataset {
	o := gan.Options{Batch: n, Size: 28, Channels: 1}
	return &dataset.Dataset{Name: "noise", N: n, Size: 28, Chan: 1, Images: tensors.MustCopyFlatData[float32](gantest.RandomBatch(o, 9).Images)}
}

func TestSweep(t *testing.T) {
	base := gantest.TinyOptions("mlp")
	grid := SweepGrid(base, []float64{1e-4, 1e-3, 2}, []float64{0.5, 0.9}, nil)
	if len(grid) != 6 || grid[5].LRD != 2 || grid[5].LRG != 2 || grid[5].Beta1 != 0.9 || grid[5].Beta2 != base.Beta2 {
		t.Fatalf("grid %d points, last %+v", len(grid), grid[len(grid)-1])
	}
	grid = []gan.Options{grid[0], grid[2]}
	calls := 0
	score := func(g *gan.GAN) (gan.QualityScore, error) {
		calls++
		return gan.QualityScore{Frechet: 10 - g.Opts.LRG*1000}, nil // the larger rate "wins"
	}
	ds := noiseDataset(32)
	var seen []int
	results, err := Sweep(context.Background(), nn.MustBackend(), ds, grid, 3, score, func(i int, r SweepResult) {
		if r.Finished {
			seen = append(seen, i)
		}
	})
	if err != nil || len(results) != 2 || calls != 2 || len(seen) != 2 {
		t.Fatalf("%d results, %d scores, %v", len(results), calls, err)
	}
	for _, r := range results {
		if r.Steps != 3 || r.Err != nil || r.DLoss <= 0 || r.GLoss <= 0 || r.DWins < 0 || r.DWins > 1 ||
			r.DFake <= 0 || r.DFake >= 1 || len(r.History) != 3 || r.History[2].DFake != r.DFake {
			t.Errorf("result %+v", r)
		}
	}
	_, rows := SweepRows(results)
	if rows[0][0] != "batch=8 lr-d=0.0001 lr-g=0.0001" || rows[1][0] != "batch=8 lr-d=0.001 lr-g=0.001" || results[0].Samples == nil {
		t.Errorf("run labels %q, %q (want the differing settings); samples %v", rows[0][0], rows[1][0], results[0].Samples != nil)
	}
	table := SweepTable(results)
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 4 || strings.Contains(lines[2], "best") || !strings.HasSuffix(lines[3], "<- best") {
		t.Errorf("table:\n%s", table)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Sweep(ctx, nn.MustBackend(), ds, grid, 3, nil, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled sweep: %v", err)
	}
}
