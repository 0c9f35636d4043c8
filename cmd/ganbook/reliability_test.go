package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ganbook/ganbook/internal/fetch/fetchtest"

	"github.com/ganbook/ganbook/gan/run"
)

// runWithin runs ganbook as a subprocess and fails the test if it has not
// ended within limit (an input that blocks must not hang the test run).
func runWithin(t *testing.T, limit time.Duration, env []string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "GANBOOK_TEST_AS_MAIN=1"), env...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("ganbook %s did not end within %v:\n%s", strings.Join(args, " "), limit, out)
	}
	return exitCode(err), string(out)
}

// No command writes over one of its inputs, however the path is spelled, or
// over a file it did not write; inputs that are not regular files are refused
// before they are opened; non-finite numbers are refused.
func TestOutputsNeverReplaceInputs(t *testing.T) {
	f := badFiles(t)
	dir := t.TempDir()
	photo := filepath.Join(dir, "photo.png")
	raw, _ := os.ReadFile(f["good"])
	if err := os.WriteFile(photo, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	link, hard := filepath.Join(dir, "link.png"), filepath.Join(dir, "hard.png")
	_ = os.Symlink(photo, link)
	_ = os.Link(photo, hard)
	_ = os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	dotdot := filepath.Join(dir, "sub", "..", "photo.png")
	fifo := filepath.Join(dir, "fifo.png")
	haveFIFO := mkfifo(fifo) == nil
	userFolder := filepath.Join(dir, "mine") // a folder of the user's own files
	_ = os.Mkdir(userFolder, 0o755)
	_ = os.WriteFile(filepath.Join(userFolder, "00000.png"), raw, 0o644)
	_ = os.WriteFile(filepath.Join(userFolder, "image-00000.png"), raw, 0o644)
	photos := t.TempDir()
	writeImages(t, photos, 10)
	style := func(content, styleImg, output string) []string {
		return []string{"style", "--content", content, "--style", styleImg, "--out", output, "--size", "64", "--steps", "1", "--weights", "random"}
	}
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"output is the content", style(photo, f["good"], photo), 2, "never writes over its inputs"},
		{"output is the style", style(f["good"], photo, photo), 2, "never writes over its inputs"},
		{"output is a symlink to the content", style(photo, f["good"], link), 2, "never writes over its inputs"},
		{"output is a hard link to the content", style(photo, f["good"], hard), 2, "never writes over its inputs"},
		{"output spelled with ..", style(photo, f["good"], dotdot), 2, "never writes over its inputs"},
		{"output is a FIFO", style(f["good"], f["good"], fifo), 2, "not a regular file"},
		{"content is a FIFO", style(fifo, f["good"], filepath.Join(dir, "o.png")), 2, "not a regular file"},
		{"content is /dev/zero", style("/dev/zero", f["good"], filepath.Join(dir, "o.png")), 2, "not a regular file"},
		{"sample into the user's folder", []string{"sample", "--run", dir, "--out", userFolder}, 2, "which ganbook did not write"},
		{"data folder into the user's folder", []string{"data", "folder", "--out", userFolder, "--n", "3"}, 2, "which ganbook did not write"},
		{"sweep table over a FIFO", []string{"sweep", "--out", fifo}, 2, "not a regular file"},
		{"score weights over a folder", []string{"score", "--train", "mnist", "--out", dir}, 2, "not a regular file"},
		{"run folder inside the dataset", []string{"train", "--dataset", photos, "--out", filepath.Join(photos, "run")}, 2, "inside the dataset folder"},
		{"NaN learning rate", []string{"train", "--lr-d", "NaN"}, 2, "--lr-d must be a finite number"},
		{"infinite style weight", append(style(f["good"], f["good"], filepath.Join(dir, "o.png")), "--style-weight", "+Inf"), 2, "--style-weight must be a finite number"},
	}
	for _, tc := range cases {
		if !haveFIFO && strings.Contains(strings.Join(tc.args, " "), fifo) {
			continue // Unix only
		}
		code, out := runWithin(t, time.Minute, nil, tc.args...)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		last := lines[len(lines)-1]
		if code != tc.code || !strings.Contains(last, tc.want) || strings.Contains(out, "goroutine ") {
			t.Errorf("%s: exit %d, last line %q; want exit %d and %q", tc.name, code, last, tc.code, tc.want)
		}
	}
	if got, _ := os.ReadFile(photo); string(got) != string(raw) {
		t.Error("the content photo was changed")
	}
	if got, _ := os.ReadFile(filepath.Join(userFolder, "00000.png")); string(got) != string(raw) {
		t.Error("the user's own 00000.png was replaced")
	}
	// A folder ganbook wrote may be written again.
	gen := filepath.Join(dir, "gen")
	for range 2 {
		if code, out := runWithin(t, time.Minute, nil, "data", "folder", "--out", gen, "--n", "3", "--size", "28"); code != 0 {
			t.Fatalf("data folder into its own folder: exit %d\n%s", code, out)
		}
	}
}

