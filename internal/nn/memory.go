package nn

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// ErrNotEnoughMemory: the estimated peak memory of a run is more than
// MemoryMargin of the memory available; the run is refused before any graph is
// built, instead of being killed by the kernel with no message.
var ErrNotEnoughMemory = errors.New("not enough memory")

// MemoryError is ErrNotEnoughMemory with what a caller needs to advise: the
// setting that decides the memory (e.g. "batch", "size") and its largest value
// that fits (0: none does). The command line names its flag.
type MemoryError struct {
	What        string // e.g. "training the dcgan at 64x64x3 with batch 4096"
	Need, Avail int64  // bytes: the estimate, and what the machine has
	Source      string // where Avail comes from (cgroup limit, MemAvailable)
	Setting     string
	Largest     int
}

func (e *MemoryError) Error() string {
	msg := fmt.Sprintf("%s needs about %s (estimate), more than %.0f%% of the %s available (%s)",
		e.What, FormatBytes(e.Need), MemoryMargin*100, FormatBytes(e.Avail), e.Source)
	if e.Largest > 0 {
		return fmt.Sprintf("%s: the largest %s that fits is %d", msg, e.Setting, e.Largest)
	}
	return fmt.Sprintf("%s: not even the smallest %s fits: free some memory", msg, e.Setting)
}

func (e *MemoryError) Is(target error) bool { return target == ErrNotEnoughMemory }

// MemoryLimitEnv overrides AvailableMemory with a number of bytes (suffixes K,
// M, G and T, powers of 1024, are accepted): tests use it to simulate a small
// machine, users to keep a run smaller than the machine. 0 or "off" turns the
// check off.
const MemoryLimitEnv = "GANBOOK_MEMORY_LIMIT"

// MemoryMargin: a run is refused when its estimate is more than this fraction
// of the available memory (the estimates were within 10% of the measured
// peaks of whole runs, except the MLP GAN's, 10% under; docs/reliability.md, "Memory").
const MemoryMargin = 0.9

// AvailableMemory is the memory this process may still use: the smallest of
// the cgroup limit (v2 memory.max, v1 memory.limit_in_bytes) minus the cgroup's
// usage (less its inactive page cache, which the kernel reclaims first), and
// /proc/meminfo's MemAvailable; source says which. ok is false where none is
// known (other operating systems, MemoryLimitEnv set to 0 or "off"): callers
// then skip the check, never fail.
func AvailableMemory() (bytes int64, source string, ok bool) {
	if v, set := os.LookupEnv(MemoryLimitEnv); set && strings.TrimSpace(v) != "" {
		n, err := ParseBytes(v)
		if err != nil || n <= 0 {
			return 0, "", false
		}
		return n, "$" + MemoryLimitEnv, true
	}
	best, src := int64(math.MaxInt64), ""
	consider := func(n int64, s string) {
		if n >= 0 && n < best {
			best, src = n, s
		}
	}
	for _, c := range cgroupLimits() {
		consider(c.available, c.source)
	}
	if n, ok := memAvailable("/proc/meminfo"); ok {
		consider(n, "/proc/meminfo MemAvailable")
	}
	if src == "" {
		return 0, "", false
	}
	return best, src, true
}

type cgroupLimit struct {
	available int64
	source    string
}

