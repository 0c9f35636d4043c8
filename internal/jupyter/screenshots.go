package jupyter

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/ganbook/ganbook/internal/fileio"
)

// Shot is one screenshot of an executed notebook as Jupyter's page shows it.
type Shot struct {
	Notebook string // an executed notebook
	Cell     string // the id of the cell whose output is scrolled to the top ("" the top of the page)
	Out      string // PNG file to write
}

// Screenshots serves each shot's notebook (a trusted copy, so its HTML and
// SVG outputs render as they did when it ran) from a scratch folder with
// Jupyter, opens it in headless Chromium without running it, scrolls its
// cell's output to the top of a width x height window and saves the PNG.
func Screenshots(ctx context.Context, shots []Shot, width, height int, log func(string)) error {
	dir, err := os.MkdirTemp("", "ganbook-screenshots-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	index := make([]int, len(shots))
	for i, s := range shots {
		raw, err := os.ReadFile(s.Notebook)
		if err != nil {
			return err
		}
		if index[i], err = cellIndex(raw, s.Cell); err != nil {
			return fmt.Errorf("%s: %w", s.Notebook, err)
		}
		// One folder a shot, so the page's title is the notebook's own name.
		copyPath := filepath.Join(dir, fmt.Sprint(i), filepath.Base(s.Notebook))
		if err := os.MkdirAll(filepath.Dir(copyPath), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(copyPath, raw, 0o644); err != nil {
			return err
		}
		if msg, err := exec.CommandContext(ctx, python(), "-m", "nbformat.sign", copyPath).CombinedOutput(); err != nil {
			return fmt.Errorf("jupyter trust %s: %v: %s", s.Notebook, err, lastLine(msg))
		}
	}
	server, err := StartJupyter(ctx, dir)
	if err != nil {
		return err
	}
	defer server.Close()
	b, err := StartBrowser(ctx, width, height)
	if err != nil {
		return err
	}
	defer b.Close()
	for i, s := range shots {
		if err := b.Open(ctx, server.PageURL(fmt.Sprintf("%d/%s", i, filepath.Base(s.Notebook)))); err != nil {
			return err
		}
		if err := waitNotebook(ctx, b, 2*time.Minute); err != nil {
			return fmt.Errorf("%s: %w", s.Notebook, err)
		}
		// Show long outputs whole (Jupyter folds them into a scroll box), scroll
		// the cell's output (or the cell, if it has none) to the top, and wait
		// for the images to load.
		script := fmt.Sprintf(`Jupyter.notebook.get_cells().forEach(c => c.output_area && c.output_area.unscroll_area());
			const cell = document.querySelectorAll("#notebook-container > .cell")[%d];
			const out = cell.querySelector(".output_wrapper");
			((out && out.offsetHeight > 0) ? out : cell).scrollIntoView();
			return Array.from(document.images).every(i => i.complete)`, index[i])
		if err := b.Poll(ctx, script, 30*time.Second, "the page's images did not load"); err != nil {
			return fmt.Errorf("%s: %w", s.Notebook, err)
		}
		time.Sleep(time.Second) // the scroll animates
		png, err := b.Screenshot(ctx)
		if err != nil {
			return err
		}
		if err := fileio.WriteFileAtomic(s.Out, func(w io.Writer) error { _, err := w.Write(png); return err }); err != nil {
			return err
		}
		log(fmt.Sprintf("%s (cell %q): %s, %d KB", s.Notebook, s.Cell, s.Out, len(png)/1024))
	}
	return nil
}

// cellIndex is the position of the cell with that id (0 for "").
func cellIndex(raw []byte, id string) (int, error) {
	if id == "" {
		return 0, nil
	}
	cells, err := readCells(raw)
	if err != nil {
		return 0, err
	}
	for i, c := range cells {
		if c.ID == id {
			return i, nil
		}
	}
	return 0, fmt.Errorf("no cell with id %q", id)
}
