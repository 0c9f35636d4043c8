//go:build unix

package jupyter

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Ending a notebook run (Ctrl-C or SIGTERM to `ganbook notebooks run`)
// stops its whole process tree: the runner, the kernel Jupyter starts in a
// session of its own, and the cell's program, which used to run on (167% CPU)
// and then write the executed notebook.
func TestRunNotebookStopsItsWholeTree(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Jupyter kernel")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the process tree is read from /proc")
	}
	if err := NeedHeadless(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CheckoutKernel(context.Background(), root, func(s string) { t.Log(s) }); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	marker := filepath.Join(dir, "cell-started")
	cell := "import (\n\t\"os\"\n\t\"time\"\n)\n\n%%\nos.WriteFile(" + `"` + marker + `"` + ", nil, 0o644)\ntime.Sleep(5 * time.Minute)\n"
	nb := map[string]any{"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{},
		"cells": []any{map[string]any{"cell_type": "code", "id": "c1", "metadata": map[string]any{}, "outputs": []any{}, "execution_count": nil, "source": cell}}}
	raw, _ := json.Marshal(nb)
	path := filepath.Join(dir, "sleep.ipynb")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan NotebookResult, 1)
	go func() { done <- RunNotebook(ctx, path, dir, 10*time.Minute) }()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if _, err := os.Stat(marker); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cell did not start within 3 minutes")
		}
		time.Sleep(100 * time.Millisecond)
	}
	tree := descendants(os.Getpid())
	for _, p := range tree {
		comm, _ := os.ReadFile("/proc/" + itoa(p) + "/comm")
		t.Logf("below the test: %d %s", p, comm)
	}
	if len(tree) < 3 {
		t.Fatalf("expected the runner, the kernel and the cell's program below the test, found %v", tree)
	}
	start := time.Now()
	cancel()
	select {
	case r := <-done:
		if r.Err == nil || time.Since(start) > 10*time.Second {
			t.Errorf("stopped run: %v after %s", r.Err, time.Since(start))
		}
	case <-time.After(30 * time.Second):
		t.Fatal("RunNotebook did not return within 30 s of the cancel")
	}
	alive := func(p int) bool { return syscall.Kill(p, 0) == nil && !zombie(p) }
	for wait := time.Now().Add(3 * time.Second); time.Now().Before(wait); time.Sleep(50 * time.Millisecond) {
		if !slices.ContainsFunc(tree, alive) {
			break // a SIGKILLed process takes a moment to go
		}
	}
	for _, p := range tree {
		if alive(p) {
			comm, _ := os.ReadFile("/proc/" + itoa(p) + "/comm")
			t.Errorf("process %d (%s) still runs after the stop", p, comm)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
