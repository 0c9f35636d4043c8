package jupyter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/version"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/ganbook/ganbook/internal/fileio"
)

// KernelName is the Jupyter kernel ganbook installs; notebooks name it in
// their metadata.
const (
	KernelName        = "ganbook"
	KernelDisplayName = "Go (ganbook)"
	modulePath        = "github.com/ganbook/ganbook"
)

// Root finds the ganbook checkout: $GANBOOK_ROOT, or the first folder upwards
// from the working directory whose go.mod declares the ganbook module.
func Root() (string, error) {
	if r := os.Getenv("GANBOOK_ROOT"); r != "" {
		return r, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if raw, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(raw), "module "+modulePath+"\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("not inside the ganbook checkout (no go.mod of %s above the working folder): cd into it, or set GANBOOK_ROOT", modulePath)
		}
		dir = parent
	}
}

// Toolchain is the Go toolchain that go.mod's toolchain line names (e.g.
// "go1.27.3"), or "" when it has none. The machines this course runs on may
// start on an older Go with GOTOOLCHAIN=local; every go command the course
// runs (the kernel's cell builds among them) sets GOTOOLCHAIN to it.
func Toolchain(root string) string {
	raw, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "toolchain "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// GoBin is where `ganbook kernel install` builds the kernel's tools: $GOBIN or
// $(go env GOPATH)/bin.
func GoBin() (string, error) {
	if b := os.Getenv("GOBIN"); b != "" {
		return b, nil
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOPATH: %w (is Go installed and on PATH?)", err)
	}
	return filepath.Join(strings.Split(strings.TrimSpace(string(out)), string(os.PathListSeparator))[0], "bin"), nil
}

// JupyterDataDir is where the user's Jupyter looks for kernels:
// $JUPYTER_DATA_DIR or ~/.local/share/jupyter.
func JupyterDataDir() string {
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".local", "share", "jupyter")
}

// KernelSpecDir is the user's ganbook kernel folder.
func KernelSpecDir() string { return UserTarget("").SpecDir() }

// Target is where a ganbook kernel is installed: a Jupyter data folder (the
// spec goes into its kernels/ganbook) and the folder GoNB, goimports and gopls
// are built into.
type Target struct {
	DataDir string
	GoBin   string
}

// UserTarget is the user's own Jupyter, what `jupyter notebook` finds, with the
// tools in gobin ($GOBIN or $(go env GOPATH)/bin).
func UserTarget(gobin string) Target { return Target{DataDir: JupyterDataDir(), GoBin: gobin} }

// CheckoutTarget is a Jupyter path inside the checkout (.ganbook/, ignored by
// git): the notebook runs and the tests install their kernel there, so the
// user's own kernels are never touched.
func CheckoutTarget(root string) Target {
	return Target{DataDir: filepath.Join(root, ".ganbook", "jupyter"), GoBin: filepath.Join(root, ".ganbook", "bin")}
}

// SpecDir is the target's ganbook kernel folder.
func (t Target) SpecDir() string { return filepath.Join(t.DataDir, "kernels", KernelName) }

// Install builds GoNB, goimports and gopls at the versions pinned by the `tool`
// lines of root's go.mod into t.GoBin, registers GoNB in t.DataDir, and writes
// the "ganbook" kernel spec there: GoNB with quiet logging and an environment
// carrying the tools' folder on PATH, GOEXPERIMENT=simd, GOTOOLCHAIN (go.mod's
// toolchain) and GANBOOK_ROOT. Running it again refreshes it.
func Install(ctx context.Context, root string, t Target, log func(string)) (string, error) {
	log("building gonb, goimports and gopls from go.mod's tool pins into " + t.GoBin + " (a few minutes the first time)")
	build := exec.CommandContext(ctx, "go", "install", "tool")
	build.Dir = root
	build.Env = append(os.Environ(), "GOBIN="+t.GoBin)
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install tool failed: %w: %s", err, lastLine(out))
	}
	gonb := filepath.Join(t.GoBin, "gonb")
	reg := exec.CommandContext(ctx, gonb, "--install", "--raw_error", "--logtostderr=false", "--log_file=/dev/null", "--stderrthreshold=3")
	reg.Env = append(os.Environ(), "PATH="+joinPath(t.GoBin, os.Getenv("PATH")), "JUPYTER_DATA_DIR="+t.DataDir)
	if out, err := reg.CombinedOutput(); err != nil {
		return "", fmt.Errorf("gonb --install failed: %w: %s", err, lastLine(out))
	}
	gonbSpec := filepath.Join(t.DataDir, "kernels", "gonb")
	raw, err := os.ReadFile(filepath.Join(gonbSpec, "kernel.json"))
	if err != nil {
		return "", fmt.Errorf("gonb --install wrote no kernel spec in %s: %w", gonbSpec, err)
	}
	var spec map[string]any
	if err := json.Unmarshal(raw, &spec); err != nil {
		return "", fmt.Errorf("%s/kernel.json: %w", gonbSpec, err)
	}
	goExe, err := exec.LookPath("go")
	if err != nil {
		return "", err
	}
	spec["display_name"] = KernelDisplayName
	env := map[string]string{
		// The tools' folder and go's own first, then the PATH of whoever ran the
		// install (Homebrew's or Windows' Go included). go's folder may be a
		// toolchain in the module cache, when go switched to go.mod's toolchain.
		"PATH":         joinPath(t.GoBin, filepath.Dir(goExe), os.Getenv("PATH")),
		"GOEXPERIMENT": "simd",
		"GANBOOK_ROOT": root,
	}
	if tc := Toolchain(root); tc != "" {
		env["GOTOOLCHAIN"] = tc // GoNB builds every cell with go: the same toolchain as the checkout
	}
	spec["env"] = env
	js, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return "", err
	}
	dir := t.SpecDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// Logos and other files of GoNB's spec come along.
	entries, _ := os.ReadDir(gonbSpec)
	for _, e := range entries {
		if e.Name() == "kernel.json" || !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(gonbSpec, e.Name()))
		if err == nil {
			_ = os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644)
		}
	}
	if err := fileio.WriteFileAtomic(filepath.Join(dir, "kernel.json"), func(w io.Writer) error { _, err := w.Write(js); return err }); err != nil {
		return "", err
	}
	return dir, nil
}

