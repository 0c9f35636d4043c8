package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ganbook/ganbook/internal/nn"

	"github.com/ganbook/ganbook/gan/run"
)

// The test binary doubles as ganbook for the subprocess tests below.
func TestMain(m *testing.M) {
	if os.Getenv("GANBOOK_TEST_AS_MAIN") == "1" {
		os.Exit(runCommand(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// ganbookProcess starts ganbook as a subprocess, with its stderr lines on a channel.
func ganbookProcess(t *testing.T, env []string, args ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "GANBOOK_TEST_AS_MAIN=1"), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	return cmd, lines
}

// waitFor reads lines until one contains want; it returns everything read.
func waitFor(t *testing.T, lines <-chan string, want string, limit time.Duration) string {
	t.Helper()
	var seen strings.Builder
	deadline := time.After(limit)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("process ended before %q:\n%s", want, seen.String())
			}
			seen.WriteString(l + "\n")
			if strings.Contains(l, want) {
				return seen.String()
			}
		case <-deadline:
			t.Fatalf("no %q within %v:\n%s", want, limit, seen.String())
		}
	}
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func trainArgs(data, out string, steps string, extra ...string) []string {
	return append([]string{"train", "--dataset", data, "--model", "mlp", "--size", "32", "--channels", "3", "--batch", "4",
		"--out", out, "--steps", steps, "--checkpoint-every", "10", "--sample-every", "20"}, extra...)
}

// SIGKILL in the middle of a run, plus a checkpoint write cut off half way:
// resume continues from the last complete checkpoint and ends like an
// uninterrupted run, each step once in metrics.csv.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ganbook as a subprocess")
	}
	data, out := t.TempDir(), filepath.Join(t.TempDir(), "run")
	writeImages(t, data, 12)
	cmd, lines := ganbookProcess(t, nil, trainArgs(data, out, "100000")...)
	waitFor(t, lines, run.CheckpointName(30), 2*time.Minute)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	before, err := run.LatestCheckpoint(out)
	if err != nil {
		t.Fatal(err)
	}
	// A checkpoint being written when the process died leaves only a temporary file.
	if err := os.WriteFile(filepath.Join(out, "."+run.CheckpointName(999)+".tmp-1234"), []byte("GANBOOK1 half"), 0o644); err != nil {
		t.Fatal(err)
	}
	ckBefore, err := run.ReadCheckpoint(before)
	if err != nil {
		t.Fatalf("the last checkpoint before the kill is not intact: %v", err)
	}
	lost := 0
	if raw, err := os.ReadFile(filepath.Join(out, "metrics.csv")); err == nil {
		lost = strings.Count(string(raw), "\n") - 1 - ckBefore.Step
	}
	if lost < 0 || lost > 10 {
		t.Errorf("lost %d steps, want at most one checkpoint interval (10)", lost)
	}

	final := ckBefore.Step + 15
	code, stderr := capture(t, trainArgs(data, out, itoa(final), "--resume")...)
	if code != 0 || !strings.Contains(stderr, "resuming "+out+" at step "+itoa(ckBefore.Step)) {
		t.Fatalf("resume: exit %d\n%s", code, stderr)
	}
	latest, _ := run.LatestCheckpoint(out)
	ck, err := run.ReadCheckpoint(latest)
	if err != nil || ck.Step != final {
		t.Fatalf("final checkpoint %s (%v), want step %d", latest, err, final)
	}
	raw, _ := os.ReadFile(filepath.Join(out, "metrics.csv"))
	rows := strings.Split(strings.TrimSpace(string(raw)), "\n")[1:]
	if len(rows) != final {
		t.Fatalf("metrics.csv has %d rows, want %d (each step once)", len(rows), final)
	}
	for i, r := range rows {
		if !strings.HasPrefix(r, itoa(i+1)+",") {
			t.Fatalf("metrics.csv row %d is %q", i+1, r)
		}
	}
	// The same fixed noise before and after: the sample grids stay comparable.
	b := nn.MustBackend()
	g1, _ := run.Restore(b, ckBefore)
	g2, _ := run.Restore(b, ck)
	n1, n2 := g1.FixedNoise.Value().([][]float32), g2.FixedNoise.Value().([][]float32)
	if n1[0][0] != n2[0][0] || n1[63][99] != n2[63][99] {
		t.Error("the fixed noise changed across the resume")
	}
	if _, err := os.Stat(filepath.Join(out, "samples", "latest.png")); err != nil {
		t.Error("no samples/latest.png after the resumed run")
	}
}

// Ctrl-C saves a checkpoint at the current step and exits with 130.
func TestInterruptSavesCheckpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ganbook as a subprocess")
	}
	data, out := t.TempDir(), filepath.Join(t.TempDir(), "run")
	writeImages(t, data, 12)
	cmd, lines := ganbookProcess(t, nil, trainArgs(data, out, "100000")...)
	waitFor(t, lines, "step ", 2*time.Minute)
	time.Sleep(500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	rest := waitFor(t, lines, "interrupted at step", time.Minute)
	err := cmd.Wait()
	if code := exitCode(err); code != 130 {
		t.Fatalf("exit %d after Ctrl-C, want 130\n%s", code, rest)
	}
	latest, err := run.LatestCheckpoint(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rest, "interrupted at step") || !strings.Contains(rest, "--resume") {
		t.Errorf("message lacks the step or how to resume:\n%s", rest)
	}
	if _, err := run.ReadCheckpoint(latest); err != nil {
		t.Errorf("checkpoint after Ctrl-C: %v", err)
	}
}

// A step that hangs (injected) makes ganbook stop with an explanation instead
// of hanging forever.
func TestStallStopsWithExplanation(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ganbook as a subprocess")
	}
	data, out := t.TempDir(), filepath.Join(t.TempDir(), "run")
	writeImages(t, data, 12)
	cmd, lines := ganbookProcess(t, []string{"GANBOOK_INJECT_STALL=12"}, trainArgs(data, out, "50", "--stall-timeout", "6s")...)
	rest := waitFor(t, lines, "no training step finished", 2*time.Minute)
	err := cmd.Wait()
	if code := exitCode(err); code != 1 || !strings.Contains(rest, "after step 12") || !strings.Contains(rest, "--resume") {
		t.Fatalf("exit %d; output:\n%s", code, rest)
	}
	if latest, _ := run.LatestCheckpoint(out); filepath.Base(latest) != run.CheckpointName(10) {
		t.Errorf("latest checkpoint %s, want step 10", latest)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