// SIGTERM, SIGHUP (terminal or SSH session closed) and SIGQUIT save a
// checkpoint like Ctrl-C, and a second training in the same run folder is
// refused while the first runs, naming its PID.
func TestStopSignalsAndRunLock(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ganbook as a subprocess")
	}
	data := t.TempDir()
	writeImages(t, data, 12)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT} {
		t.Run(sig.String(), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "run")
			cmd, lines := ganbookProcess(t, nil, trainArgs(data, out, "100000")...)
			waitFor(t, lines, "step ", 2*time.Minute)
			if sig == syscall.SIGTERM {
				code, stderr := capture(t, trainArgs(data, out, "100")...)
				if code != 1 || !strings.Contains(stderr, "is in use by another ganbook process (PID "+strconv.Itoa(cmd.Process.Pid)+")") {
					t.Errorf("second writer: exit %d, %s", code, stderr)
				}
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			rest := waitFor(t, lines, "interrupted at step", time.Minute)
			if code := exitCode(cmd.Wait()); code != 130 || strings.Contains(rest, "goroutine ") {
				t.Fatalf("exit %d after %v, want 130\n%s", code, sig, rest)
			}
			latest, err := run.LatestCheckpoint(out)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := run.ReadCheckpoint(latest); err != nil {
				t.Errorf("checkpoint after %v: %v", sig, err)
			}
		})
	}
}

// Without HOME the MNIST error says why nothing was found, with no relative
// paths; a resume without a checkpoint does not claim one is intact.
func TestMessagesAreTrue(t *testing.T) {
	noHome := []string{"HOME=", "XDG_CACHE_HOME=", "GOMODCACHE=", "GOPATH=", "GANBOOK_MNIST_DIR="}
	code, out := runWithin(t, time.Minute, noHome, "train", "--steps", "1", "--out", filepath.Join(t.TempDir(), "r"))
	if code != 1 || !strings.Contains(out, "$HOME is unset") || strings.Contains(out, "looked in github.com") {
		t.Errorf("no HOME: exit %d\n%s", code, out)
	}
	empty := t.TempDir()
	code, stderr := capture(t, "train", "--resume", "--out", empty)
	if code != 1 || !strings.Contains(stderr, "nothing to resume") || strings.Contains(stderr, "intact") {
		t.Errorf("resume without checkpoint: exit %d, %s", code, stderr)
	}
}

