// Package watchdog notices work that stops making progress: a long computation
// kicks it after every step, and if no kick comes for the timeout, it calls
// the stall function (which, in the CLI, explains what happened and exits,
// instead of hanging forever on a deadlocked backend).
package watchdog

import (
	"sync"
	"time"
)

// Watchdog fires once when Kick has not been called for its timeout.
type Watchdog struct {
	mu      sync.Mutex
	timer   *time.Timer
	timeout time.Duration
	last    time.Time
}

// Start arms a watchdog; a timeout <= 0 gives one that never fires. onStall
// gets the time since the last kick.
func Start(timeout time.Duration, onStall func(since time.Duration)) *Watchdog {
	w := &Watchdog{timeout: timeout, last: time.Now()}
	if timeout > 0 {
		w.timer = time.AfterFunc(timeout, func() {
			w.mu.Lock()
			since := time.Since(w.last)
			w.mu.Unlock()
			onStall(since)
		})
	}
	return w
}

// Kick records progress and re-arms the watchdog.
func (w *Watchdog) Kick() {
	if w == nil || w.timer == nil {
		return
	}
	w.mu.Lock()
	w.last = time.Now()
	w.mu.Unlock()
	w.timer.Reset(w.timeout)
}

// Stop disarms the watchdog.
func (w *Watchdog) Stop() {
	if w != nil && w.timer != nil {
		w.timer.Stop()
	}
}
