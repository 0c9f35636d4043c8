package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ganbook/ganbook/internal/fileio"
	"github.com/ganbook/ganbook/internal/jupyter"
	"github.com/ganbook/ganbook/internal/nn"
)

func kernelCmd(args []string) error {
	if len(args) == 0 || (args[0] != "install" && args[0] != "check") {
		return usagef("kernel: use `ganbook kernel install` or `ganbook kernel check`")
	}
	fs := flag.NewFlagSet("kernel "+args[0], flag.ContinueOnError)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if args[0] == "install" {
		root, err := jupyter.Root()
		if err != nil {
			return err
		}
		gobin, err := jupyter.GoBin()
		if err != nil {
			return err
		}
		dir, err := jupyter.Install(context.Background(), root, jupyter.UserTarget(gobin), func(s string) { fmt.Fprintln(os.Stderr, s) })
		if err != nil {
			return err
		}
		fmt.Printf("kernel %q (%s) installed in %s\nopen the course with: jupyter notebook notebooks/\n", jupyter.KernelName, jupyter.KernelDisplayName, dir)
		return nil
	}
	missing := 0
	for _, l := range jupyter.Check() {
		fmt.Println(l)
		if !l.OK {
			missing++
		}
	}
	if missing > 0 {
		return fmt.Errorf("%d missing: run the fixes above", missing)
	}
	return nil
}

func notebooksCmd(args []string) error {
	if len(args) > 0 && args[0] == "screenshot" {
		return screenshotCmd(args[1:])
	}
	if len(args) == 0 || args[0] != "run" {
		return usagef("notebooks: use `ganbook notebooks run [--full] [FILES]` or `ganbook notebooks screenshot FILE@CELL...`")
	}
	fs := flag.NewFlagSet("notebooks run", flag.ContinueOnError)
	n := notebookRun{}
	fs.BoolVar(&n.full, "full", false, "full mode (GANBOOK_QUICK unset), and publish the executed copies for reading: "+jupyter.ExecutedDir+", with an HTML rendering of each")
	fs.StringVar(&n.out, "out", "", "folder for the executed copies (default: notebooks/runs/executed; with --full, "+jupyter.ExecutedDir+")")
	fs.DurationVar(&n.timeout, "cell-timeout", 10*time.Minute, "time limit of one cell")
	if err := parseFlagsAndArgs(fs, args[1:]); err != nil {
		return err
	}
	if err := n.find(fs.Args()); err != nil {
		return err
	}
	ctx, stop := stopContext() // a signal stops the kernel build, and a notebook's whole process tree
	defer stop()
	if _, err := jupyter.CheckoutKernel(ctx, n.root, func(s string) { fmt.Println(s) }); err != nil {
		if ctx.Err() != nil {
			return interrupted{"stopped by a signal while building the notebooks' kernel; run the command again"}
		}
		return err
	}
	n.runDir = n.out
	if n.full {
		os.Unsetenv("GANBOOK_QUICK") // the children inherit it
		// Run into a scratch folder: a failed run must not replace a good copy.
		tmp, err := os.MkdirTemp("", "ganbook-notebooks-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		n.runDir = tmp
		backend := "unknown"
		if c, err := nn.Backend(); err == nil {
			backend = strings.TrimPrefix(c.Line, "backend: ")
		}
		n.info = jupyter.ThisRun(n.root, backend)
	}
	return n.runAll(ctx)
}

// notebookRun is one `ganbook notebooks run`: the notebooks, where their
// executed copies go (out) and where they run (runDir, a scratch folder in
// full mode).
type notebookRun struct {
	full              bool
	out, root, runDir string
	timeout           time.Duration
	files             []string
	info              jupyter.RunInfo
	passed, failed    int
}

// find checks the notebooks named (all of the checkout's when none), the
// output folder, and that Jupyter can run them.
func (n *notebookRun) find(files []string) error {
	root, rootErr := jupyter.Root()
	if len(files) == 0 {
		if rootErr != nil {
			return rootErr
		}
		files, _ = filepath.Glob(filepath.Join(root, "notebooks", "*.ipynb"))
		sort.Strings(files)
		if len(files) == 0 {
			return fmt.Errorf("no notebooks in %s", filepath.Join(root, "notebooks"))
		}
	}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			return usagef("%s: no such notebook", f)
		}
	}
	if n.out == "" {
		n.out = filepath.Join(filepath.Dir(files[0]), "runs", "executed")
		if n.full {
			n.out = filepath.Join(filepath.Dir(files[0]), "executed")
		}
	}
	if err := os.MkdirAll(n.out, 0o755); err != nil {
		return err
	}
	// Jupyter itself is the user's to install (exit code 2, with the command);
	// the kernel is the checkout's own, built from go.mod on first use.
	needs := []func() error{jupyter.NeedHeadless}
	if n.full {
		needs = append(needs, jupyter.NeedNbconvert)
	}
	for _, need := range needs {
		if err := need(); err != nil {
			return usagef("%v", err)
		}
	}
	n.root, n.files = root, files
	return rootErr
}

