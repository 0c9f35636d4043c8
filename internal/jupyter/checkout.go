package jupyter

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"

	"github.com/ganbook/ganbook/internal/fileio"
)

// stampFile, in the checkout kernel's folder, records what the kernel was built
// from: when go.mod, go.sum, the checkout's place or the toolchain change, it
// is built again.
const stampFile = "ganbook-stamp"

// specVersion changes whenever Install writes the spec differently, so a
// checkout's kernel is rebuilt when ganbook (not only go.mod) changes it.
const specVersion = 1

// CheckoutKernel makes sure the checkout's own ganbook kernel (CheckoutTarget)
// is installed and built from the current go.mod, installing it when it is
// missing or stale (a few minutes the first time, seconds after), and returns
// the Jupyter path to put first on JUPYTER_PATH. Callers in other processes (test
// binaries run side by side) wait for one another on a lock.
func CheckoutKernel(ctx context.Context, root string, log func(string)) (string, error) {
	t := CheckoutTarget(root)
	if err := os.MkdirAll(t.DataDir, 0o755); err != nil {
		return "", fmt.Errorf("cannot create the checkout's Jupyter folder: %w", err)
	}
	lock := flock.New(filepath.Join(t.DataDir, ".install.lock"))
	ok, err := lock.TryLockContext(ctx, 250*time.Millisecond)
	if err != nil || !ok {
		return "", fmt.Errorf("waiting for another ganbook to install the kernel in %s: %v", t.DataDir, err)
	}
	defer lock.Unlock()
	want, err := kernelStamp(root)
	if err != nil {
		return "", err
	}
	if current(t, want) {
		return t.DataDir, nil
	}
	if log == nil {
		log = func(string) {}
	}
	// No stamp while the tools and the spec change: a failed install is not current.
	if err := os.Remove(filepath.Join(t.SpecDir(), stampFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if _, err := Install(ctx, root, t, log); err != nil {
		return "", err
	}
	err = fileio.WriteFileAtomic(filepath.Join(t.SpecDir(), stampFile), func(w io.Writer) error {
		_, err := io.WriteString(w, want)
		return err
	})
	return t.DataDir, err
}

// current reports whether t holds a kernel built for stamp, with its tools.
func current(t Target, stamp string) bool {
	got, err := os.ReadFile(filepath.Join(t.SpecDir(), stampFile))
	if err != nil || string(got) != stamp {
		return false
	}
	for _, f := range []string{filepath.Join(t.SpecDir(), "kernel.json"), filepath.Join(t.GoBin, "gonb"), filepath.Join(t.GoBin, "goimports")} {
		if _, err := os.Stat(f); err != nil {
			return false
		}
	}
	return true
}

// kernelStamp hashes what a built kernel depends on.
func kernelStamp(root string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "spec %d\nroot %s\ntoolchain %s\n", specVersion, root, Toolchain(root))
	for _, f := range []string{"go.mod", "go.sum"} {
		raw, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", f, len(raw))
		h.Write(raw)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
