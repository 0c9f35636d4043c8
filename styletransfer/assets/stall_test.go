package assets

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/ganbook/ganbook/internal/fetch"
	"github.com/ganbook/ganbook/internal/fetch/fetchtest"
)

// shortLimits shortens the network limits for one test.
func shortLimits(t *testing.T) {
	t.Helper()
	old := fetch.Default
	fetch.Default = fetch.Timeouts{Connect: time.Second, FirstByte: 300 * time.Millisecond, Idle: 300 * time.Millisecond}
	t.Cleanup(func() { fetch.Default = old })
}

// The features download gives up with a "stopped answering" error within its
// limits when the server never answers or stalls mid-answer, caches nothing,
// and stops at once on Ctrl-C (the context) however long the limits are.
func TestDownloadFeaturesStalls(t *testing.T) {
	shortLimits(t)
	file, _ := fakeVGGFile(t)
	midBody := &rangeServer{data: file, handle: func(w http.ResponseWriter, r *http.Request, data []byte) {
		w.Header().Set("Content-Range", "bytes 0-7/"+strconv.Itoa(len(data)))
		w.Header().Set("Content-Length", "8")
		w.WriteHeader(http.StatusPartialContent)
		_, _ = w.Write(data[:4])
		_ = http.NewResponseController(w).Flush()
		<-r.Context().Done() // the other 4 bytes never come
	}}
	for name, url := range map[string]string{"never answers": fetchtest.SilentServer(t) + "/model.safetensors", "stalls mid-body": serve(t, midBody)} {
		dir := t.TempDir()
		start := time.Now()
		_, err := DownloadVGG19Features(context.Background(), dir, url, nil, rangedTensors)
		if !errors.Is(err, fetch.ErrStalled) || time.Since(start) > 3*time.Second {
			t.Errorf("%s: %v after %s, want a stalled-server error within about a second", name, err, time.Since(start).Round(time.Millisecond))
		}
		noCache(t, dir)
	}
	fetch.Default = fetch.Timeouts{Connect: time.Minute, FirstByte: time.Minute, Idle: time.Minute}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := DownloadVGG19Features(ctx, t.TempDir(), fetchtest.SilentServer(t)+"/model.safetensors", nil, rangedTensors)
	if !errors.Is(err, context.Canceled) || time.Since(start) > 2*time.Second {
		t.Errorf("Ctrl-C: %v after %s, want context.Canceled at once", err, time.Since(start).Round(time.Millisecond))
	}
}

// The whole-file download through the Hub client stops at once on Ctrl-C, even
// while the client waits for the repository's info, which it requests without
// the context; and with the limits, a Hub that never answers is given up on.
func TestDownloadVGG19StopsOnCancel(t *testing.T) {
	t.Setenv("HF_ENDPOINT", fetchtest.SilentServer(t))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := DownloadVGG19(ctx, t.TempDir())
	if !errors.Is(err, context.Canceled) || time.Since(start) > 2*time.Second {
		t.Errorf("Ctrl-C: %v after %s, want context.Canceled at once", err, time.Since(start).Round(time.Millisecond))
	}
}
