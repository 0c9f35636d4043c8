package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"

	"github.com/ganbook/ganbook/bench"
	"github.com/ganbook/ganbook/internal/fileio"
	"github.com/ganbook/ganbook/internal/nn"
	"github.com/gomlx/compute"
)

// blasDirs are Debian's library folders for each BLAS (in the multiarch folder
// of this architecture): putting one first on LD_LIBRARY_PATH makes PyTorch
// load that libblas.so.3. Elsewhere they do not exist, and bench says so.
var blasDirs = map[string]string{
	"openblas":  "/usr/lib/" + debianMultiarch() + "/openblas-pthread", // apt-get install libopenblas0-pthread
	"reference": "/usr/lib/" + debianMultiarch() + "/blas",             // apt-get install libblas3 (Debian's default)
	"system":    "",
}

// debianMultiarch is Debian's library triplet for this architecture.
func debianMultiarch() string {
	if runtime.GOARCH == "arm64" {
		return "aarch64-linux-gnu"
	}
	return "x86_64-linux-gnu"
}

// benchCmd: `ganbook bench` times ganbook's training steps and PyTorch's
// twins of them in one run and prints the comparison.
func benchCmd(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	c := benchConfig{}
	fs.IntVar(&c.steps, "steps", 10, "timed steps per workload (the median is reported)")
	fs.IntVar(&c.rounds, "rounds", 1, "repeat ganbook then PyTorch this many times, alternating; the table shows each side's median round and the notes their fastest and slowest")
	fs.IntVar(&c.warmup, "warmup", 2, "untimed steps first (the first one compiles)")
	only := fs.String("only", "", "comma-separated workloads (default all): mlp64, dcgan64, dcgan256, cdcgan64, dcgan64rgb, style128, style256")
	fs.BoolVar(&c.torch, "torch", true, "also run the PyTorch twins (needs python3-torch)")
	fs.StringVar(&c.python, "python", "/usr/bin/python3", "Python interpreter with torch")
	blas := fs.String("blas", "openblas,reference", "BLAS libraries to run PyTorch with: openblas, reference, system")
	fs.IntVar(&c.threads, "torch-threads", runtime.NumCPU(), "PyTorch threads")
	fs.StringVar(&c.device, "device", "cpu", "PyTorch device: cpu or cuda")
	out := fs.String("out", "", "also write the table to this Markdown file")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of ganbook's timed steps to this file (go tool pprof)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if c.steps < 1 || c.warmup < 0 || c.rounds < 1 {
		return usagef("bench: --steps and --rounds must be >= 1 and --warmup >= 0")
	}
	var err error
	if c.workloads, err = selectWorkloads(*only); err != nil {
		return err
	}
	if c.libs, err = blasLibs(*blas); err != nil {
		return err
	}
	if c.backend, err = backend(); err != nil {
		return err
	}
	ctx, stop := stopContext()
	defer stop()
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	err = c.run(ctx)
	stopProfile()
	if err != nil {
		return err
	}
	report := c.report()
	fmt.Print(report)
	if *out != "" {
		return fileio.WriteFileAtomic(*out, func(w io.Writer) error { _, err := io.WriteString(w, report); return err })
	}
	return nil
}

// benchConfig is one `ganbook bench`: what to time, and, once run, the
// timings of every round and the notes for under the table.
type benchConfig struct {
	steps, rounds, warmup, threads int
	torch                          bool
	python, device                 string
	libs                           []string // BLAS libraries for PyTorch
	workloads                      []bench.Workload
	backend                        compute.Backend

	goRounds    bench.Rounds
	torchRounds map[string]bench.Rounds // by BLAS
	notes       []string
}

// selectWorkloads are the workloads --only names (all for "").
func selectWorkloads(only string) ([]bench.Workload, error) {
	var ws []bench.Workload
	var names []string
	for _, w := range bench.Workloads() {
		names = append(names, w.Name)
		if only == "" || slices.Contains(strings.Split(only, ","), w.Name) {
			ws = append(ws, w)
		}
	}
	if len(ws) == 0 {
		return nil, usagef("bench: --only %q names no workload: use %s", only, strings.Join(names, ", "))
	}
	return ws, nil
}

// blasLibs are the BLAS libraries --blas names.
func blasLibs(list string) ([]string, error) {
	var libs []string
	for _, l := range strings.Split(list, ",") {
		if _, ok := blasDirs[l]; !ok {
			return nil, usagef("bench: unknown --blas %q: use openblas, reference or system", l)
		}
		libs = append(libs, l)
	}
	return libs, nil
}

