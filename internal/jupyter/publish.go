package jupyter

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/ganbook/ganbook/internal/fileio"
)

// The executed copies a reader browses in the repository (docs/course.md,
// "The executed copies"): `ganbook notebooks run --full` writes them, with an HTML
// rendering of each, and TestExecutedCopiesAreCurrent fails when a source
// notebook's code, or a package it imports, changed and its copy was not
// regenerated.

// ExecutedDir is where the committed executed copies live, relative to the
// checkout.
const ExecutedDir = "notebooks/executed"

// MaxExecutedBytes is the size a published copy should stay under (its
// images are PNG or GIF at display size; a bigger copy means a cell shows
// too much).
const MaxExecutedBytes = 2 << 20

// RunInfo says when, where and from which commit the copies were executed.
type RunInfo struct {
	When    time.Time
	Machine string // e.g. "linux/amd64, 2 CPUs (Intel Xeon ...)"
	Backend string // the compute backend's one-line description
	Commit  string // git describe of the checkout; "+dirty" when it had changes
	// Sources are the hashes of what the notebook's outputs depend on
	// (SourceHashes), taken before it ran; set per notebook.
	Sources map[string]string
}

// ThisRun describes the machine and checkout at root now.
func ThisRun(root, backend string) RunInfo {
	info := RunInfo{When: time.Now().UTC(), Backend: backend,
		Machine: fmt.Sprintf("%s/%s, %d CPUs", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())}
	if model := cpuModel(); model != "" {
		info.Machine += " (" + model + ")"
	}
	if out, err := exec.Command("git", "-C", root, "describe", "--always", "--dirty=+dirty").Output(); err == nil {
		info.Commit = strings.TrimSpace(string(out))
	} else {
		info.Commit = "unknown (not a git checkout)"
	}
	return info
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// executedCellID marks the cell Publish adds, so it is replaced, not
// stacked, when a copy is published again.
const executedCellID = "executed-info"

// Publish turns an executed notebook (nbclient's copy) into the copy to
// read: a first cell says when, on what machine and from which commit it ran
// and where its source is; the kernel's per-cell build chatter stays as it
// ran. Then it writes the HTML rendering beside it (Jupyter's nbconvert) and
// returns the two files' sizes.
func Publish(ctx context.Context, executed string, info RunInfo) (nbBytes, htmlBytes int64, err error) {
	raw, err := os.ReadFile(executed)
	if err != nil {
		return 0, 0, err
	}
	var nb map[string]any
	if err := json.Unmarshal(raw, &nb); err != nil {
		return 0, 0, fmt.Errorf("%s: not a notebook: %w", executed, err)
	}
	cells, _ := nb["cells"].([]any)
	if len(cells) > 0 {
		if c, ok := cells[0].(map[string]any); ok && c["id"] == executedCellID {
			cells = cells[1:]
		}
	}
	name := filepath.Base(executed)
	note := fmt.Sprintf("> **Executed copy, for reading.** `ganbook notebooks run --full` ran it on %s on %s, backend %s, from commit `%s`. "+
		"The notebook to run yourself is [../%s](../%s); its code cells are these, and its metadata holds the hashes of the ganbook packages they ran with.",
		info.When.Format("2006-01-02 15:04 MST"), info.Machine, info.Backend, info.Commit, name, name)
	head := map[string]any{"cell_type": "markdown", "id": executedCellID, "metadata": map[string]any{}, "source": note}
	nb["cells"] = append([]any{head}, cells...)
	meta, _ := nb["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
	}
	meta["ganbook"] = map[string]any{"commit": info.Commit, "sources": info.Sources}
	nb["metadata"] = meta
	// As Jupyter writes notebooks: one-space indent, "<" left as it is.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(nb); err != nil {
		return 0, 0, err
	}
	out := buf.Bytes()
	if err := fileio.WriteFileAtomic(executed, func(w io.Writer) error {
		_, err := w.Write(out)
		return err
	}); err != nil {
		return 0, 0, err
	}
	cmd := exec.CommandContext(ctx, "jupyter-nbconvert", "--to", "html", "--log-level=WARN", executed)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return 0, 0, fmt.Errorf("rendering %s as HTML (apt-get install jupyter-nbconvert): %v: %s", executed, err, lastLine(msg))
	}
	html := strings.TrimSuffix(executed, filepath.Ext(executed)) + ".html"
	st, err := os.Stat(html)
	if err != nil {
		return 0, 0, err
	}
	return int64(len(out)), st.Size(), nil
}

// CodeCells are a notebook's code cells' sources, in order.
func CodeCells(raw []byte) ([]string, error) {
	cells, err := readCells(raw)
	if err != nil {
		return nil, err
	}
	var code []string
	for _, c := range cells {
		if c.CellType == "code" {
			code = append(code, joinText(c.Source))
		}
	}
	return code, nil
}

// checkExecuted compares a source notebook's code cells with its executed
// copy's, and the packages it imports (in the checkout at root) with the
// hashes the copy recorded, and says, in one line, what to do when they
// differ.
func checkExecuted(root, source, executed string) error {
	fix := "regenerate the copies with `ganbook notebooks run --full`"
	src, err := os.ReadFile(source)
	if err != nil {
		return err
	}
	ex, err := os.ReadFile(executed)
	if err != nil {
		return fmt.Errorf("%s has no executed copy (%s): %s", source, executed, fix)
	}
	a, err := CodeCells(src)
	if err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	b, err := CodeCells(ex)
	if err != nil {
		return fmt.Errorf("%s: %w", executed, err)
	}
	for i := range max(len(a), len(b)) {
		if i >= len(a) || i >= len(b) || a[i] != b[i] {
			return fmt.Errorf("%s is stale: code cell %d differs from %s (%d code cells there, %d here): %s", executed, i+1, source, len(a), len(b), fix)
		}
	}
	var copyMeta struct {
		Metadata struct {
			Ganbook struct {
				Sources map[string]string `json:"sources"`
			} `json:"ganbook"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(ex, &copyMeta); err != nil {
		return fmt.Errorf("%s: %w", executed, err)
	}
	recorded := copyMeta.Metadata.Ganbook.Sources
	if len(recorded) == 0 {
		return fmt.Errorf("%s records no hashes of the packages it ran with: %s", executed, fix)
	}
	now, err := SourceHashes(root, source)
	if err != nil {
		return err
	}
	if changed := changedSources(recorded, now); changed != "" {
		return fmt.Errorf("%s is stale: %s changed since it ran: %s", executed, changed, fix)
	}
	return nil
}
