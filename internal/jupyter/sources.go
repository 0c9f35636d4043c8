package jupyter

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// What an executed copy's outputs depend on, besides its code cells: the
// ganbook packages the notebook imports, with the ganbook packages those
// import, and go.mod and go.sum (the versions of everything else). Their
// hashes are recorded in the copy (Publish), and TestExecutedCopiesAreCurrent
// recomputes them: a copy whose packages changed since it ran is stale.

var ganbookImport = regexp.MustCompile(`"(` + regexp.QuoteMeta(modulePath) + `(?:/[a-z0-9_/]+)?)"`)

// SourceHashes returns, for the notebook at path in the checkout at root, a
// SHA-256 (12 hex digits) per package it depends on (by its path in the
// module, e.g. "gan/run") and for "go.mod+go.sum": each over the package's Go
// files other than tests and the files it embeds, by name.
func SourceHashes(root, path string) (map[string]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cells, err := CodeCells(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	imports := map[string]bool{}
	for _, c := range cells {
		for _, m := range ganbookImport.FindAllStringSubmatch(c, -1) {
			imports[m[1]] = true
		}
	}
	out := map[string]string{}
	mod, err := hashFiles(filepath.Join(root, "go.mod"), filepath.Join(root, "go.sum"))
	if err != nil {
		return nil, err
	}
	out["go.mod+go.sum"] = mod
	if len(imports) == 0 {
		return out, nil
	}
	// Each package: its path, its folder, and the files it embeds (weights,
	// pictures, quizzes), which its Go files alone do not show.
	args := []string{"list", "-deps", "-f", `{{if .Module}}{{if eq .Module.Path "` + modulePath + `"}}{{.ImportPath}} {{.Dir}} {{join .EmbedFiles " "}}{{end}}{{end}}`}
	for p := range imports {
		args = append(args, p)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	list, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list of %s's packages: %w", filepath.Base(path), err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(list)), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		pkg, dir := fields[0], fields[1]
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		// Every Go file but the tests, whatever the build tags (GOEXPERIMENT,
		// the platform), and the embedded files.
		var files []string
		for _, e := range entries {
			if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".go") && !strings.HasSuffix(e.Name(), "_test.go") {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
		for _, f := range fields[2:] {
			files = append(files, filepath.Join(dir, f))
		}
		if out[strings.TrimPrefix(strings.TrimPrefix(pkg, modulePath), "/")], err = hashFiles(files...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// hashFiles hashes the files' names and contents, in name order.
func hashFiles(files ...string) (string, error) {
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// changedSources compares the hashes a copy recorded with today's and names
// what changed, sorted ("" when nothing did).
func changedSources(recorded, now map[string]string) string {
	var changed []string
	for k, v := range now {
		if recorded[k] != v {
			changed = append(changed, k)
		}
	}
	for k := range recorded {
		if _, ok := now[k]; !ok {
			changed = append(changed, k)
		}
	}
	sort.Strings(changed)
	return strings.Join(changed, ", ")
}
