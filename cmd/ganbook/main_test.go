package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ganbook/ganbook/gan/run"
)

// capture runs the CLI in-process and returns its exit code and stderr.
func capture(t *testing.T, args ...string) (int, string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	progressLine = newProgress()
	code := runCommand(args)
	os.Stderr = old
	_ = w.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(r)
	return code, b.String()
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, "unknown command"},
		{[]string{"train", "--steps", "-5"}, "--steps must be positive"},
		{[]string{"train", "--steps", "many"}, "invalid value"},
		{[]string{"train", "--model", "vae"}, "unknown model"},
		{[]string{"train", "--size", "100"}, "size 100 is not supported"},
		{[]string{"train", "--channels", "2"}, "channels must be 1 or 3"},
		{[]string{"train", "--dataset", "/no/such/folder"}, "--dataset /no/such/folder"},
		{[]string{"train", "--bogus"}, "flag provided but not defined"},
		{[]string{"train", "extra"}, "unexpected argument"},
		{[]string{"sample"}, "--run RUN_DIR is required"},
		{[]string{"sample", "--run", "x", "--n", "0"}, "--n must be"},
		{[]string{"data"}, "ganbook data mnist"},
		{[]string{"data", "folder"}, "needs --out DIR"},
		{[]string{"data", "folder", "--from", "cifar", "--out", "x"}, "unknown dataset \"cifar\""},
		{[]string{"score", "--train", "cifar", "--out", "x.safetensors"}, "unknown dataset \"cifar\""},
		{[]string{"train", "--lr-decay", "2"}, "--lr-decay must be a fraction"},
		{[]string{"train", "--preset", "best"}, "unknown --preset"},
		{[]string{"train", "--model", "mlp", "--multi-scale"}, "need the dcgan model (--model dcgan)"},
		{[]string{"train", "--ema", "1"}, "EMA decay must be in [0, 1)"},
		{[]string{"train", "--feature-matching", "-1"}, "feature matching weight"},
		{[]string{"sweep", "--lr", "fast"}, "is not a number list"},
		{[]string{"sweep", "--steps", "0"}, "--steps must be positive"},
		{[]string{"sweep", "--lr", "3"}, "learning rate must be in (0, 1]"},
		{[]string{"bench", "--only", "resnet"}, "names no workload"},
		{[]string{"bench", "--blas", "mkl"}, "unknown --blas"},
	} {
		code, stderr := capture(t, tc.args...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		last := lines[len(lines)-1]
		if code != 2 || !strings.Contains(last, tc.want) || strings.Contains(stderr, "goroutine") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and a line with %q", tc.args, code, stderr, tc.want)
		}
	}
}

