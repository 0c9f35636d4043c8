package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/ganbook/ganbook/internal/fileio"
	"github.com/ganbook/ganbook/internal/imgio"
)

// The rule for every command's outputs: never replace an input, and never
// replace an existing file the user did not name as an output of this command.

// checkOutputFile refuses an output file that is one of the inputs, however the
// path is spelled (relative, "..", symlinks, hard links: os.SameFile compares
// the files themselves), that exists as something other than a regular file,
// or that is a picture ganbook did not write (imgio.WrittenByGanbook).
func checkOutputFile(flagName, out string, inputs ...string) error {
	st, err := os.Stat(out)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--%s %s: %w", flagName, out, err)
	}
	if !st.Mode().IsRegular() {
		return usagef("--%s %s exists and is not a regular file: name a new file", flagName, out)
	}
	for _, in := range inputs {
		if ist, err := os.Stat(in); in != "" && err == nil && os.SameFile(st, ist) {
			return usagef("--%s %s is the input %s: ganbook never writes over its inputs; name another file", flagName, out, in)
		}
	}
	// A picture ganbook saved carries its mark and may be replaced by the next
	// run; any other picture there is the user's.
	if imgio.IsImageName(out) && !imgio.WrittenByGanbook(out) {
		return usagef("--%s %s is a picture ganbook did not write: ganbook does not replace your files; name a new file, or delete it first", flagName, out)
	}
	return nil
}

// outputMarker marks a folder that ganbook created for a command's output:
// the files that command writes there may be replaced by its next run.
const outputMarker = ".ganbook-output"

// prepareOutputFolder makes dir ready for files named names. A folder ganbook
// did not create (no marker) must not already hold any of them: they would be
// the user's own files. Only a folder ganbook creates, or finds empty, is
// marked as its own; in its own folder, removeStale clears what an earlier run
// left once the new files are written.
func prepareOutputFolder(flagName, dir string, names []string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("--%s %s: %w", flagName, dir, err)
		}
	case err != nil:
		return fmt.Errorf("--%s %s: %w", flagName, dir, err)
	case !st.IsDir():
		return usagef("--%s %s is a file: name a folder", flagName, dir)
	default:
		if _, err := os.Stat(filepath.Join(dir, outputMarker)); err == nil {
			return nil // ganbook's own folder
		}
		for _, name := range names {
			p := filepath.Join(dir, name)
			if _, err := os.Lstat(p); err == nil && !imgio.WrittenByGanbook(p) {
				return usagef("--%s %s already holds %s, which ganbook did not write: name a new or empty folder", flagName, dir, name)
			}
		}
		if entries, _ := os.ReadDir(dir); len(entries) > 0 {
			return nil // the user's folder: written into, never marked, never cleared
		}
	}
	return markOwnFolder(dir)
}

// markOwnFolder marks dir, which ganbook created (or found empty), as its own.
func markOwnFolder(dir string) error {
	return os.WriteFile(filepath.Join(dir, outputMarker), []byte("written by ganbook; its files here may be replaced by the next run\n"), 0o644)
}

// removeStale removes from ganbook's folder dir (marked) the pictures of its
// own naming that it wrote (imgio.WrittenByGanbook) and that are not in keep,
// and leftover temporary files, so the folder holds only what the last command
// wrote.
func removeStale(dir string, keep []string, own *regexp.Regexp) (int, error) {
	if _, err := os.Stat(filepath.Join(dir, outputMarker)); err != nil {
		return 0, nil // not ganbook's folder
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	kept := make(map[string]bool, len(keep))
	for _, k := range keep {
		kept[k] = true
	}
	removed := 0
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || kept[name] {
			continue
		}
		if !own.MatchString(name) || !imgio.WrittenByGanbook(filepath.Join(dir, name)) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			return removed, err
		}
		removed++
	}
	return removed + len(fileio.RemoveStaleTemp(dir)), nil
}

// within reports whether path is dir or lies inside it, after resolving
// symlinks of the parts that exist.
func within(path, dir string) bool {
	resolve := func(p string) string {
		p, _ = filepath.Abs(p)
		for rest := ""; ; {
			if r, err := filepath.EvalSymlinks(p); err == nil {
				return filepath.Join(r, rest)
			}
			parent := filepath.Dir(p)
			if parent == p {
				return filepath.Join(p, rest)
			}
			rest = filepath.Join(filepath.Base(p), rest)
			p = parent
		}
	}
	rel, err := filepath.Rel(resolve(dir), resolve(path))
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
