// Package loop runs numbered steps and, after each, the periodic work that is
// due: the one "every N steps, and after the last" rule that ganbook's training
// run, sweeps, style transfer and notebook cells share.
package loop

import (
	"context"
	"errors"
)

// Hook is work done after some steps of a loop.
type Hook struct {
	// Every: run after every Every-th step and after the last; <= 0: only after
	// the last.
	Every int
	Do    func(step int) error
}

// Due reports whether work with period every is due after step, the loop's last
// step being last.
func Due(every, step, last int) bool { return step == last || (every > 0 && step%every == 0) }

// ErrLast, returned by a step that did its work, makes that step the loop's
// last (a run by time whose budget is spent): the hooks due after a last step
// run, and Run returns nil.
var ErrLast = errors.New("the last step")

// Run calls step(i) for i = from+1 ... to and, after each, the hooks that are
// due, in order. It stops at the first error, at a step that returns ErrLast
// (after its hooks, returning nil), and between steps when ctx is done
// (returning ctx.Err()).
func Run(ctx context.Context, from, to int, step func(i int) error, hooks ...Hook) error {
	for i := from + 1; i <= to; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		last := to
		if err := step(i); errors.Is(err, ErrLast) {
			last = i
		} else if err != nil {
			return err
		}
		for _, h := range hooks {
			if Due(h.Every, i, last) {
				if err := h.Do(i); err != nil {
					return err
				}
			}
		}
		if last == i {
			return nil
		}
	}
	return nil
}
