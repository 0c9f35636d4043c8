package nn

import (
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"123": 123, "2K": 2048, "512M": 512 << 20, "1.5G": 3 << 29, "8GiB": 8 << 30, "1T": 1 << 40, "off": 0} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := ParseBytes("lots"); err == nil {
		t.Error("ParseBytes(lots) did not fail")
	}
}

func TestMemAvailable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meminfo")
	os.WriteFile(path, []byte("MemTotal:       24683548 kB\nMemFree:        1 kB\nMemAvailable:   2000 kB\n"), 0o644)
	if n, ok := memAvailable(path); ok && n != 2000*1024 {
		t.Errorf("memAvailable = %d, want %d", n, 2000*1024)
	}
}

// keepMemoryLimit undoes the soft limit a passing CheckMemory sets.
func keepMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
}

func TestCheckMemory(t *testing.T) {
	keepMemoryLimit(t)
	t.Setenv(MemoryLimitEnv, "1G")
	n, src, ok := AvailableMemory()
	if !ok || n != 1<<30 || !strings.Contains(src, MemoryLimitEnv) {
		t.Fatalf("AvailableMemory = %d, %q, %v; want 1 GiB from $%s", n, src, ok, MemoryLimitEnv)
	}
	var usable int64
	err := CheckMemory("a test", 1<<30, "batch", func(u int64) int { usable = u; return 16 })
	var me *MemoryError
	if !errors.Is(err, ErrNotEnoughMemory) || !errors.As(err, &me) || me.Largest != 16 || strings.Contains(err.Error(), "\n") {
		t.Fatalf("CheckMemory = %v, want one line, a MemoryError with the largest batch, wrapping ErrNotEnoughMemory", err)
	}
	for _, want := range []string{"a test", "1.1 GB (estimate)", "1.1 GB available", "the largest batch that fits is 16"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
	if usable != usableOf(1<<30) {
		t.Errorf("advice got %d usable bytes, want %g of 1 GiB", usable, MemoryMargin)
	}
	if err := CheckMemory("a test", 1<<29, "batch", nil); err != nil {
		t.Errorf("half the memory: %v", err)
	}
	t.Setenv(MemoryLimitEnv, "off")
	if _, _, ok := AvailableMemory(); ok {
		t.Error("GANBOOK_MEMORY_LIMIT=off still reports memory")
	}
	if err := CheckMemory("a test", 1<<62, "batch", nil); err != nil {
		t.Errorf("with the check off: %v", err)
	}
}

func usableOf(n int64) int64 { m := MemoryMargin; return int64(float64(n) * m) }
