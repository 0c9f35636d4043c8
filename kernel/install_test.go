package kernel

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
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

// A notebook run uses the checkout it is started in: the copy of the kernel
// spec it puts first on JUPYTER_PATH names that checkout and keeps the rest.
// kernel check says when the installed kernel imports another checkout.
func TestKernelFollowsTheCheckout(t *testing.T) {
	data := t.TempDir()
	t.Setenv("JUPYTER_DATA_DIR", data)
	other, here := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(here, "go.mod"), []byte("module "+modulePath+"\n\ngo 1.27.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GANBOOK_ROOT", here)
	spec := `{"argv": ["gonb"], "display_name": "Go (ganbook)", "env": {"GANBOOK_ROOT": "` + other + `", "GOEXPERIMENT": "simd"}}`
	if err := os.MkdirAll(KernelSpecDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(KernelSpecDir(), "kernel.json"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := InstalledRoot(); got != other {
		t.Errorf("InstalledRoot = %q, want %q", got, other)
	}
	var line *CheckLine
	for _, l := range Check() {
		if l.What == "kernel's checkout" {
			line = &l
		}
	}
	if line == nil || line.OK || !strings.Contains(line.Detail, other) || !strings.Contains(line.Fix, "kernel install") {
		t.Errorf("kernel check does not say the kernel imports another checkout: %+v", line)
	}
	jp, err := checkoutKernel(here, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(jp, "kernels", KernelName, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Argv []string          `json:"argv"`
		Env  map[string]string `json:"env"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if got.Env["GANBOOK_ROOT"] != here || got.Env["GOEXPERIMENT"] != "simd" || len(got.Argv) != 1 {
		t.Errorf("the run's kernel spec: %+v", got)
	}
}

func TestJoinPath(t *testing.T) {
	sep := string(os.PathListSeparator)
	if got, want := joinPath("/a", "/b"+sep+"/a"+sep+sep+"/c"), "/a"+sep+"/b"+sep+"/c"; got != want {
		t.Errorf("joinPath = %q, want %q", got, want)
	}
}
