package main

import (
	"errors"
	"image"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStyleCommand(t *testing.T) {
	dir := t.TempDir()
	writeImages(t, dir, 2) // pa.png, pb.png
	content, style := filepath.Join(dir, "pa.png"), filepath.Join(dir, "pb.png")
	text := filepath.Join(dir, "notes.png")
	_ = os.WriteFile(text, []byte("not an image"), 0o644)
	out := filepath.Join(dir, "out.png")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--content", filepath.Join(dir, "none.png"), "--style", style, "--out", out}, "none.png: no such file"},
		{[]string{"--content", content, "--style", text, "--out", out}, "notes.png: not a PNG, JPEG or GIF"},
		{[]string{"--content", content, "--style", style, "--out", filepath.Join(dir, "o.bmp")}, "unsupported output"},
		{[]string{"--content", content, "--style", style, "--out", filepath.Join(dir, "no", "o.png")}, "does not exist"},
		{[]string{"--content", content, "--style", style, "--out", out, "--size", "32"}, "size must be between 64"},
		{[]string{"--content", content, "--style", style, "--out", out, "--init", "paint"}, "unknown init"},
		{[]string{"--content", content, "--out", out}, "are required"},
	} {
		code, stderr := capture(t, append([]string{"style"}, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want exit 2 with %q", tc.args, code, stderr, tc.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a failed run wrote the output")
	}

	code, stderr := capture(t, "style", "--content", content, "--style", style, "--out", out, "--size", "64", "--steps", "2", "--weights", "random", "--preview-every", "1")
	if code != 0 {
		t.Fatalf("style: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"network: random-weight VGG-19", "step 2/2", "done: " + out} {
		if !strings.Contains(stderr, want) {
			t.Errorf("output lacks %q:\n%s", want, stderr)
		}
	}
	for _, f := range []string{out, filepath.Join(dir, "out-step0001.png")} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("missing %s", f)
		}
	}
}

// An output that cannot be written is refused before the optimisation runs
// (it used to fail at the save, the result lost); a preview that cannot be
// written is a warning, once, and the run still writes its result.
func TestStyleOutputsCheckedFirst(t *testing.T) {
	dir := t.TempDir()
	writeImages(t, dir, 2)
	content, style := filepath.Join(dir, "pa.png"), filepath.Join(dir, "pb.png")
	code, stderr := capture(t, "style", "--content", content, "--style", style, "--out", "/sys/ganbook-test.png", "--size", "64", "--steps", "100000", "--weights", "random")
	if code != 2 || !strings.Contains(stderr, "cannot be written") || strings.Contains(stderr, "step 1/") {
		t.Errorf("unwritable --out: exit %d, want 2 before any step:\n%s", code, stderr)
	}
	out := filepath.Join(dir, "o.png")
	defer func(old func(string, image.Image) error) { savePreview = old }(savePreview)
	savePreview = func(string, image.Image) error { return errors.New("no space left on device") }
	code, stderr = capture(t, "style", "--content", content, "--style", style, "--out", out, "--size", "64", "--steps", "3", "--weights", "random", "--preview-every", "1")
	if code != 0 || strings.Count(stderr, "warning: preview not written") != 1 {
		t.Errorf("a preview that cannot be written: exit %d, want 0 and one warning:\n%s", code, stderr)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("the result was not written: %v", err)
	}
}

// style --out may replace a picture ganbook wrote (the last run's result) but
// not a photo of the user's under that name, which it used to overwrite.
func TestStyleKeepsTheUsersPictures(t *testing.T) {
	dir := t.TempDir()
	writeImages(t, dir, 3) // pa.png, pb.png, pc.png: the user's own pictures
	content, style, photo := filepath.Join(dir, "pa.png"), filepath.Join(dir, "pb.png"), filepath.Join(dir, "pc.png")
	before, _ := os.ReadFile(photo)
	args := func(out string) []string {
		return []string{"style", "--content", content, "--style", style, "--out", out, "--size", "64", "--steps", "2", "--weights", "random", "--preview-every", "0"}
	}
	code, stderr := capture(t, args(photo)...)
	if code != 2 || !strings.Contains(stderr, "is a picture ganbook did not write") {
		t.Errorf("--out naming the user's photo: exit %d, %s", code, stderr)
	}
	if after, _ := os.ReadFile(photo); string(after) != string(before) {
		t.Error("the user's photo was changed")
	}
	out := filepath.Join(dir, "result.png")
	for i := range 2 { // the second run replaces the first one's result
		if code, stderr := capture(t, args(out)...); code != 0 {
			t.Fatalf("run %d into %s: exit %d\n%s", i+1, out, code, stderr)
		}
	}
}

// With no --weights and no cached network, `style` tries to fetch the
// pretrained convolutions; when the Hub refuses (or is not there), it says in
// one line that random features run, and finishes.
func TestStyleDefaultNetworkOffline(t *testing.T) {
	dir := t.TempDir()
	writeImages(t, dir, 2)
	refuses := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "offline", http.StatusServiceUnavailable)
	}))
	t.Cleanup(refuses.Close)
	t.Setenv("HF_ENDPOINT", refuses.URL)
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	t.Setenv("HOME", dir)
	out := filepath.Join(dir, "out.png")
	code, stderr := capture(t, "style", "--content", filepath.Join(dir, "pa.png"), "--style", filepath.Join(dir, "pb.png"), "--out", out,
		"--size", "64", "--steps", "2", "--preview-every", "0")
	if code != 0 {
		t.Fatalf("style: exit %d\n%s", code, stderr)
	}
	var random []string
	for _, line := range strings.Split(stderr, "\n") {
		if strings.Contains(line, "network: random-weight VGG-19") {
			random = append(random, line)
		}
	}
	if !strings.Contains(stderr, "network: fetching VGG-19's convolutions once") || len(random) != 1 || !strings.Contains(random[0], "could not be fetched") {
		t.Errorf("want the fetch announced and one line saying random features run and why:\n%s", stderr)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("no output: %v", err)
	}
}