// joinPath joins PATH lists, dropping empty and repeated entries.
func joinPath(parts ...string) string {
	var out []string
	seen := map[string]bool{}
	for _, p := range parts {
		for _, d := range filepath.SplitList(p) {
			if d != "" && !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	return strings.Join(out, string(os.PathListSeparator))
}

// InstalledRoot is the checkout the user's installed ganbook kernel imports
// ganbook from (its spec's GANBOOK_ROOT), or "" when there is none.
func InstalledRoot() string {
	raw, err := os.ReadFile(filepath.Join(KernelSpecDir(), "kernel.json"))
	if err != nil {
		return ""
	}
	var spec struct {
		Env map[string]string `json:"env"`
	}
	_ = json.Unmarshal(raw, &spec)
	return spec.Env["GANBOOK_ROOT"]
}

// CheckLine is one line of `ganbook kernel check`.
type CheckLine struct {
	What   string
	OK     bool
	Detail string // what was found, or what is missing
	Fix    string // the command that fixes it
}

func (c CheckLine) String() string {
	if c.OK {
		return fmt.Sprintf("ok       %-22s %s", c.What, c.Detail)
	}
	return fmt.Sprintf("MISSING  %-22s %s; fix: %s", c.What, c.Detail, c.Fix)
}

// Check says, line by line, what the course needs and whether it is there.
func Check() []CheckLine {
	var lines []CheckLine
	add := func(what string, ok bool, detail, fix string) {
		lines = append(lines, CheckLine{what, ok, detail, fix})
	}
	root, _ := Root()
	tc := Toolchain(root)
	if out, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
		have := strings.TrimSpace(string(out))
		ok := tc == "" || atLeast(have, tc)
		add("go", ok, have+map[bool]string{false: ", go.mod wants " + tc}[ok], "export GOTOOLCHAIN="+tc+" (go fetches that toolchain once)")
	} else {
		add("go", false, "go not found on PATH", "install Go from go.dev/dl, then export GOTOOLCHAIN="+tc)
	}
	for _, n := range []struct {
		what string
		need func() error
	}{{"jupyter-notebook", NeedServer}, {"nbclient (headless runs)", NeedHeadless}, {"jupyter-nbconvert", NeedNbconvert}} {
		var m *MissingError
		if errors.As(n.need(), &m) {
			add(n.what, false, m.Details, m.InstallCommand())
		} else {
			add(n.what, true, "found", "")
		}
	}
	gobin, _ := GoBin()
	for _, tool := range []string{"gonb", "goimports", "gopls"} {
		p := filepath.Join(gobin, tool)
		_, err := os.Stat(p)
		add(tool, err == nil, orMissing(map[bool]string{true: p}[err == nil], p+" not found"), "ganbook kernel install")
	}
	spec := filepath.Join(KernelSpecDir(), "kernel.json")
	_, err := os.Stat(spec)
	add("kernel spec "+KernelName, err == nil, orMissing(map[bool]string{true: spec}[err == nil], spec+" not found"), "ganbook kernel install")
	if installed := InstalledRoot(); err == nil && root != "" {
		same := sameDir(installed, root)
		detail := "imports ganbook from " + installed
		if !same {
			detail = "imports ganbook from " + installed + ", not from this checkout " + root + " (`ganbook notebooks run` uses this checkout anyway)"
		}
		add("kernel's checkout", same, detail, "ganbook kernel install (from this checkout)")
	}
	return lines
}

// sameDir reports whether two paths name the same folder.
func sameDir(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

// atLeast compares Go versions such as "go1.27.3" and "go1.27" (go env
// GOVERSION may add " X:simd"): have >= want.
func atLeast(have, want string) bool {
	fields := strings.Fields(have)
	return len(fields) > 0 && version.Compare(fields[0], want) >= 0
}

func orMissing(found, missing string) string {
	if found != "" {
		return found
	}
	return missing
}

// python prefers Debian's /usr/bin/python3: the python3 first on PATH may be
// another Python without Jupyter.
func python() string {
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return "python3"
}

func lastLine(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(bytes.TrimSpace(out))), "\n")
	return lines[len(lines)-1]
}
