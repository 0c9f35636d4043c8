//go:build !unix

package jupyter

import (
	"os"
	"time"
)

// stopTree kills the process (Windows has no process tree to walk here).
func stopTree(pid int, _ time.Duration) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}

func descendants(int) []int { return nil }