// cgroupLimits reads the memory limits of this process's cgroup (its own
// folder, from /proc/self/cgroup, and the mount's root, which is the process's
// cgroup inside a container's namespace). A limit of "max" or of 2^62 bytes or
// more means none.
func cgroupLimits() []cgroupLimit {
	var out []cgroupLimit
	v1, v2 := []string{"/sys/fs/cgroup/memory"}, []string{"/sys/fs/cgroup"}
	if raw, err := os.ReadFile("/proc/self/cgroup"); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
			parts := strings.SplitN(line, ":", 3)
			if len(parts) != 3 || parts[2] == "/" {
				continue
			}
			switch {
			case parts[0] == "0" && parts[1] == "":
				v2 = append(v2, filepath.Join("/sys/fs/cgroup", parts[2]))
			case strings.Contains(","+parts[1]+",", ",memory,"):
				v1 = append(v1, filepath.Join("/sys/fs/cgroup/memory", parts[2]))
			}
		}
	}
	read := func(path string) (int64, bool) {
		raw, err := os.ReadFile(path)
		if err != nil {
			return 0, false
		}
		s := strings.TrimSpace(string(raw))
		if s == "max" {
			return 0, false
		}
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil && n < 1<<62
	}
	add := func(dir, limitFile, usageFile, inactiveKey string) {
		limit, ok := read(filepath.Join(dir, limitFile))
		if !ok {
			return
		}
		used, _ := read(filepath.Join(dir, usageFile))
		used -= statValue(filepath.Join(dir, "memory.stat"), inactiveKey)
		out = append(out, cgroupLimit{available: max(0, limit-max(0, used)), source: "cgroup " + filepath.Join(dir, limitFile)})
	}
	for _, d := range v2 {
		add(d, "memory.max", "memory.current", "inactive_file")
	}
	for _, d := range v1 {
		add(d, "memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file")
	}
	return out
}

// statValue is the value of key in a cgroup memory.stat file (0 if absent).
func statValue(path, key string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), " "); ok && k == key {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

// memAvailable reads MemAvailable (kB) from a meminfo file.
func memAvailable(path string) (int64, bool) {
	if runtime.GOOS != "linux" {
		return 0, false
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n * 1024, err == nil
		}
	}
	return 0, false
}

// ParseBytes reads a number of bytes: "123456789", "512M", "2G", "1.5T" (K, M,
// G, T: powers of 1024; a trailing B or iB is allowed). "off" is 0.
func ParseBytes(s string) (int64, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "OFF" {
		return 0, nil
	}
	s = strings.TrimSuffix(strings.TrimSuffix(s, "B"), "I")
	mult := 1.0
	if s != "" {
		if i := strings.IndexByte("KMGT", s[len(s)-1]); i >= 0 {
			mult, s = math.Pow(1024, float64(i+1)), s[:len(s)-1]
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("%q is not a number of bytes (e.g. 8G)", s)
	}
	return int64(f * mult), nil
}

// FormatBytes writes n bytes in decimal units: "19.6 GB" from 1 GB up, "512 MB"
// below.
func FormatBytes(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.0f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%d kB", n/1000)
}

// CheckMemory compares the estimated peak of a run with the available memory.
// It returns nil when the run fits (or nothing is known about the machine),
// and otherwise an error wrapping ErrNotEnoughMemory that says what (e.g.
// "a style transfer at 1024 px"), the estimate, the memory available and
// where that figure comes from; advice (e.g. "the largest --size that fits is
// 736") ends the line. advice gets the usable bytes (MemoryMargin of the
// available memory).
//
// When the run fits, the Go garbage collector is given a soft limit of the
// available memory (unless GOMEMLIMIT already set one): near it the collector
// works harder instead of letting freed buffers pile up until the kernel kills
// the process.
func CheckMemory(what string, estimate int64, setting string, largest func(usable int64) int) error {
	avail, source, ok := AvailableMemory()
	if !ok {
		return nil
	}
	usable := int64(float64(avail) * MemoryMargin)
	if estimate > usable {
		return &MemoryError{What: what, Need: estimate, Avail: avail, Source: source, Setting: setting, Largest: largest(usable)}
	}
	if os.Getenv("GOMEMLIMIT") == "" && debug.SetMemoryLimit(-1) == math.MaxInt64 {
		debug.SetMemoryLimit(avail)
	}
	return nil
}

// ReleaseMemory hands the buffers of finished graph runs back to the Go heap.
//
// Why: the pure-Go backend returns a run's intermediate buffers to sync.Pools
// (one per size), which keep them through the next garbage collection, and
// buffers of sizes no later run asks for are rarely reused; the heap then
// holds the buffers of the previous runs on top of the next one's. Two
// collections empty the pools (measured: with its two target runs each
// followed by ReleaseMemory, a one-step style transfer peaked at 0.97 to 1.07 GB
// instead of 1.18 GB at 256 px, and 13.05 GB instead of 19.6 GB at 1024 px).
func ReleaseMemory() {
	runtime.GC()
	runtime.GC()
}
