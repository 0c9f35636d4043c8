package jupyter

import (
	"errors"
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

// kernel check says when the user's installed kernel imports another
// checkout.
func TestCheckSaysWhichCheckout(t *testing.T) {
	t.Setenv("JUPYTER_DATA_DIR", t.TempDir())
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
}

// The checkout's own kernel lives inside the checkout, is current only for
// the go.mod and go.sum it was built from and with its tools present, and
// leaves the user's Jupyter folder alone.
func TestCheckoutKernelStamp(t *testing.T) {
	user := t.TempDir()
	t.Setenv("JUPYTER_DATA_DIR", user)
	root := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module "+modulePath+"\n\ngo 1.27.0\n\ntoolchain go1.27.3\n")
	write("go.sum", "a v1 h1:x\n")
	tg := CheckoutTarget(root)
	if !strings.HasPrefix(tg.DataDir, root) || !strings.HasPrefix(tg.GoBin, root) || strings.HasPrefix(tg.DataDir, user) {
		t.Fatalf("the checkout's kernel is not inside the checkout: %+v", tg)
	}
	stamp, err := kernelStamp(root)
	if err != nil {
		t.Fatal(err)
	}
	if current(tg, stamp) {
		t.Fatal("an empty checkout has a current kernel")
	}
	rel := func(p string) string { r, _ := filepath.Rel(root, p); return r }
	write(rel(filepath.Join(tg.SpecDir(), "kernel.json")), "{}")
	write(rel(filepath.Join(tg.SpecDir(), stampFile)), stamp)
	write(rel(filepath.Join(tg.GoBin, "gonb")), "")
	if current(tg, stamp) {
		t.Error("current without goimports")
	}
	write(rel(filepath.Join(tg.GoBin, "goimports")), "")
	if !current(tg, stamp) {
		t.Error("not current with its spec, stamp and tools")
	}
	write("go.sum", "a v1 h1:x\nb v2 h1:y\n")
	if again, _ := kernelStamp(root); again == stamp || current(tg, again) {
		t.Error("a changed go.sum leaves the kernel current")
	}
	if entries, _ := os.ReadDir(user); len(entries) != 0 {
		t.Errorf("the user's Jupyter folder was written: %v", entries)
	}
}

// Each missing program's message is one line naming the command that
// installs it, and every Debian package named is in debian-packages.txt, the
// one list that README and .ci/run install.
func TestMissingSaysHowToInstall(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "debian-packages.txt"))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(string(raw), "\n") {
		line, _, _ = strings.Cut(line, "#")
		for _, f := range strings.Fields(line) {
			listed[f] = true
		}
	}
	t.Setenv("GANBOOK_CHROMIUM", filepath.Join(t.TempDir(), "no-chromium"))
	missing := []*MissingError{
		{What: "Jupyter's headless client", Debian: []string{"jupyter-client", "python3-nbclient"}, Pip: []string{"nbclient"}},
	}
	var m *MissingError
	if !errors.As(NeedChromium(), &m) {
		t.Fatal("NeedChromium passes with GANBOOK_CHROMIUM naming no file")
	}
	missing = append(missing, m)
	for _, need := range []func() error{NeedHeadless, NeedNbconvert, NeedServer} {
		if errors.As(need(), &m) {
			missing = append(missing, m)
		}
	}
	for _, m := range missing {
		msg := m.Error()
		if strings.Contains(msg, "\n") || !strings.Contains(msg, m.InstallCommand()) || !strings.Contains(msg, m.What) {
			t.Errorf("message %q: want one line with %q", msg, m.InstallCommand())
		}
		for _, p := range m.Debian {
			if !listed[p] {
				t.Errorf("%s names Debian package %s, which debian-packages.txt lacks", m.What, p)
			}
		}
	}
}

func TestJoinPath(t *testing.T) {
	sep := string(os.PathListSeparator)
	if got, want := joinPath("/a", "/b"+sep+"/a"+sep+sep+"/c"), "/a"+sep+"/b"+sep+"/c"; got != want {
		t.Errorf("joinPath = %q, want %q", got, want)
	}
}
