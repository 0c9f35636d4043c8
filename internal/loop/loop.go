// Package loop runs numbered steps and, after each, the periodic work that is
// due: the one "every N steps, and after the last" rule that ganbook's training
// run, sweeps, style transfer and notebook cells share.
package loop

import "context"

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

// Run calls step(i) for i = from+1 ... to and, after each, the hooks that are
// due, in order. It stops at the first error, and between steps when ctx is
// done (returning ctx.Err()).
func Run(ctx context.Context, from, to int, step func(i int) error, hooks ...Hook) error {
	for i := from + 1; i <= to; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := step(i); err != nil {
			return err
		}
		for _, h := range hooks {
			if Due(h.Every, i, to) {
				if err := h.Do(i); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
