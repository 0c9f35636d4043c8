package bench

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gomlx/compute"
)

// Timing is one side's measurement of one workload.
type Timing struct {
	MS    float64 // median milliseconds per step after warm-up
	Cores float64 // CPU time / wall time while timing: how many cores it kept busy
}

// RunGo times each workload on backend: warmup steps (the first compiles),
// then steps timed one by one. log, when set, gets one line per workload.
func RunGo(backend compute.Backend, ws []Workload, warmup, steps int, log func(string)) (map[string]Timing, error) {
	out := map[string]Timing{}
	for _, w := range ws {
		step, err := w.Setup(backend)
		if err != nil {
			return out, fmt.Errorf("%s: %w", w.Name, err)
		}
		for range warmup {
			if err := step(); err != nil {
				return out, fmt.Errorf("%s: %w", w.Name, err)
			}
		}
		times := make([]float64, 0, steps)
		cpu0, wall0 := cpuTime(), time.Now()
		for range steps {
			t0 := time.Now()
			if err := step(); err != nil {
				return out, fmt.Errorf("%s: %w", w.Name, err)
			}
			times = append(times, float64(time.Since(t0).Microseconds())/1000)
		}
		t := Timing{MS: median(times), Cores: (cpuTime() - cpu0).Seconds() / time.Since(wall0).Seconds()}
		out[w.Name] = t
		if log != nil {
			log(fmt.Sprintf("ganbook %s: %.1f ms/step", w.Name, t.MS))
		}
	}
	return out, nil
}

func median(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

//go:embed torch_bench.py
var torchScript []byte

// TorchResult is what torch_bench.py reports.
type TorchResult struct {
	Torch   string             `json:"torch"`
	Threads int                `json:"threads"`
	Device  string             `json:"device"`
	BLAS    string             `json:"blas"`
	MS      map[string]float64 `json:"ms"`
	Cores   map[string]float64 `json:"cores"`
}

// Timing returns the result for one workload.
func (r TorchResult) Timing(name string) (Timing, bool) {
	ms, ok := r.MS[name]
	return Timing{MS: ms, Cores: r.Cores[name]}, ok
}

// TorchConfig says how to run the PyTorch side.
type TorchConfig struct {
	Python  string   // interpreter with torch (Debian: /usr/bin/python3 with python3-torch)
	LibDir  string   // put first on LD_LIBRARY_PATH to choose the BLAS ("" keeps the system's)
	Threads int      // torch.set_num_threads (0: torch's default)
	Device  string   // cpu or cuda
	Only    []string // workload names (empty: all)
	Warmup  int
	Steps   int
	Log     func(string)
}

// RunTorch runs the embedded torch_bench.py and parses its JSON line.
func RunTorch(ctx context.Context, c TorchConfig) (TorchResult, error) {
	var r TorchResult
	dir, err := os.MkdirTemp("", "ganbook-bench-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "torch_bench.py")
	if err := os.WriteFile(script, torchScript, 0o644); err != nil {
		return r, err
	}
	args := []string{script, "--steps", fmt.Sprint(c.Steps), "--warmup", fmt.Sprint(c.Warmup),
		"--device", c.Device, "--threads", fmt.Sprint(c.Threads), "--only", strings.Join(c.Only, ",")}
	cmd := exec.CommandContext(ctx, c.Python, args...)
	cmd.Env = os.Environ()
	if c.LibDir != "" {
		cmd.Env = append(cmd.Env, "LD_LIBRARY_PATH="+c.LibDir+":"+os.Getenv("LD_LIBRARY_PATH"))
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndex(msg, "\n"); i >= 0 {
			msg = msg[i+1:]
		}
		return r, fmt.Errorf("%s %s: %w: %s (install PyTorch: apt-get install python3-torch)", c.Python, filepath.Base(script), err, msg)
	}
	if c.Log != nil {
		for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
			if line != "" {
				c.Log(line)
			}
		}
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		return r, fmt.Errorf("torch_bench.py printed no result: %w", err)
	}
	return r, nil
}
