package kernel

import (
	"os"
	"path/filepath"
	"testing"
)

// The kernel's GOTOOLCHAIN comes from go.mod's toolchain line.
func TestToolchain(t *testing.T) {
	dir := t.TempDir()
	if got := Toolchain(dir); got != "" {
		t.Errorf("no go.mod: Toolchain = %q, want empty", got)
	}
	mod := "module x\n\ngo 1.27.0\n\ntoolchain go1.27.3\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := Toolchain(dir); got != "go1.27.3" {
		t.Errorf("Toolchain = %q, want go1.27.3", got)
	}
}

func TestAtLeast(t *testing.T) {
	for _, c := range []struct {
		have, want string
		ok         bool
	}{
		{"go1.27.3", "go1.27.3", true},
		{"go1.27.10", "go1.27.3", true},
		{"go1.28", "go1.27.3", true},
		{"go1.26.8", "go1.27.3", false},
		{"go1.27", "go1.27.3", false},
		{"go1.27.3 X:simd", "go1.27.3", true},
	} {
		if got := atLeast(c.have, c.want); got != c.ok {
			t.Errorf("atLeast(%q, %q) = %v, want %v", c.have, c.want, got, c.ok)
		}
	}
}