// runAll runs each notebook, publishes it in full mode, and reports.
func (n *notebookRun) runAll(ctx context.Context) error {
	for _, f := range n.files {
		r, err := n.runOne(ctx, f)
		if err != nil {
			return err
		}
		if r.Err != nil {
			n.failed++
			fmt.Printf("FAIL %s (%s): %v\n", f, r.Duration.Round(time.Second), r.Err)
		} else {
			n.passed++
			fmt.Printf("PASS %s (%s)\n", f, r.Duration.Round(time.Second))
		}
	}
	fmt.Printf("executed copies in %s\n%d passed, %d failed\n", n.out, n.passed, n.failed)
	if n.failed > 0 {
		return fmt.Errorf("%d notebook(s) failed", n.failed)
	}
	return nil
}

// runOne runs notebook f; its result's Err is the notebook's failure, the
// error returned a reason to stop them all.
func (n *notebookRun) runOne(ctx context.Context, f string) (jupyter.NotebookResult, error) {
	src, info := f, n.info
	if n.full {
		// From a copy in the scratch folder: the notebooks' run folders
		// (runs/...) start empty, so the copies show fresh runs, not a
		// resumed earlier one; notebook 02 still finds 01's run there.
		var err error
		if src, err = copyInto(f, filepath.Join(n.runDir, "notebooks")); err != nil {
			return jupyter.NotebookResult{}, err
		}
		// What the outputs depend on, before they are made.
		if info.Sources, err = jupyter.SourceHashes(n.root, f); err != nil {
			return jupyter.NotebookResult{}, err
		}
	}
	r := jupyter.RunNotebook(ctx, src, n.runDir, n.timeout)
	r.Path = f
	if ctx.Err() != nil {
		return r, interrupted{fmt.Sprintf("stopped by a signal while running %s (%s in; its kernel and programs were stopped); %d passed, %d failed before it", f, r.Duration.Round(time.Second), n.passed, n.failed)}
	}
	if r.Err == nil && n.full {
		r.Err = publish(r.Executed, n.out, info)
	}
	if r.Err != nil && n.full {
		// Keep the failed copy, with its error, out of the scratch folder
		// (which goes) and away from the published copies.
		keep := filepath.Join(filepath.Dir(f), "runs", "executed")
		if err := os.MkdirAll(keep, 0o755); err == nil && moveFile(r.Executed, filepath.Join(keep, filepath.Base(f))) == nil {
			r.Err = fmt.Errorf("%w (the failed run: %s)", r.Err, filepath.Join(keep, filepath.Base(f)))
		}
	}
	return r, nil
}

// publish adds the run's header to an executed copy, renders its HTML, moves
// both into out and says how big they are.
func publish(executed, out string, info jupyter.RunInfo) error {
	nbBytes, htmlBytes, err := jupyter.Publish(context.Background(), executed, info)
	if err != nil {
		return err
	}
	html := strings.TrimSuffix(executed, filepath.Ext(executed)) + ".html"
	// The HTML first: the notebook is what the staleness test compares, so a
	// failure between the two leaves the old pair's notebook, flagged stale.
	for _, f := range []string{html, executed} {
		if err := moveFile(f, filepath.Join(out, filepath.Base(f))); err != nil {
			return err
		}
	}
	fmt.Printf("     %s: %.2f MB, HTML %.2f MB\n", filepath.Base(executed), float64(nbBytes)/(1<<20), float64(htmlBytes)/(1<<20))
	if nbBytes > jupyter.MaxExecutedBytes {
		fmt.Printf("     warning: over %d MB: a cell shows too much (smaller images, fewer frames)\n", jupyter.MaxExecutedBytes>>20)
	}
	return nil
}

// copyInto copies a file into dir (made if missing) and returns the copy's path.
func copyInto(path, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	dst := filepath.Join(dir, filepath.Base(path))
	return dst, fileio.CopyFile(path, dst)
}

// moveFile renames, or copies and removes across file systems (the scratch
// folder may be on another one).
func moveFile(src, dst string) error {
	if err := os.Rename(src, dst); err == nil {
		return nil
	}
	if err := fileio.CopyFile(src, dst); err != nil {
		return err
	}
	return os.Remove(src)
}

// screenshotCmd opens executed notebooks in Jupyter's page (headless
// Chromium), scrolls each to a cell and saves what the window shows.
func screenshotCmd(args []string) error {
	fs := flag.NewFlagSet("notebooks screenshot", flag.ContinueOnError)
	out := fs.String("out", "docs", "folder for the PNG files (notebook-NAME.png)")
	width := fs.Int("width", 1100, "window width in pixels")
	height := fs.Int("height", 1300, "window height in pixels")
	if err := parseFlagsAndArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("notebooks screenshot: name the executed notebooks, each as FILE@CELL-ID (the cell to show at the top), e.g. notebooks/executed/01-gan.ipynb@01-12")
	}
	var shots []jupyter.Shot
	seen := map[string]bool{}
	for _, a := range fs.Args() {
		file, cell, _ := strings.Cut(a, "@")
		if _, err := os.Stat(file); err != nil {
			return usagef("%s: no such notebook", file)
		}
		name := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		if seen[name] {
			return usagef("notebooks screenshot: %s is named twice: one screenshot per notebook (docs/notebook-%s.png)", name, name)
		}
		seen[name] = true
		shots = append(shots, jupyter.Shot{Notebook: file, Cell: cell, Out: filepath.Join(*out, "notebook-"+name+".png")})
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	return jupyter.Screenshots(context.Background(), shots, *width, *height, func(s string) { fmt.Println(s) })
}
