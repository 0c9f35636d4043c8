package fetch

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ganbook/ganbook/internal/fetch/fetchtest"
)

// short limits, with margins a loaded machine keeps: the trickling server
// writes every 100 ms against a 1 s idle limit.
var short = Timeouts{Connect: 2 * time.Second, FirstByte: time.Second, Idle: time.Second}

// silentServer accepts connections and never answers.
func silentServer(t *testing.T) string { return fetchtest.SilentServer(t) + "/file" }

// stallingServer sends its headers and half of a 1000-byte body, then stalls
// until the test ends; trickle instead sends the whole body in ten pieces, each
// 100 ms apart (slower in all than the idle limit, never idle that long).
func stallingServer(t *testing.T, trickle bool) string {
	t.Helper()
	stop := make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusOK)
		for i := range 10 {
			if i == 5 && !trickle {
				select {
				case <-stop:
				case <-r.Context().Done():
				}
				return
			}
			_, _ = w.Write(make([]byte, 100))
			w.(http.Flusher).Flush()
			if trickle {
				time.Sleep(100 * time.Millisecond)
			}
		}
	}))
	t.Cleanup(func() { close(stop); s.Close() })
	return s.URL
}

func timed(f func() error) (error, time.Duration) {
	start := time.Now()
	err := f()
	return err, time.Since(start)
}

// A server that accepts and never answers fails within the first-byte limit;
// one that stalls mid-body fails within the idle limit; one that is slow but
// keeps sending is read whole. Each error says the server stalled.
func TestTimeouts(t *testing.T) {
	err, took := timed(func() error {
		_, err := Get(context.Background(), nil, silentServer(t), short)
		return err
	})
	if !errors.Is(err, ErrStalled) || took > 4*time.Second {
		t.Errorf("silent server: %v after %s, want ErrStalled within about %s", err, took, short.FirstByte)
	}
	err, took = timed(func() error {
		r, err := Get(context.Background(), nil, stallingServer(t, false), short)
		if err != nil {
			return err
		}
		defer r.Close()
		_, err = io.ReadAll(r.Body)
		return err
	})
	if !errors.Is(err, ErrStalled) || took > 4*time.Second {
		t.Errorf("stall mid-body: %v after %s, want ErrStalled within about %s", err, took, short.Idle)
	}
	var n int
	err, _ = timed(func() error {
		r, err := Get(context.Background(), nil, stallingServer(t, true), short)
		if err != nil {
			return err
		}
		defer r.Close()
		b, err := io.ReadAll(r.Body)
		n = len(b)
		return err
	})
	if err != nil || n != 1000 {
		t.Errorf("a slow but steady server: %d bytes, %v; want all 1000", n, err)
	}
}

// Cancelling the context (Ctrl-C) stops a request at once, whether it waits
// for the first byte or for more of the body, and says it was cancelled.
func TestCancelStopsAtOnce(t *testing.T) {
	long := Timeouts{Connect: time.Minute, FirstByte: time.Minute, Idle: time.Minute}
	for name, url := range map[string]string{"waiting for headers": silentServer(t), "mid-body": stallingServer(t, false)} {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(200*time.Millisecond, cancel)
		err, took := timed(func() error {
			r, err := Get(ctx, nil, url, long)
			if err != nil {
				return err
			}
			defer r.Close()
			_, err = io.ReadAll(r.Body)
			return err
		})
		if !errors.Is(err, context.Canceled) || took > 2*time.Second {
			t.Errorf("%s: %v after %s, want context.Canceled within a second", name, err, took)
		}
	}
}

// Abandon returns when the context ends even if the work never does.
func TestAbandon(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	block := make(chan struct{})
	defer close(block)
	err, took := timed(func() error { return Abandon(ctx, func() error { <-block; return nil }) })
	if !errors.Is(err, context.Canceled) || took > time.Second {
		t.Errorf("Abandon: %v after %s", err, took)
	}
	if err := Abandon(context.Background(), func() error { return io.EOF }); err != io.EOF {
		t.Errorf("Abandon returned %v, want f's error", err)
	}
}

// WatchFolder ends its context while nothing under the folder grows, and not
// while a file keeps growing.
func TestWatchFolder(t *testing.T) {
	dir := t.TempDir()
	ctx, stop := WatchFolder(context.Background(), dir, time.Second)
	defer stop()
	f, err := os.Create(filepath.Join(dir, "blob.part"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for range 8 { // 800 ms of steady growth
		time.Sleep(100 * time.Millisecond)
		if _, err := f.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
		if ctx.Err() != nil {
			t.Fatalf("stopped while the file grew: %v", context.Cause(ctx))
		}
	}
	select {
	case <-ctx.Done():
		if !errors.Is(context.Cause(ctx), ErrStalled) {
			t.Errorf("cause %v, want ErrStalled", context.Cause(ctx))
		}
	case <-time.After(4 * time.Second):
		t.Error("still running 4 s after the file stopped growing (limit 1 s)")
	}
}
