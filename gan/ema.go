package gan

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gomlx/gomlx/core/tensors"
)

// EMAScope holds the exponential moving average of the generator's variables
// (Options.EMA): the same names as under GeneratorScope.
const EMAScope = "/generator_ema"

// updateEMA moves every generator variable's average towards its new value:
// ema = beta * ema + (1 - beta) * w. Batch norm's moving statistics are
// averaged too, so the averaged generator is a complete network. Done on the
// host: for the MLP generator's 1.5M numbers it costs about a millisecond.
//
// The decay warms up: beta = min(Options.EMA, (1+t)/(10+t)) after t completed
// steps (TensorFlow's ExponentialMovingAverage with num_updates). A fixed 0.999
// would average over the first ~1000 steps' poor weights: measured on a DCGAN,
// its samples at step 1000 still scored a class entropy of 0.10.
func (g *GAN) updateEMA() error {
	t := float64(g.Step)
	beta := float32(min(g.Opts.EMA, (1+t)/(10+t)))
	for v := range g.Store.IterVariables() {
		path := v.Path()
		if !strings.HasPrefix(path, GeneratorScope+"/") || strings.Contains(path, "/optimizers/") || !v.HasValue() {
			continue
		}
		w, err := v.Value()
		if err != nil {
			return err
		}
		emaPath := EMAScope + strings.TrimPrefix(path, GeneratorScope)
		ema := g.Store.GetVariable(emaPath)
		if ema == nil { // the first step: the average starts at the weights
			start, err := w.LocalClone()
			if err != nil {
				return err
			}
			if ema, err = g.Store.CreateVariable(emaPath, start); err != nil {
				return fmt.Errorf("creating %s: %w", emaPath, err)
			}
			ema.SetTrainable(false)
			continue
		}
		avg, err := ema.Value()
		if err != nil {
			return err
		}
		var updateErr error
		err = tensors.ConstFlatData(w, func(cur []float32) {
			updateErr = tensors.MutableFlatData(avg, func(a []float32) {
				for i := range a {
					a[i] = beta*a[i] + (1-beta)*cur[i]
				}
			})
		})
		if err = errors.Join(err, updateErr); err != nil {
			return fmt.Errorf("updating %s: %w", emaPath, err)
		}
	}
	return nil
}

// hasEMA reports whether the averaged generator exists (after a first
// generator step, or restored from a checkpoint).
func (g *GAN) hasEMA() bool {
	for v := range g.Store.IterVariables() {
		if strings.HasPrefix(v.Path(), EMAScope+"/") {
			return true
		}
	}
	return false
}
