package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"

	"github.com/ganbook/ganbook/bench"
	"github.com/ganbook/ganbook/internal/fileio"
	"github.com/ganbook/ganbook/internal/nn"
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
	steps := fs.Int("steps", 10, "timed steps per workload (the median is reported)")
	rounds := fs.Int("rounds", 1, "repeat ganbook then PyTorch this many times, alternating; the table shows each side's median round and the notes their fastest and slowest")
	warmup := fs.Int("warmup", 2, "untimed steps first (the first one compiles)")
	only := fs.String("only", "", "comma-separated workloads (default all): mlp64, dcgan64, dcgan256, style128, style256")
	torch := fs.Bool("torch", true, "also run the PyTorch twins (needs python3-torch)")
	python := fs.String("python", "/usr/bin/python3", "Python interpreter with torch")
	blas := fs.String("blas", "openblas,reference", "BLAS libraries to run PyTorch with: openblas, reference, system")
	threads := fs.Int("torch-threads", runtime.NumCPU(), "PyTorch threads")
	device := fs.String("device", "cpu", "PyTorch device: cpu or cuda")
	out := fs.String("out", "", "also write the table to this Markdown file")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of ganbook's timed steps to this file (go tool pprof)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *steps < 1 || *warmup < 0 || *rounds < 1 {
		return usagef("bench: --steps and --rounds must be >= 1 and --warmup >= 0")
	}
	var ws []bench.Workload
	var names []string
	for _, w := range bench.Workloads() {
		names = append(names, w.Name)
		if *only == "" || slices.Contains(strings.Split(*only, ","), w.Name) {
			ws = append(ws, w)
		}
	}
	if len(ws) == 0 {
		return usagef("bench: --only %q names no workload: use %s", *only, strings.Join(names, ", "))
	}
	var libs []string
	for _, l := range strings.Split(*blas, ",") {
		if _, ok := blasDirs[l]; !ok {
			return usagef("bench: unknown --blas %q: use openblas, reference or system", l)
		}
		libs = append(libs, l)
	}
	b, err := backend()
	if err != nil {
		return err
	}
	ctx, stop := stopContext()
	defer stop()
	logf := func(s string) { fmt.Fprintln(os.Stderr, s) }

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	var wsNames []string
	for _, w := range ws {
		wsNames = append(wsNames, w.Name)
	}
	goRounds := bench.Rounds{}
	torchRounds := map[string]bench.Rounds{} // by BLAS
	var notes []string
	noted := map[string]bool{}
	note := func(s string) {
		if !noted[s] {
			noted[s] = true
			notes = append(notes, s)
		}
	}
	for round := 1; round <= *rounds; round++ {
		if *rounds > 1 {
			logf(fmt.Sprintf("round %d of %d", round, *rounds))
		}
		goTimes, err := bench.RunGo(b, ws, *warmup, *steps, logf)
		if err != nil {
			pprof.StopCPUProfile()
			return err
		}
		goRounds.Add(goTimes)
		if !*torch {
			continue
		}
		for _, l := range libs {
			dir := blasDirs[l]
			if dir != "" {
				if _, err := os.Stat(dir); err != nil {
					note(fmt.Sprintf("PyTorch with %s skipped: %s is missing (a Debian folder; elsewhere use --blas system)", l, dir))
					continue
				}
			}
			r, err := bench.RunTorch(ctx, bench.TorchConfig{Python: *python, LibDir: dir, Threads: *threads, Device: *device,
				Only: wsNames, Warmup: *warmup, Steps: *steps, Log: logf})
			if err != nil {
				if ctx.Err() != nil {
					return interrupted{"bench interrupted"}
				}
				note(fmt.Sprintf("PyTorch with %s failed: %v", l, err))
				continue
			}
			if torchRounds[l] == nil {
				torchRounds[l] = bench.Rounds{}
			}
			timings := map[string]bench.Timing{}
			for _, w := range ws {
				if t, ok := r.Timing(w.Name); ok {
					timings[w.Name] = t
				}
			}
			torchRounds[l].Add(timings)
			note(fmt.Sprintf("torch-%s: PyTorch %s, %d threads, %s, BLAS %s", l, r.Torch, r.Threads, r.Device, r.BLAS))
		}
	}
	pprof.StopCPUProfile()
	cols := []bench.Column{{Name: "ganbook", Timings: goRounds.Median()}}
	for _, l := range libs {
		if tr := torchRounds[l]; tr != nil {
			cols = append(cols, bench.Column{Name: "torch-" + l, Timings: tr.Median()})
		}
	}
	if *rounds > 1 {
		for _, w := range ws {
			lo, hi := goRounds.Range(w.Name)
			line := fmt.Sprintf("%s over %d rounds: ganbook %.1f-%.1f ms", w.Name, *rounds, lo, hi)
			for _, l := range libs {
				if tr := torchRounds[l]; tr != nil {
					tlo, thi := tr.Range(w.Name)
					line += fmt.Sprintf(", torch-%s %.1f-%.1f ms", l, tlo, thi)
				}
			}
			notes = append(notes, line)
		}
	}
	choice, _ := nn.Backend() // chosen by backend() above
	peak := bench.NominalPeak()
	if *device != "cpu" || (strings.HasPrefix(choice.Config, "xla") && choice.Config != "xla:cpu") {
		peak = bench.Peak{How: "not computed: the CPU's peak says nothing about an accelerator"}
	}
	var report strings.Builder
	report.WriteString(bench.Table(ws, cols, peak))
	fmt.Fprintf(&report, "\nganbook: %s\n", choice.Line)
	for _, n := range notes {
		report.WriteString(n + "\n")
	}
	if peak.GFLOPS > 0 {
		fmt.Fprintf(&report, "peak: %.0f GFLOP/s nominal FP32 (%s)\n", peak.GFLOPS, peak.How)
	} else {
		fmt.Fprintf(&report, "peak: %s\n", peak.How)
	}
	fmt.Print(report.String())
	if *out != "" {
		return fileio.WriteFileAtomic(*out, func(w io.Writer) error { _, err := io.WriteString(w, report.String()); return err })
	}
	return nil
}
