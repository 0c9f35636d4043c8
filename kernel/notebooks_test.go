package kernel

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestNotebookError(t *testing.T) {
	ok := `{"cells":[{"cell_type":"markdown","source":"x"},{"cell_type":"code","outputs":[{"output_type":"stream","name":"stdout","text":["exit status is printed here but fine\n","loss 0.5\n"]}]}]}`
	if err := NotebookError([]byte(ok)); err != nil {
		t.Errorf("clean notebook: %v", err)
	}
	for name, tc := range map[string]struct{ nb, want string }{
		"panic":      {`{"cells":[{"cell_type":"code","outputs":[]},{"cell_type":"code","outputs":[{"output_type":"error","ename":"panic","evalue":"runtime error: index out of range\ngoroutine 1"}]}]}`, "cell 2: panic: runtime error"},
		"shell line": {`{"cells":[{"cell_type":"code","outputs":[{"output_type":"stream","name":"stderr","text":"go: cannot find module\nexit status 1\n"}]}]}`, "cell 1: a shell line failed"},
		"not json":   {`{`, "not a notebook"},
	} {
		err := NotebookError([]byte(tc.nb))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", name, err, tc.want)
		}
	}
}

func TestCheckLinesSayHowToFix(t *testing.T) {
	t.Setenv("JUPYTER_DATA_DIR", t.TempDir())
	for _, l := range Check() {
		if !l.OK && l.Fix == "" {
			t.Errorf("%s is missing but no fix is given", l.What)
		}
		if l.What == "kernel spec "+KernelName && l.OK {
			t.Errorf("an empty JUPYTER_DATA_DIR cannot hold the kernel spec")
		}
		if !strings.Contains(l.String(), l.What) {
			t.Errorf("line %q does not name %s", l.String(), l.What)
		}
	}
}

// Every notebook is nbformat 4.5 with a unique, valid id on every cell (what
// Jupyter and nbformat expect; without ids nbformat warns MissingIDFieldWarning
// and invents new ones on every save).
func TestNotebooksHaveCellIDs(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "notebooks", "*.ipynb"))
	if len(paths) < 6 {
		t.Fatalf("found %d notebooks, want the course's six", len(paths))
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