// Ctrl-C (and SIGTERM) during `style` ends it at once with exit code 130 and
// a line that says what was kept: during the download of the network's
// weights from a server that accepts and never answers (nothing cached), and
// during the optimisation (the output not written, the last preview named).
func TestStyleStopsOnSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ganbook as a subprocess")
	}
	dir := t.TempDir()
	writeImages(t, dir, 2)
	content, style := filepath.Join(dir, "pa.png"), filepath.Join(dir, "pb.png")
	env := []string{"HF_ENDPOINT=" + fetchtest.SilentServer(t), "XDG_CACHE_HOME=" + filepath.Join(dir, "cache"), "HOME=" + dir}
	for _, c := range []struct {
		weights, waitFor, want string
		sig                    syscall.Signal
	}{
		{"features", "network: fetching", "nothing was cached", syscall.SIGINT},
		{"download", "options:", "nothing was cached", syscall.SIGTERM},
		{"random", "step ", "was not written; the last preview is", syscall.SIGINT},
	} {
		out := filepath.Join(dir, c.weights+".png")
		cmd, lines := ganbookProcess(t, env, "style", "--content", content, "--style", style, "--out", out,
			"--size", "64", "--steps", "100000", "--weights", c.weights, "--preview-every", "1")
		waitFor(t, lines, c.waitFor, time.Minute)
		if c.weights == "random" {
			waitFor(t, lines, "step ", time.Minute) // a preview exists
		} else {
			time.Sleep(300 * time.Millisecond) // inside the request
		}
		start := time.Now()
		if err := cmd.Process.Signal(c.sig); err != nil {
			t.Fatal(err)
		}
		rest := waitFor(t, lines, c.want, 10*time.Second)
		code := exitCode(cmd.Wait())
		if took := time.Since(start); code != 130 || took > 5*time.Second || strings.Contains(rest, "context canceled") {
			t.Errorf("--weights %s, %v: exit %d after %s, want 130 at once with one line\n%s", c.weights, c.sig, code, took.Round(time.Millisecond), rest)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("--weights %s: the output was written", c.weights)
		}
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "cache", "ganbook")); len(left) > 0 {
		t.Errorf("an interrupted download left %s in the cache", left[0].Name())
	}
}

// `score --run` reads the run's dataset from run.json: a run on a folder of
// pictures is refused (a digit classifier's scores of them mean nothing)
// unless --dataset says what the pictures are, and then it is labelled.
func TestScoreKnowsTheRunsDataset(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a small run")
	}
	data := t.TempDir()
	writeImages(t, data, 12)
	out := filepath.Join(t.TempDir(), "run")
	if code, msg := runWithin(t, 2*time.Minute, nil, trainArgs(data, out, "2")...); code != 0 {
		t.Fatalf("train: exit %d\n%s", code, msg)
	}
	code, msg := runWithin(t, time.Minute, nil, "score", "--run", out, "--n", "20")
	if code != 2 || !strings.Contains(msg, "which the shipped classifiers (mnist, fashion) do not know") {
		t.Errorf("score of a folder run: exit %d\n%s", code, msg)
	}
	code, msg = runWithin(t, 2*time.Minute, nil, "score", "--run", out, "--n", "20", "--dataset", "mnist")
	if code != 0 || !strings.Contains(msg, "scoring it with the mnist classifier, as asked") {
		t.Errorf("score of a folder run with --dataset mnist: exit %d\n%s", code, msg)
	}
}

