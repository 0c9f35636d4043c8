package jupyter

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Every source notebook has an executed copy whose code cells are its own:
// a notebook edited without `ganbook notebooks run --full` fails here (and so
// in CI), and every copy stays small enough to browse.
func TestExecutedCopiesAreCurrent(t *testing.T) {
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	sources, _ := filepath.Glob(filepath.Join(root, "notebooks", "*.ipynb"))
	if len(sources) == 0 {
		t.Fatal("no notebooks")
	}
	for _, src := range sources {
		ex := filepath.Join(root, ExecutedDir, filepath.Base(src))
		if err := checkExecuted(root, src, ex); err != nil {
			t.Error(err)
			continue
		}
		for _, f := range []string{ex, strings.TrimSuffix(ex, ".ipynb") + ".html"} {
			st, err := os.Stat(f)
			if err != nil {
				t.Errorf("%v: regenerate with `ganbook notebooks run --full`", err)
			} else if st.Size() > MaxExecutedBytes+MaxExecutedBytes/2 {
				t.Errorf("%s is %.1f MB: keep executed copies near %d MB (smaller images, fewer frames)", f, float64(st.Size())/(1<<20), MaxExecutedBytes>>20)
			}
		}
	}
}

// checkExecuted tells a stale copy from a current one: an edited code cell,
// an added cell, a missing copy, a copy without hashes and a package that
// changed since the copy ran are caught; a changed output or markdown cell,
// or the added header cell, are not differences.
func TestCheckExecutedFindsStaleCopies(t *testing.T) {
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	src := write("a.ipynb", `{"cells": [{"cell_type": "markdown", "source": "# A"}, {"cell_type": "code", "source": ["import \"github.com/ganbook/ganbook/lessons\"\n", "x := lessons.Languages"]}]}`)
	hashes, err := SourceHashes(root, src)
	if err != nil {
		t.Fatal(err)
	}
	if len(hashes) != 2 || hashes["lessons"] == "" || hashes["go.mod+go.sum"] == "" {
		t.Fatalf("hashes %v: want lessons's and go.mod's", hashes)
	}
	withHashes := func(h map[string]string) string {
		js, _ := json.Marshal(h)
		return `{"metadata": {"ganbook": {"commit": "abc", "sources": ` + string(js) + `}}, "cells": [{"cell_type": "markdown", "id": "executed-info", "source": "executed"}, {"cell_type": "markdown", "source": "# A, edited"},
		{"cell_type": "code", "source": "import \"github.com/ganbook/ganbook/lessons\"\nx := lessons.Languages", "outputs": [{"output_type": "stream", "text": "1"}]}]}`
	}
	same := write("same.ipynb", withHashes(hashes))
	if err := checkExecuted(root, src, same); err != nil {
		t.Errorf("a current copy: %v", err)
	}
	older := map[string]string{"lessons": "000000000000", "go.mod+go.sum": hashes["go.mod+go.sum"]}
	for name, tc := range map[string]struct{ copy, want string }{
		"edited":          {write("edited.ipynb", `{"cells": [{"cell_type": "code", "source": "x := 2"}]}`), "code cell 1 differs"},
		"longer":          {write("longer.ipynb", `{"cells": [{"cell_type": "code", "source": "import \"github.com/ganbook/ganbook/lessons\"\nx := lessons.Languages"}, {"cell_type": "code", "source": "y := 2"}]}`), "code cell 2 differs"},
		"missing":         {filepath.Join(dir, "none.ipynb"), "has no executed copy"},
		"no hashes":       {write("nohash.ipynb", strings.Replace(withHashes(nil), `"sources": null`, `"sources": {}`, 1)), "records no hashes"},
		"package changed": {write("older.ipynb", withHashes(older)), "lessons changed since it ran"},
	} {
		err := checkExecuted(root, src, tc.copy)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "ganbook notebooks run --full") {
			t.Errorf("%s copy: error %v, want one with %q that names the fix", name, err, tc.want)
		}
	}
}

// Publish puts one header cell first (replacing an earlier one, so a copy
// published twice has one), keeps every other cell, and writes the HTML.
func TestPublishAddsOneHeader(t *testing.T) {
	if _, err := exec.LookPath("jupyter-nbconvert"); err != nil {
		t.Skip("jupyter-nbconvert is not installed")
	}
	p := filepath.Join(t.TempDir(), "n.ipynb")
	nb := `{"cells": [{"cell_type": "code", "id": "c1", "metadata": {}, "execution_count": 1, "source": "fmt.Println(1)",
		"outputs": [{"output_type": "stream", "name": "stdout", "text": "1\n"}]}],
		"metadata": {"language_info": {"name": "go"}}, "nbformat": 4, "nbformat_minor": 5}`
	if err := os.WriteFile(p, []byte(nb), 0o644); err != nil {
		t.Fatal(err)
	}
	info := RunInfo{When: time.Date(2026, 12, 2, 17, 0, 0, 0, time.UTC), Machine: "test machine", Backend: "go", Commit: "abc1234"}
	for range 2 {
		if _, _, err := Publish(context.Background(), p, info); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(raw), executedCellID); n != 1 {
		t.Errorf("%d header cells, want 1", n)
	}
	for _, want := range []string{"2026-12-02 17:00 UTC", "test machine", "abc1234", "../n.ipynb", `"fmt.Println(1)"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("the published copy lacks %q", want)
		}
	}
	html, err := os.ReadFile(strings.TrimSuffix(p, ".ipynb") + ".html")
	if err != nil || !strings.Contains(string(html), "abc1234") {
		t.Errorf("HTML rendering missing or without the header (%v)", err)
	}
}