func writeImages(t *testing.T, dir string, n int) {
	t.Helper()
	for i := range n {
		img := image.NewNRGBA(image.Rect(0, 0, 36, 36))
		for y := range 36 {
			for x := range 36 {
				img.Set(x, y, color.NRGBA{uint8(x * 7 * i), uint8(y * 7), 90, 255})
			}
		}
		var b bytes.Buffer
		_ = png.Encode(&b, img)
		if err := os.WriteFile(filepath.Join(dir, "p"+string(rune('a'+i))+".png"), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// train on a folder, resume, sample: the files a user expects are there.
func TestTrainResumeSample(t *testing.T) {
	data, out := t.TempDir(), filepath.Join(t.TempDir(), "run")
	writeImages(t, data, 10)
	common := []string{"--dataset", data, "--model", "dcgan", "--size", "32", "--batch", "4", "--out", out, "--sample-every", "2", "--checkpoint-every", "2"}
	profile := filepath.Join(t.TempDir(), "train.prof")
	code, stderr := capture(t, append([]string{"train", "--steps", "3", "--cpuprofile", profile}, common...)...)
	if code != 0 {
		t.Fatalf("train: exit %d\n%s", code, stderr)
	}
	if raw, err := os.ReadFile(profile); err != nil || len(raw) < 2 || raw[0] != 0x1f || raw[1] != 0x8b { // pprof's format is gzipped
		t.Errorf("--cpuprofile %s: %v, %d bytes, not a gzipped profile", profile, err, len(raw))
	}
	if _, err := os.Stat(filepath.Join(out, "samples", "progress.gif")); err != nil {
		t.Errorf("no samples/progress.gif: %v", err)
	}
	for _, want := range []string{"backend:", "options: model=dcgan", "loaded 10 images", "step 3/3", "done: 3 steps"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("train output lacks %q:\n%s", want, stderr)
		}
	}
	code, stderr = capture(t, append([]string{"train", "--steps", "3"}, common...)...)
	if code != 1 || !strings.Contains(stderr, "add --resume") {
		t.Errorf("second fresh run: exit %d, %s", code, stderr)
	}
	mismatch := append([]string{"train", "--steps", "5", "--resume"}, common...)
	mismatch[7] = "mlp" // --model mlp against the dcgan run
	code, stderr = capture(t, mismatch...)
	if code != 2 || !strings.Contains(stderr, "trained with model dcgan (asked: mlp)") || !strings.Contains(stderr, "drop --model") {
		t.Errorf("resume with another model: exit %d, %s", code, stderr)
	}
	code, stderr = capture(t, append([]string{"train", "--steps", "5", "--resume"}, common...)...)
	if code != 0 || !strings.Contains(stderr, "resuming "+out+" at step 3") {
		t.Fatalf("resume: exit %d\n%s", code, stderr)
	}
	if latest, _ := run.LatestCheckpoint(out); filepath.Base(latest) != run.CheckpointName(5) {
		t.Errorf("latest checkpoint %s after resume", latest)
	}

	gen := filepath.Join(t.TempDir(), "gen")
	code, stderr = capture(t, "sample", "--run", out, "--n", "5", "--out", gen, "--interpolate")
	if code != 0 {
		t.Fatalf("sample: exit %d\n%s", code, stderr)
	}
	for _, f := range []string{"00000.png", "00004.png", "grid.png", "interpolate-linear.png", "interpolate-spherical.png"} {
		if _, err := os.Stat(filepath.Join(gen, f)); err != nil {
			t.Errorf("sample did not write %s", f)
		}
	}
	f, _ := os.Open(filepath.Join(gen, "00000.png"))
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil || cfg.Width != 32 {
		t.Errorf("sample image: %v, width %d", err, cfg.Width)
	}

	code, stderr = capture(t, "sample", "--run", t.TempDir())
	if code != 1 || !strings.Contains(stderr, "no checkpoint") {
		t.Errorf("sample without checkpoint: exit %d, %s", code, stderr)
	}
}

// A two-run sweep writes a table with both runs, the better one marked, and a
// one-workload benchmark (ganbook's side only) writes its row. Timings are
// not checked: this is about the commands working, not about speed.
func TestSweepAndBench(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two short runs")
	}
	dir := t.TempDir()
	table := filepath.Join(dir, "sweep.md")
	if code, stderr := capture(t, "sweep", "--steps", "3", "--lr", "2e-4,1e-3", "--beta1", "0.5", "--limit", "256", "--out", table); code != 0 {
		t.Fatalf("sweep: exit %d: %s", code, stderr)
	}
	raw, err := os.ReadFile(table)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	if strings.Count(text, "\n") != 4 || !strings.Contains(text, "| defaults | 3 |") || !strings.Contains(text, "| lr-d=0.001 lr-g=0.001 | 3 |") || !strings.Contains(text, "<- best") {
		t.Errorf("sweep table:\n%s", text)
	}
	report := filepath.Join(dir, "bench.md")
	if code, stderr := capture(t, "bench", "--torch=false", "--only", "mlp64", "--steps", "2", "--warmup", "1", "--rounds", "2", "--out", report); code != 0 {
		t.Fatalf("bench: exit %d: %s", code, stderr)
	}
	raw, err = os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "| MLP GAN, batch 64, one D + one G step | 1.31 |") || !strings.Contains(string(raw), "ganbook: backend: go") ||
		!strings.Contains(string(raw), "mlp64 over 2 rounds: ganbook ") {
		t.Errorf("bench report:\n%s", raw)
	}
}

