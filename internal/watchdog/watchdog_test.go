package watchdog

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestFiresWithoutKicks(t *testing.T) {
	var fired atomic.Int64
	w := Start(30*time.Millisecond, func(since time.Duration) { fired.Store(int64(since)) })
	defer w.Stop()
	time.Sleep(150 * time.Millisecond)
	if got := time.Duration(fired.Load()); got < 30*time.Millisecond {
		t.Fatalf("fired after %v, want >= 30ms", got)
	}
}

func TestKicksKeepItQuiet(t *testing.T) {
	var fired atomic.Bool
	w := Start(100*time.Millisecond, func(time.Duration) { fired.Store(true) })
	for range 20 {
		time.Sleep(10 * time.Millisecond)
		w.Kick()
	}
	w.Stop()
	time.Sleep(150 * time.Millisecond)
	if fired.Load() {
		t.Fatal("fired although kicked every 10ms and then stopped")
	}
	Start(0, func(time.Duration) { t.Error("a zero timeout must never fire") }).Kick()
}
