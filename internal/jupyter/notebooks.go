package jupyter

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// runnerPy executes one notebook with Jupyter's own client (nbclient), stops at
// the first cell that raises, and always saves what ran, so a failure can be
// read in the executed copy.
const runnerPy = `
import sys, nbformat
from nbclient import NotebookClient
src, dst, kernel, timeout, cwd = sys.argv[1:6]
nb = nbformat.read(src, as_version=4)
client = NotebookClient(nb, kernel_name=kernel, timeout=int(timeout), resources={"metadata": {"path": cwd}})
try:
    client.execute()
finally:
    nbformat.write(nb, dst)
`

// NotebookResult is the outcome of one notebook.
type NotebookResult struct {
	Path     string
	Executed string // the executed copy
	Err      error  // nil: every cell ran without error
	Duration time.Duration
}

// RunNotebook executes a notebook headless with the ganbook kernel, saving the
// executed copy into outDir. It fails on any cell error, including a failed
// shell line (!cmd), which GoNB reports only as "exit status N".
func RunNotebook(ctx context.Context, path, outDir string, cellTimeout time.Duration) NotebookResult {
	start := time.Now()
	res := NotebookResult{Path: path, Executed: filepath.Join(outDir, filepath.Base(path))}
	script := filepath.Join(outDir, ".ganbook-run-notebook.py")
	if err := os.WriteFile(script, []byte(runnerPy), 0o644); err != nil {
		res.Err = err
		return res
	}
	abs, _ := filepath.Abs(path)
	cmd := exec.CommandContext(ctx, python(), script, abs, res.Executed, KernelName, fmt.Sprint(int(cellTimeout.Seconds())), filepath.Dir(abs))
	// When ctx ends (Ctrl-C, SIGTERM), the runner, the kernel, gopls and the
	// cell's program all stop, not the runner alone.
	cmd.Cancel = func() error { return stopTree(cmd.Process.Pid, 3*time.Second) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = append(os.Environ(), headlessEnv+"=1") // no browser: widgets show their static form
	if root, err := Root(); err == nil {
		// The notebooks of this checkout run on this checkout's own kernel
		// (installed on first use, the user's kernels untouched), which
		// imports ganbook from here.
		dir, err := CheckoutKernel(ctx, root, nil)
		if err != nil {
			res.Err = err
			return res
		}
		cmd.Env = append(cmd.Env, "JUPYTER_PATH="+joinPath(dir, os.Getenv("JUPYTER_PATH")))
	}
	out, runErr := cmd.CombinedOutput()
	res.Duration = time.Since(start)
	if ctx.Err() != nil {
		res.Err = fmt.Errorf("stopped after %s: %w", res.Duration.Round(time.Second), ctx.Err())
		return res
	}
	raw, err := os.ReadFile(res.Executed)
	if err != nil {
		res.Err = fmt.Errorf("not executed: %s", lastLine(out))
		return res
	}
	if cellErr := NotebookError(raw); cellErr != nil {
		res.Err = cellErr
	} else if runErr != nil {
		res.Err = fmt.Errorf("the runner failed: %s", lastLine(out))
	}
	return res
}

var exitStatus = regexp.MustCompile(`(?m)^exit status [1-9][0-9]*\s*$`)

// NotebookError scans an executed notebook and returns its first cell error:
// an error output, or a shell line that failed.
func NotebookError(raw []byte) error {
	cells, err := readCells(raw)
	if err != nil {
		return err
	}
	for i, c := range cells {
		if c.CellType != "code" {
			continue
		}
		for _, o := range c.Outputs {
			switch {
			case o.OutputType == "error":
				return fmt.Errorf("cell %d: %s: %s", i+1, o.EName, firstLines(o.EValue, 3))
			case o.OutputType == "stream" && exitStatus.MatchString(joinText(o.Text)):
				return fmt.Errorf("cell %d: a shell line failed: %s", i+1, firstLines(joinText(o.Text), 3))
			}
		}
	}
	return nil
}

// cell is what ganbook reads of a notebook's cell.
type cell struct {
	ID       string   `json:"id"`
	CellType string   `json:"cell_type"`
	Source   any      `json:"source"` // a string or a list of lines
	Outputs  []output `json:"outputs"`
}

// readCells parses a notebook's cells.
func readCells(raw []byte) ([]cell, error) {
	var nb struct {
		Cells []cell `json:"cells"`
	}
	if err := json.Unmarshal(raw, &nb); err != nil {
		return nil, fmt.Errorf("not a notebook: %w", err)
	}
	return nb.Cells, nil
}

type output struct {
	OutputType string `json:"output_type"`
	EName      string `json:"ename"`
	EValue     string `json:"evalue"`
	Text       any    `json:"text"`
}

func joinText(t any) string {
	switch v := t.(type) {
	case string:
		return v
	case []any:
		var b strings.Builder
		for _, s := range v {
			b.WriteString(fmt.Sprint(s))
		}
		return b.String()
	}
	return ""
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " | ")
}

// headlessEnv is kernel.HeadlessEnv (a test keeps them equal): the notebook
// API, not this tooling, owns the name, and this package does not import it.
const headlessEnv = "GANBOOK_HEADLESS"
