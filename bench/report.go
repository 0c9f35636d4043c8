package bench

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Peak is the CPU's nominal FP32 peak: cores x FLOPs per cycle x clock.
type Peak struct {
	GFLOPS float64
	How    string // the arithmetic, in words
}

// NominalPeak reads /proc/cpuinfo: AVX-512 counts 64 FP32 FLOPs per cycle per
// core (two 16-wide FMA units), AVX2 with FMA 32, otherwise 8. It is the
// datasheet kind of peak; a real FMA loop reaches about that (on a 2-core
// AVX-512 Xeon at 2.1 GHz: ~270 GFLOP/s nominal, ~305-333 GFLOP/s measured).
func NominalPeak() Peak {
	raw, _ := os.ReadFile("/proc/cpuinfo")
	text := string(raw)
	mhz := 0.0
	for _, line := range strings.Split(text, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "cpu MHz" {
			mhz, _ = strconv.ParseFloat(strings.TrimSpace(v), 64)
			break
		}
	}
	perCycle, unit := 8.0, "SSE"
	switch {
	case strings.Contains(text, " avx512f"):
		perCycle, unit = 64, "AVX-512, 2 FMA units"
	case strings.Contains(text, " avx2") && strings.Contains(text, " fma"):
		perCycle, unit = 32, "AVX2, 2 FMA units"
	}
	cores := runtime.NumCPU()
	if mhz == 0 {
		return Peak{How: "not available on this system (the clock is read from Linux's /proc/cpuinfo)"}
	}
	return Peak{GFLOPS: float64(cores) * perCycle * mhz / 1000,
		How: fmt.Sprintf("%d cores x %g FLOP/cycle (%s) x %.2f GHz", cores, perCycle, unit, mhz/1000)}
}

// Column is one side of the comparison.
type Column struct {
	Name    string
	Timings map[string]Timing
}

// Table formats the measurements as Markdown: per workload its GFLOP per step,
// then per column the median ms/step, the cores it used, its GFLOP/s and share
// of the peak, and, for every column after the first, the ratio to the first.
func Table(ws []Workload, cols []Column, peak Peak) string {
	var b strings.Builder
	b.WriteString("| workload | GFLOP/step |")
	for i, c := range cols {
		fmt.Fprintf(&b, " %s ms (cores) | GFLOP/s (%% peak) |", c.Name)
		if i > 0 {
			fmt.Fprintf(&b, " %s / %s |", cols[0].Name, c.Name)
		}
	}
	b.WriteString("\n|---|---|")
	for i := range cols {
		b.WriteString("---|---|")
		if i > 0 {
			b.WriteString("---|")
		}
	}
	b.WriteString("\n")
	for _, w := range ws {
		fmt.Fprintf(&b, "| %s | %.2f |", w.What, w.FLOPs/1e9)
		first, haveFirst := cols[0].Timings[w.Name]
		for i, c := range cols {
			t, ok := c.Timings[w.Name]
			if !ok || t.MS <= 0 {
				b.WriteString(" - | - |")
				if i > 0 {
					b.WriteString(" - |")
				}
				continue
			}
			gflops := w.FLOPs / 1e9 / (t.MS / 1000)
			pct := "-"
			if peak.GFLOPS > 0 {
				pct = fmt.Sprintf("%.0f%%", 100*gflops/peak.GFLOPS)
			}
			fmt.Fprintf(&b, " %.1f (%.1f) | %.1f (%s) |", t.MS, t.Cores, gflops, pct)
			if i > 0 {
				if haveFirst {
					fmt.Fprintf(&b, " %.2fx |", first.MS/t.MS)
				} else {
					b.WriteString(" - |")
				}
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Rounds collects one column's timings over several rounds of a benchmark
// that alternates the sides (ganbook, then PyTorch, then ganbook again...), so
// that a burst of load on a shared machine hits both.
type Rounds map[string][]Timing

// Add records one round's timings.
func (r Rounds) Add(t map[string]Timing) {
	for name, v := range t {
		r[name] = append(r[name], v)
	}
}

// Median is the column of each workload's median round (by ms per step).
func (r Rounds) Median() map[string]Timing {
	out := map[string]Timing{}
	for name, ts := range r {
		ms := make([]float64, len(ts))
		cores := make([]float64, len(ts))
		for i, t := range ts {
			ms[i], cores[i] = t.MS, t.Cores
		}
		out[name] = Timing{MS: median(ms), Cores: median(cores)}
	}
	return out
}

// Range is the fastest and slowest round of a workload, in ms per step.
func (r Rounds) Range(name string) (lo, hi float64) {
	for i, t := range r[name] {
		if i == 0 || t.MS < lo {
			lo = t.MS
		}
		if t.MS > hi {
			hi = t.MS
		}
	}
	return lo, hi
}
