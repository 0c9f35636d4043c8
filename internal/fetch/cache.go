package fetch

import (
	"fmt"
	"os"
	"path/filepath"
)

// CacheDir is ganbook's folder sub in the user's cache:
// $XDG_CACHE_HOME/ganbook/sub, or ~/.cache/ganbook/sub (on macOS
// ~/Library/Caches, on Windows %LocalAppData%). A relative $XDG_CACHE_HOME,
// which the XDG spec says to ignore and Go refuses, and a missing home are
// errors that say so, rather than a silent move to the shared temporary folder.
func CacheDir(sub string) (string, error) {
	if x := os.Getenv("XDG_CACHE_HOME"); x != "" && !filepath.IsAbs(x) {
		return "", fmt.Errorf("XDG_CACHE_HOME=%q is a relative path, which is not used for caches: set it to an absolute path (or unset it for ~/.cache)", x)
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("the user cache folder is unknown (%v): set HOME or XDG_CACHE_HOME", err)
	}
	return filepath.Join(dir, "ganbook", sub), nil
}
