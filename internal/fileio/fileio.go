// Package fileio holds the file handling every part of ganbook shares: files
// written atomically (temporary file, then rename), copies, hashes, and the
// checks made before a file is read or written.
package fileio

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFileAtomic writes a file through write into a temporary file in the same
// directory, syncs it, and renames it over path: readers and crashes see either
// the old file or the whole new one, never a partial file.
func WriteFileAtomic(path string, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("%s: directory %s does not exist: create it first", path, dir)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err = os.Chmod(tmp, 0o644); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// SHA256File returns the hex SHA-256 of a file's content.
func SHA256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// CopyFile copies src to dst atomically (WriteFileAtomic), streaming. A
// missing src is an error that wraps os.ErrNotExist.
func CopyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return WriteFileAtomic(dst, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}

// CheckWritable makes sure a file can be written at path before any work goes
// into it: a temporary file is created beside it and removed (write
// permission alone is no answer for root, or on a read-only mount).
func CheckWritable(path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".check-*")
	if err != nil {
		return fmt.Errorf("%s cannot be written (%v): choose a folder you can write to", path, errors.Unwrap(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// ErrNotRegular: a path names a device, pipe or socket where a file is needed.
var ErrNotRegular = errors.New("not a regular file")

// CheckRegularFile refuses, before anything opens it, a path that exists but is
// not a regular file or a directory: opening a FIFO blocks until someone writes
// to it, and a device such as /dev/zero never ends. A missing path passes (the
// open that follows says so).
func CheckRegularFile(path string) error {
	st, err := os.Stat(path)
	if err != nil || st.Mode().IsRegular() || st.IsDir() {
		return nil
	}
	return fmt.Errorf("%s: %w (a device, pipe or socket): give a file", path, ErrNotRegular)
}

// RemoveStaleTemp removes, in the folders, the temporary files of interrupted
// atomic writes (WriteFileAtomic names them .NAME.tmp-RANDOM) and returns them.
func RemoveStaleTemp(dirs ...string) []string {
	var removed []string
	for _, dir := range dirs {
		matches, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*"))
		for _, m := range matches {
			if st, err := os.Lstat(m); err == nil && st.Mode().IsRegular() && os.Remove(m) == nil {
				removed = append(removed, m)
			}
		}
	}
	return removed
}
