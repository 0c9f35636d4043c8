package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ganbook/ganbook/gan"
)

// The libraries' messages stand alone: they name no command-line flag (a
// notebook has none), and the command line adds the flag where a typed error
// says which (flagHint). Every string literal of a library package (errors,
// messages, the constants they are built from) is checked for a "--flag".
// internal/jupyter is the command line's own tooling.
func TestLibraryMessagesNameNoFlags(t *testing.T) {
	flag := regexp.MustCompile(`(^|[\s(])--[a-z]`)
	checked := 0
	for _, pkg := range []string{"gan", "gan/run", "styletransfer", "styletransfer/assets", "score", "dataset", "kernel", "lessons", "internal/nn", "internal/imgio", "internal/safetensors", "internal/fetch", "internal/fileio", "internal/loop", "internal/watchdog"} {
		_ = filepath.WalkDir(filepath.Join("..", "..", pkg), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() && path != filepath.Join("..", "..", pkg) || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				if d != nil && d.IsDir() && path != filepath.Join("..", "..", pkg) {
					return filepath.SkipDir // sub-packages are listed on their own
				}
				return nil
			}
			file, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					checked++
					if s, _ := strconv.Unquote(lit.Value); flag.MatchString(s) {
						t.Errorf("%s: a library string names a flag: %s", path, lit.Value)
					}
				}
				return true
			})
			return nil
		})
	}
	if checked < 100 {
		t.Errorf("only %d messages checked: the walk missed the packages", checked)
	}
}

// The flag hint names only flags that exist: an option the command line sets
// through another flag (noise_dim, the MLP's widths) gets none.
func TestFlagHintNamesRealFlags(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{&gan.OptionError{Name: "lr_d", Reason: "r"}, " (--lr-d)"},
		{&gan.OptionError{Name: "model", Value: "dcgan", Reason: "r"}, " (--model dcgan)"},
		{&gan.OptionError{Name: "noise_dim", Reason: "r"}, ""},
		{fmt.Errorf("x: %w", &gan.OptionError{Name: "g_hidden", Reason: "r"}), ""},
	} {
		if got := flagHint(c.err); got != c.want {
			t.Errorf("%#v: hint %q, want %q", c.err, got, c.want)
		}
	}
}