// Every command answers -h with its flags (or that it has none) and exit 0,
// and the usage text names every command.
func TestEveryCommandHasHelp(t *testing.T) {
	commands := [][]string{
		{"train"}, {"sample"}, {"style"}, {"samples"}, {"data", "mnist"}, {"data", "folder"},
		{"kernel", "install"}, {"kernel", "check"}, {"notebooks", "run"},
		{"score"}, {"sweep"}, {"bench"}, {"soak"},
	}
	for _, c := range commands {
		if !strings.Contains(usage, "ganbook "+strings.Join(c, " ")) && !strings.Contains(usage, "ganbook "+c[0]+" "+strings.Join(c[1:], "|")) {
			if !(c[0] == "kernel" && strings.Contains(usage, "ganbook kernel install|check")) {
				t.Errorf("the usage text does not name `ganbook %s`", strings.Join(c, " "))
			}
		}
		old := os.Stdout
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		os.Stdout = w
		code, stderr := capture(t, append(c, "-h")...)
		os.Stdout = old
		_ = w.Close()
		var out bytes.Buffer
		_, _ = out.ReadFrom(r)
		if code != 0 || out.Len() == 0 {
			t.Errorf("ganbook %s -h: exit %d, stdout %q, stderr %q", strings.Join(c, " "), code, out.String(), stderr)
		}
	}
}

// Every --flag the README and docs/ name is a flag of some ganbook command,
// so they cannot drift from the binary (the flags are read from each
// command's -h).
func TestReadmeFlagsExist(t *testing.T) {
	docs, _ := filepath.Glob(filepath.Join("..", "..", "docs", "*.md"))
	if len(docs) == 0 {
		t.Fatal("no docs/*.md")
	}
	var texts []string
	for _, p := range append(docs, filepath.Join("..", "..", "README.md")) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, string(b))
	}
	readme := strings.Join(texts, "\n")
	flags := map[string]bool{}
	flagLine := regexp.MustCompile(`^\s+-([a-z][a-z0-9-]*)`)
	for _, c := range [][]string{
		{"train"}, {"sample"}, {"style"}, {"samples"}, {"data", "mnist"}, {"data", "folder"},
		{"kernel", "install"}, {"kernel", "check"}, {"notebooks", "run"},
		{"score"}, {"sweep"}, {"bench"}, {"soak"},
	} {
		old := os.Stdout
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		os.Stdout = w
		capture(t, append(c, "-h")...)
		os.Stdout = old
		_ = w.Close()
		var out bytes.Buffer
		_, _ = out.ReadFrom(r)
		for _, line := range strings.Split(out.String(), "\n") {
			if m := flagLine.FindStringSubmatch(line); m != nil {
				flags[m[1]] = true
			}
		}
	}
	if !flags["steps"] || !flags["content-weight"] {
		t.Fatalf("the flags were not read from -h: %v", flags)
	}
	for _, m := range regexp.MustCompile("`[^`]*`").FindAllString(readme, -1) {
		if !strings.Contains(m, "ganbook") && !strings.HasPrefix(m, "`--") {
			continue // another tool's command line
		}
		for _, f := range regexp.MustCompile(`--([a-z][a-z0-9-]*)`).FindAllStringSubmatch(m, -1) {
			if !flags[f[1]] {
				t.Errorf("README or docs/ name --%s (in %s), which no ganbook command has", f[1], m)
			}
		}
	}
}

// `train --minutes` times a step, plans the steps that fit, and stops by the
// deadline with a checkpoint; `--resume --minutes` adds time; --minutes with
// --steps is refused.
func TestTrainByTime(t *testing.T) {
	data, out := t.TempDir(), filepath.Join(t.TempDir(), "run")
	writeImages(t, data, 10)
	common := []string{"--dataset", data, "--model", "dcgan", "--size", "32", "--batch", "4", "--out", out, "--minutes", "0.05"}
	code, stderr := capture(t, append([]string{"train"}, common...)...)
	if code != 0 {
		t.Fatalf("train --minutes: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"planning 0.05 minutes", "steps fit in 3s", "done: ", "copy check: 256 samples", "of 10 training pictures"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("output lacks %q:\n%s", want, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "samples", "copies.png")); err != nil {
		t.Errorf("no picture of the copy check: %v", err)
	}
	first, err := run.LatestCheckpoint(out)
	if err != nil {
		t.Fatal(err)
	}
	code, stderr = capture(t, append([]string{"train", "--resume"}, common...)...)
	if code != 0 || !strings.Contains(stderr, "resuming "+out) {
		t.Fatalf("resume --minutes: exit %d\n%s", code, stderr)
	}
	if second, _ := run.LatestCheckpoint(out); second <= first {
		t.Errorf("resuming by time did not train on: %s, then %s", first, second)
	}
	code, stderr = capture(t, "train", "--minutes", "1", "--steps", "10")
	if code != 2 || !strings.Contains(stderr, "--minutes must be positive, and replaces --steps") {
		t.Errorf("--minutes with --steps: exit %d, %s", code, stderr)
	}
}
