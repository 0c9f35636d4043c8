package run

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gofrs/flock"

	"github.com/ganbook/ganbook/internal/fileio"
)

// lockName is the lock file in a run folder; it holds the writer's PID.
const lockName = "run.lock"

// Lock is a run folder's exclusive lock: one writer per run, so two trainings
// cannot interleave their checkpoints and metrics.csv. It is an flock(2) lock,
// which the OS drops when the process dies: a killed run leaves no stale lock.
type Lock struct {
	lock *flock.Flock
	// StaleRemoved lists the temporary files (.NAME.tmp-*) that a run killed
	// during a write left behind; with the lock held none can be in use, so
	// LockFolder removes them.
	StaleRemoved []string
}

// LockFolder creates the run folder if needed and takes its lock, or returns an
// error wrapping ErrLocked that names the holder's PID.
func LockFolder(dir string) (*Lock, error) {
	if err := os.MkdirAll(filepath.Join(dir, "samples"), 0o755); err != nil {
		return nil, fmt.Errorf("%s: cannot create run folder: %w", dir, err)
	}
	path := filepath.Join(dir, lockName)
	l := flock.New(path)
	ok, err := l.TryLock()
	if err != nil {
		return nil, fmt.Errorf("%s: cannot lock the run folder: %w", dir, err)
	}
	if !ok {
		holder := "another process"
		if raw, err := os.ReadFile(path); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(raw))); err == nil {
				holder = fmt.Sprintf("PID %d", pid)
			}
		}
		return nil, fmt.Errorf("%s %w (%s)", dir, ErrLocked, holder)
	}
	// The PID is for the message above; the lock itself is the flock.
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		_ = l.Unlock()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Lock{lock: l, StaleRemoved: fileio.RemoveStaleTemp(dir, filepath.Join(dir, "samples"))}, nil
}

// Unlock releases the lock (the OS also does when the process ends).
func (l *Lock) Unlock() error { return l.lock.Unlock() }
