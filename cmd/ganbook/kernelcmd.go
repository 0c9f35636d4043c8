package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/ganbook/ganbook/kernel"
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
		dir, err := kernel.Install(context.Background(), func(s string) { fmt.Fprintln(os.Stderr, s) })
		if err != nil {
			return err
		}
		fmt.Printf("kernel %q (%s) installed in %s\nopen the course with: jupyter notebook notebooks/\n", kernel.KernelName, kernel.KernelDisplayName, dir)
		return nil
	}
	missing := 0
	for _, l := range kernel.Check() {
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
	if len(args) == 0 || args[0] != "run" {
		return usagef("notebooks: use `ganbook notebooks run [FILES]`")
	}
	fs := flag.NewFlagSet("notebooks run", flag.ContinueOnError)
	out := fs.String("out", "", "folder for the executed copies (default: notebooks/executed)")
	timeout := fs.Duration("cell-timeout", 10*time.Minute, "time limit of one cell")
	if err := parseFlagsAndArgs(fs, args[1:]); err != nil {
		return err
	}
	files := fs.Args()
	if len(files) == 0 {
		root, err := kernel.Root()
		if err != nil {
			return err
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
	if *out == "" {
		*out = filepath.Join(filepath.Dir(files[0]), "executed")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	for _, l := range kernel.Check() {
		// gopls only serves autocompletion; a kernel installed from another
		// checkout is fine: RunNotebook points it at this one.
		if !l.OK && l.What != "gopls" && l.What != "kernel's checkout" {
			return fmt.Errorf("%s is missing: %s", l.What, l.Fix)
		}
	}
	passed, failed := 0, 0
	for _, f := range files {
		r := kernel.RunNotebook(context.Background(), f, *out, *timeout)
		if r.Err != nil {
			failed++
			fmt.Printf("FAIL %s (%s): %v\n", f, r.Duration.Round(time.Second), r.Err)
		} else {
			passed++
			fmt.Printf("PASS %s (%s)\n", f, r.Duration.Round(time.Second))
		}
	}
	fmt.Printf("executed copies in %s\n%d passed, %d failed\n", *out, passed, failed)
	if failed > 0 {
		return fmt.Errorf("%d notebook(s) failed", failed)
	}
	return nil
}
