package notebooks

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
	"time"

	"github.com/ganbook/ganbook/internal/fileio"
	"github.com/ganbook/ganbook/internal/jupyter"
)

// Every notebook of the course runs top to bottom, headless, in quick mode
// (GANBOOK_QUICK=1), with the checkout's own kernel (installed on first use
// into .ganbook/, a few minutes the first time). They run in order from copies
// in a scratch folder, as a learner's would: notebook 02 reads the run that
// 01 trained. Where Jupyter's client is missing the test skips with the one
// line that installs it; in CI (CI=true) it fails.
func TestNotebooksRunHeadless(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every notebook (a few minutes)")
	}
	if err := jupyter.NeedHeadless(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	root, err := jupyter.Root()
	if err != nil {
		t.Fatal(err)
	}
	sources, _ := filepath.Glob(filepath.Join(root, "notebooks", "*.ipynb"))
	sort.Strings(sources)
	if len(sources) < 7 {
		t.Fatalf("found %d notebooks, want the course's seven", len(sources))
	}
	// Within go test's deadline, so a hung cell fails here with its notebook's
	// name rather than as go test's panic.
	limit := 25 * time.Minute
	if d, ok := t.Deadline(); ok {
		limit = min(limit, time.Until(d)-30*time.Second)
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	if _, err := jupyter.CheckoutKernel(ctx, root, func(s string) { t.Log(s) }); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GANBOOK_QUICK", "1")
	scratch := t.TempDir()
	work, out := filepath.Join(scratch, "notebooks"), filepath.Join(scratch, "executed")
	for _, d := range []string{work, out} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, src := range sources {
		name := filepath.Base(src)
		copyPath := filepath.Join(work, name)
		if err := fileio.CopyFile(src, copyPath); err != nil {
			t.Fatal(err)
		}
		r := jupyter.RunNotebook(ctx, copyPath, out, 10*time.Minute)
		if r.Err != nil {
			t.Errorf("%s (%s): %v", name, r.Duration.Round(time.Second), r.Err)
			continue
		}
		t.Logf("%s ran in %s", name, r.Duration.Round(time.Second))
	}
}

// Every notebook is nbformat 4.5 with a unique, valid id on every cell (what
// Jupyter and nbformat expect; without ids nbformat warns MissingIDFieldWarning
// and invents new ones on every save).
func TestNotebooksHaveCellIDs(t *testing.T) {
	paths, _ := filepath.Glob("*.ipynb")
	if len(paths) < 7 {
		t.Fatalf("found %d notebooks, want the course's seven", len(paths))
	}
	valid := regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var nb struct {
			Format int `json:"nbformat"`
			Minor  int `json:"nbformat_minor"`
			Cells  []struct {
				ID string `json:"id"`
			} `json:"cells"`
		}
		if err := json.Unmarshal(raw, &nb); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if nb.Format != 4 || nb.Minor < 5 {
			t.Errorf("%s: nbformat %d.%d, want 4.5 or later", p, nb.Format, nb.Minor)
		}
		seen := map[string]bool{}
		for i, c := range nb.Cells {
			if !valid.MatchString(c.ID) || seen[c.ID] {
				t.Errorf("%s: cell %d has id %q (missing, invalid or repeated)", p, i, c.ID)
			}
			seen[c.ID] = true
		}
	}
}
