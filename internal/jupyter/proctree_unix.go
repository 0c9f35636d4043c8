//go:build unix

package jupyter

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// stopTree ends a process and everything it started: Jupyter starts the
// kernel in a session of its own and GoNB starts gopls and each cell's
// program, so a signal to the runner alone leaves them running. Where /proc
// lists the tree (Linux), each member gets SIGTERM, then SIGKILL after grace;
// elsewhere only pid is killed.
func stopTree(pid int, grace time.Duration) error {
	tree := append([]int{pid}, descendants(pid)...)
	for _, p := range tree {
		_ = syscall.Kill(p, syscall.SIGTERM)
	}
	deadline := time.Now().Add(grace)
	for {
		var alive []int
		for _, p := range tree {
			if syscall.Kill(p, 0) == nil && !zombie(p) {
				alive = append(alive, p)
			}
		}
		if len(alive) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			// Only those still there a moment ago: a PID that ended since may
			// already name another process.
			for _, p := range alive {
				_ = syscall.Kill(p, syscall.SIGKILL)
			}
			return nil
		}
		tree = alive
		time.Sleep(50 * time.Millisecond)
	}
}

// descendants lists the processes below pid, from /proc (none where there is
// no /proc).
func descendants(pid int) []int {
	children := map[int][]int{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, s := range stats {
		p, ppid, ok := readStat(s)
		if ok {
			children[ppid] = append(children[ppid], p)
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// readStat reads a process's pid and parent pid from /proc/PID/stat
// ("pid (comm) state ppid ...", where comm may hold spaces and parentheses).
func readStat(path string) (pid, ppid int, ok bool) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, false
	}
	s := string(raw)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return 0, 0, false
	}
	fields := strings.Fields(s[end+1:])
	if len(fields) < 2 {
		return 0, 0, false
	}
	pid, err1 := strconv.Atoi(strings.TrimSpace(s[:open]))
	ppid, err2 := strconv.Atoi(fields[1])
	return pid, ppid, err1 == nil && err2 == nil
}

// zombie reports whether pid has exited and waits to be reaped.
func zombie(pid int) bool {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(raw)
	if end := strings.LastIndexByte(s, ')'); end >= 0 {
		f := strings.Fields(s[end+1:])
		return len(f) > 0 && f[0] == "Z"
	}
	return false
}
