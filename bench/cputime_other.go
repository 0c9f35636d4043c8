//go:build !unix

package bench

import "time"

// cpuTime is not available on this system (no getrusage): the cores column
// then reads 0.
func cpuTime() time.Duration { return 0 }
