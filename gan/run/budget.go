package run

import (
	"slices"
	"time"

	"github.com/gomlx/compute"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/gan"
)

// MeasureStep times one training step of a throwaway GAN with options o and
// parts on data: the median of n steps after two warm-up steps (the first
// builds the graphs). It plans a run by time (PlanBudget); the run's own GAN
// is not touched.
func MeasureStep(backend compute.Backend, o gan.Options, parts gan.Parts, data *dataset.Dataset, n int) (time.Duration, error) {
	n = max(n, 1)
	g, err := gan.NewWith(backend, o, parts)
	if err != nil {
		return 0, err
	}
	batches, err := g.Batches(data)
	if err != nil {
		return 0, err
	}
	var times []time.Duration
	for i := range n + 2 {
		start := time.Now()
		if _, err := g.TrainStep(batches.Next()); err != nil {
			return 0, err
		}
		if i >= 2 {
			times = append(times, time.Since(start))
		}
	}
	slices.Sort(times)
	return times[len(times)/2], nil
}

// Grids and checkpoints a run by time writes, spread over its planned steps
// when their intervals are not given.
const (
	budgetGrids       = 12
	budgetCheckpoints = 5
)

// StepsFit is how many steps of perStep fit in budget (at least one).
func StepsFit(budget, perStep time.Duration) int {
	return max(1, int(budget/max(perStep, time.Microsecond)))
}

// PlanBudget plans c for a run of budget that starts at step from, each step
// taking perStep (MeasureStep): Steps is where the budget is expected to end,
// Budget where it does end whatever the plan said, and the sample and
// checkpoint intervals, when 0, give about 12 grids and 5 checkpoints. It
// returns the number of steps planned.
func (c *Config) PlanBudget(from int, budget, perStep time.Duration) int {
	fits := StepsFit(budget, perStep)
	c.Steps = from + fits
	c.Budget = budget
	if c.SampleEvery == 0 {
		c.SampleEvery = max(1, fits/budgetGrids)
	}
	if c.CheckpointEvery == 0 {
		c.CheckpointEvery = max(1, fits/budgetCheckpoints)
	}
	return fits
}
