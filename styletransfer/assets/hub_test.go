package assets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A blob whose content does not match its SHA-256 name is refused and deleted.
func TestVerifyBlob(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08") // sha256("test")
	_ = os.WriteFile(good, []byte("test"), 0o644)
	if err := verifyBlob(good); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, strings.Repeat("a", 64))
	_ = os.WriteFile(bad, []byte("test"), 0o644)
	if err := verifyBlob(bad); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("want a mismatch, got %v", err)
	}
	if _, err := os.Stat(bad); err == nil {
		t.Fatal("the corrupt blob was not deleted")
	}
}

// RemoveCached deletes ganbook's cached features file, and neither a copy of
// it elsewhere nor a missing file.
func TestRemoveCached(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	cached, err := FeaturesCachePath("")
	if err != nil {
		t.Fatal(err)
	}
	if RemoveCached(cached) {
		t.Error("a missing file was reported deleted")
	}
	if err := os.MkdirAll(filepath.Dir(cached), 0o755); err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(cached, []byte("x"), 0o644)
	mine := filepath.Join(t.TempDir(), VGG19FeaturesFile)
	_ = os.WriteFile(mine, []byte("x"), 0o644)
	if RemoveCached(mine) {
		t.Error("the user's copy was deleted")
	}
	if _, err := os.Stat(mine); err != nil {
		t.Error(err)
	}
	if !RemoveCached(cached) {
		t.Error("the cached file was not deleted")
	}
	if _, err := os.Stat(cached); err == nil {
		t.Error("the cached file is still there")
	}
}
