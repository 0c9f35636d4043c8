package fileio

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// A failing writer leaves neither the file nor a temporary file behind.
func TestWriteFileAtomicLeavesNothingOnError(t *testing.T) {
	dir := t.TempDir()
	err := WriteFileAtomic(filepath.Join(dir, "c.png"), func(w io.Writer) error { _, _ = w.Write([]byte("half")); return io.ErrShortWrite })
	if !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("want the writer's error, got %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a failed write left %d entries", len(entries))
	}
}

// CopyFile copies the bytes and replaces dst whole; a missing source says so.
func TestCopyFile(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if err := os.WriteFile(src, []byte("ganbook"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, []byte("an older, longer file"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CopyFile(src, dst); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dst); string(got) != "ganbook" {
		t.Errorf("copy holds %q, want %q", got, "ganbook")
	}
	if err := CopyFile(filepath.Join(dir, "none"), dst); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing source: %v, want os.ErrNotExist", err)
	}
}
