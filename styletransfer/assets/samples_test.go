package assets

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ganbook/ganbook/internal/imgio"
)

// The built-in copies: every sample, under its own name and format, at most
// 512 px, with its credit.
func TestBuiltInSamples(t *testing.T) {
	dir := t.TempDir()
	if err := installBuiltIn(dir); err != nil {
		t.Fatal(err)
	}
	credits, err := os.ReadFile(filepath.Join(dir, "CREDITS.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Samples {
		img, err := imgio.Decode(filepath.Join(dir, s.Name))
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		if b := img.Bounds(); b.Dx() > builtInMaxSize || b.Dy() > builtInMaxSize || b.Dx() < 256 || b.Dy() < 256 {
			t.Errorf("%s is %dx%d, want at most %d and at least 256 px a side", s.Name, b.Dx(), b.Dy(), builtInMaxSize)
		}
		if !strings.Contains(string(credits), s.Name+": "+s.Credit) || !strings.Contains(string(credits), s.Licence) {
			t.Errorf("CREDITS.txt lacks %s's credit or licence", s.Name)
		}
	}
}

// Without apt-get on PATH, ganbook samples falls back to the built-in copies
// (where the Debian packages are not installed).
func TestSamplesWithoutApt(t *testing.T) {
	for _, s := range Samples {
		if _, err := os.Stat(s.Path); err == nil {
			t.Skipf("%s is installed on this system: no fallback needed", s.Path)
		}
	}
	t.Setenv("GANBOOK_SAMPLES", t.TempDir())
	t.Setenv("PATH", t.TempDir())
	var said []string
	if _, err := InstallSamples(context.Background(), func(s string) { said = append(said, s) }); err != nil {
		t.Fatal(err)
	}
	if len(said) == 0 || !strings.Contains(said[0], "built-in copies") {
		t.Errorf("the fallback was not announced: %q", said)
	}
	if _, err := SamplePath("scream.jpg"); err != nil {
		t.Error(err)
	}
}