// A folder ganbook writes holds only what its last command wrote: `sample
// --n 13` then `--n 7` leaves 7 images (it left 13), `data folder` at another
// size and count leaves only the new images, and the temporary file of an
// interrupted write is removed. A user's own files in that folder stay.
func TestOutputFoldersHoldTheLastRun(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a small run")
	}
	data := t.TempDir()
	writeImages(t, data, 12)
	run := filepath.Join(t.TempDir(), "run")
	if code, msg := runWithin(t, 2*time.Minute, nil, trainArgs(data, run, "2")...); code != 0 {
		t.Fatalf("train: exit %d\n%s", code, msg)
	}
	// Resuming with --limit under the preset's batch (64) but over the run's
	// (4): the checkpoint's batch decides.
	resume := []string{"train", "--dataset", data, "--out", run, "--resume", "--steps", "3", "--limit", "8", "--model", "mlp", "--size", "32", "--channels", "3"}
	if code, msg := runWithin(t, 2*time.Minute, nil, resume...); code != 0 {
		t.Errorf("resume with --limit 8 of a batch-4 run: exit %d\n%s", code, msg)
	}
	out := filepath.Join(t.TempDir(), "gen")
	count := func(pattern string) int {
		m, _ := filepath.Glob(filepath.Join(out, pattern))
		return len(m)
	}
	if code, msg := runWithin(t, time.Minute, nil, "sample", "--run", run, "--n", "13", "--out", out); code != 0 {
		t.Fatalf("sample 13: exit %d\n%s", code, msg)
	}
	_ = os.WriteFile(filepath.Join(out, ".00003.png.tmp-123456"), []byte("half a png"), 0o644)
	_ = os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o644)
	code, msg := runWithin(t, time.Minute, nil, "sample", "--run", run, "--n", "7", "--out", out)
	if code != 0 || count("0*.png") != 7 || count(".*.tmp-*") != 0 || count("notes.txt") != 1 || !strings.Contains(msg, "7 files of an earlier run removed") {
		t.Errorf("sample 13 then 7: exit %d, %d images, %d temporary files, notes kept %d\n%s", code, count("0*.png"), count(".*.tmp-*"), count("notes.txt"), msg)
	}

	// A folder of the user's (not empty, so never marked as ganbook's): its
	// pictures, numbered as ganbook numbers its own, stay through two runs.
	user := t.TempDir()
	writeImages(t, user, 1)
	var b bytes.Buffer
	_ = png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4)))
	for _, name := range []string{"10000.png", "00009.png"} {
		_ = os.WriteFile(filepath.Join(user, name), b.Bytes(), 0o644)
	}
	for _, n := range []string{"3", "2"} {
		if code, msg := runWithin(t, time.Minute, nil, "sample", "--run", run, "--n", n, "--out", user); code != 0 {
			t.Fatalf("sample --n %s into the user's folder: exit %d\n%s", n, code, msg)
		}
	}
	for _, name := range []string{"10000.png", "00009.png", "pa.png"} {
		if _, err := os.Stat(filepath.Join(user, name)); err != nil {
			t.Errorf("the user's %s is gone: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(user, outputMarker)); err == nil {
		t.Error("the user's folder was marked as ganbook's")
	}
	// --run that is not a run: nothing is created in it.
	notRun := t.TempDir()
	if code, _ := runWithin(t, time.Minute, nil, "sample", "--run", notRun, "--n", "2"); code == 0 {
		t.Error("sample from a folder without checkpoints succeeded")
	}
	if left, _ := os.ReadDir(notRun); len(left) > 0 {
		t.Errorf("sample left %s in a folder that is not a run", left[0].Name())
	}

	out = filepath.Join(t.TempDir(), "digits")
	for _, c := range []struct{ n, size string }{{"30", "28"}, {"10", "32"}} {
		if code, msg := runWithin(t, time.Minute, nil, "data", "folder", "--out", out, "--n", c.n, "--size", c.size); code != 0 {
			t.Fatalf("data folder --n %s: exit %d\n%s", c.n, code, msg)
		}
	}
	if got := count("image-*.png"); got != 10 {
		t.Errorf("data folder 30 then 10: %d images, want 10", got)
	}
}

// Ctrl-C during `data folder` says how many images it wrote, exits 130 and
// leaves no temporary file.
func TestDataFolderStopsOnSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ganbook as a subprocess")
	}
	out := filepath.Join(t.TempDir(), "digits")
	cmd, lines := ganbookProcess(t, nil, "data", "folder", "--out", out, "--n", "60000", "--size", "64")
	deadline := time.Now().Add(time.Minute)
	for {
		if m, _ := filepath.Glob(filepath.Join(out, "image-*.png")); len(m) > 20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("data folder wrote nothing within a minute")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	rest := waitFor(t, lines, "stopped by a signal after writing", 10*time.Second)
	if code := exitCode(cmd.Wait()); code != 130 {
		t.Errorf("exit %d, want 130\n%s", code, rest)
	}
	if m, _ := filepath.Glob(filepath.Join(out, ".*.tmp-*")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
}