func (c *benchConfig) logf(s string) { fmt.Fprintln(os.Stderr, s) }

// note adds a line under the table, once.
func (c *benchConfig) note(s string) {
	if !slices.Contains(c.notes, s) {
		c.notes = append(c.notes, s)
	}
}

// run times the rounds: ganbook, then PyTorch with each BLAS, alternating.
func (c *benchConfig) run(ctx context.Context) error {
	c.goRounds, c.torchRounds = bench.Rounds{}, map[string]bench.Rounds{}
	for round := 1; round <= c.rounds; round++ {
		if c.rounds > 1 {
			c.logf(fmt.Sprintf("round %d of %d", round, c.rounds))
		}
		goTimes, err := bench.RunGo(c.backend, c.workloads, c.warmup, c.steps, c.logf)
		if err != nil {
			return err
		}
		c.goRounds.Add(goTimes)
		if !c.torch {
			continue
		}
		for _, l := range c.libs {
			if err := c.runTorch(ctx, l); err != nil {
				return err
			}
		}
	}
	return nil
}

// runTorch times the PyTorch twins once with BLAS library l; a PyTorch that
// is missing or fails becomes a note, not an error.
func (c *benchConfig) runTorch(ctx context.Context, l string) error {
	dir := blasDirs[l]
	if dir != "" {
		if _, err := os.Stat(dir); err != nil {
			c.note(fmt.Sprintf("PyTorch with %s skipped: %s is missing (a Debian folder; elsewhere use --blas system)", l, dir))
			return nil
		}
	}
	var names []string
	for _, w := range c.workloads {
		names = append(names, w.Name)
	}
	r, err := bench.RunTorch(ctx, bench.TorchConfig{Python: c.python, LibDir: dir, Threads: c.threads, Device: c.device,
		Only: names, Warmup: c.warmup, Steps: c.steps, Log: c.logf})
	if err != nil {
		if ctx.Err() != nil {
			return interrupted{"bench interrupted"}
		}
		c.note(fmt.Sprintf("PyTorch with %s failed: %v", l, err))
		return nil
	}
	if c.torchRounds[l] == nil {
		c.torchRounds[l] = bench.Rounds{}
	}
	timings := map[string]bench.Timing{}
	for _, w := range c.workloads {
		if t, ok := r.Timing(w.Name); ok {
			timings[w.Name] = t
		}
	}
	c.torchRounds[l].Add(timings)
	c.note(fmt.Sprintf("torch-%s: PyTorch %s, %d threads, %s, BLAS %s", l, r.Torch, r.Threads, r.Device, r.BLAS))
	return nil
}

// report is the table of median rounds, with the rounds' range, the
// backend, the notes and the peak the percentages are of.
func (c *benchConfig) report() string {
	cols := []bench.Column{{Name: "ganbook", Timings: c.goRounds.Median()}}
	for _, l := range c.libs {
		if tr := c.torchRounds[l]; tr != nil {
			cols = append(cols, bench.Column{Name: "torch-" + l, Timings: tr.Median()})
		}
	}
	notes := c.notes
	if c.rounds > 1 {
		for _, w := range c.workloads {
			lo, hi := c.goRounds.Range(w.Name)
			line := fmt.Sprintf("%s over %d rounds: ganbook %.1f-%.1f ms", w.Name, c.rounds, lo, hi)
			for _, l := range c.libs {
				if tr := c.torchRounds[l]; tr != nil {
					tlo, thi := tr.Range(w.Name)
					line += fmt.Sprintf(", torch-%s %.1f-%.1f ms", l, tlo, thi)
				}
			}
			notes = append(notes, line)
		}
	}
	choice, _ := nn.Backend() // chosen by backend() before the run
	peak := bench.NominalPeak()
	if c.device != "cpu" || (strings.HasPrefix(choice.Config, "xla") && choice.Config != "xla:cpu") {
		peak = bench.Peak{How: "not computed: the CPU's peak says nothing about an accelerator"}
	}
	var report strings.Builder
	report.WriteString(bench.Table(c.workloads, cols, peak))
	fmt.Fprintf(&report, "\nganbook: %s\n", choice.Line)
	for _, n := range notes {
		report.WriteString(n + "\n")
	}
	if peak.GFLOPS > 0 {
		fmt.Fprintf(&report, "peak: %.0f GFLOP/s nominal FP32 (%s)\n", peak.GFLOPS, peak.How)
	} else {
		fmt.Fprintf(&report, "peak: %s\n", peak.How)
	}
	return report.String()
}
