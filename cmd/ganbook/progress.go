package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ganbook/ganbook/gan"
	"github.com/ganbook/ganbook/styletransfer"
)

// progress draws one status line: in place on a terminal, one line every few
// seconds otherwise (logs, notebooks, CI).
type progress struct {
	tty      bool
	last     time.Time
	drawn    bool
	interval time.Duration
}

var progressLine = newProgress()

func newProgress() *progress {
	st, err := os.Stderr.Stat()
	return &progress{tty: err == nil && st.Mode()&os.ModeCharDevice != 0, interval: 10 * time.Second}
}

// update draws a training step; budget > 0 is a run by time's, whose minutes
// left cap the ETA.
func (p *progress) update(step, first, total int, m gan.Metrics, elapsed, budget time.Duration) {
	if !p.due(step == total) {
		return
	}
	rate := float64(step-first) / elapsed.Seconds()
	eta := time.Duration(float64(total-step)/rate) * time.Second
	if budget > 0 {
		eta = max(0, min(eta, budget-elapsed))
	}
	dreal := fmt.Sprintf("%.2f", m.DReal)
	if m.DSkipped {
		dreal = "skip"
	}
	p.draw(step, total, fmt.Sprintf("%.1f step/s  D loss %.3f  G loss %.3f  D(x) %s  D(G(z)) %.2f  ETA %s",
		rate, m.DLoss, m.GLoss, dreal, m.DFake, eta.Round(time.Second)))
}

func (p *progress) styleUpdate(s styletransfer.Progress) {
	if !p.due(s.Step == s.Steps) {
		return
	}
	rate := s.Elapsed.Seconds() / float64(s.Step)
	eta := time.Duration(rate*float64(s.Steps-s.Step)) * time.Second
	p.draw(s.Step, s.Steps, fmt.Sprintf("%.2f s/step  content %.4g  style %.4g  variation %.4g  ETA %s",
		rate, s.Content, s.Style, s.Variation, eta.Round(time.Second)))
}

// due says whether to draw now: always for the last step, every 200 ms on a
// terminal, every interval otherwise.
func (p *progress) due(last bool) bool {
	now := time.Now()
	if !last && now.Sub(p.last) < p.interval && !(p.tty && now.Sub(p.last) > 200*time.Millisecond) {
		return false
	}
	p.last = now
	return true
}

// draw prints a bar, the step and the details.
func (p *progress) draw(step, total int, details string) {
	frac := float64(step) / float64(total)
	bar := strings.Repeat("#", int(frac*20)) + strings.Repeat(".", 20-int(frac*20))
	line := fmt.Sprintf("[%s] step %d/%d  %s", bar, step, total, details)
	if p.tty {
		fmt.Fprintf(os.Stderr, "\r\033[K%s", line)
		p.drawn = true
	} else {
		fmt.Fprintln(os.Stderr, line)
	}
}

// log prints a message on its own line without breaking the status line.
func (p *progress) log(msg string) {
	if p.tty && p.drawn {
		fmt.Fprint(os.Stderr, "\r\033[K")
		p.drawn = false
	}
	fmt.Fprintln(os.Stderr, msg)
}

func (p *progress) done() {
	if p.tty && p.drawn {
		fmt.Fprintln(os.Stderr)
		p.drawn = false
	}
}
