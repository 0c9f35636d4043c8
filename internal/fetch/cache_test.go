package fetch

import (
	"path/filepath"
	"strings"
	"testing"
)

// The cache folder follows an absolute XDG_CACHE_HOME; a relative one is an
// error that names it (Go's own UserCacheDir refused it, and ganbook used to
// fall back, silently, to the shared temporary folder).
func TestCacheDir(t *testing.T) {
	abs := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", abs)
	if got, err := CacheDir("mnist"); err != nil || got != filepath.Join(abs, "ganbook", "mnist") {
		t.Errorf("absolute XDG_CACHE_HOME: %q, %v", got, err)
	}
	t.Setenv("XDG_CACHE_HOME", "cache")
	got, err := CacheDir("mnist")
	if err == nil || !strings.Contains(err.Error(), `XDG_CACHE_HOME="cache" is a relative path`) {
		t.Errorf("relative XDG_CACHE_HOME: %q, %v; want an error naming it", got, err)
	}
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "")
	if got, err := CacheDir("x"); err == nil || !strings.Contains(err.Error(), "set HOME") {
		t.Errorf("no HOME: %q, %v", got, err)
	}
}
