package styletransfer

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganbook/ganbook/internal/fetch/fetchtest"
)

// fullVGGFile is a torchvision-like VGG-19 file holding every convolution
// with its real shape (80 MB; small weights, so the network runs), and the
// classifier's first tensor after them, as in the real file.
func fullVGGFile() []byte {
	header := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	var size int
	for _, tn := range VGG19Tensors() {
		n := 4
		for _, d := range tn.Shape {
			n *= d
		}
		header[tn.Name] = map[string]any{"dtype": "F32", "shape": tn.Shape, "data_offsets": []int{size, size + n}}
		size += n
	}
	header["classifier.0.bias"] = map[string]any{"dtype": "F32", "shape": []int{4}, "data_offsets": []int{size, size + 16}}
	size += 16
	js, _ := json.Marshal(header)
	out := make([]byte, 8, 8+len(js)+size)
	binary.LittleEndian.PutUint64(out, uint64(len(js)))
	out = append(out, js...)
	data := make([]byte, size)
	for i := 0; i+4 <= size; i += 4 {
		binary.LittleEndian.PutUint32(data[i:], 0x3c23d70a) // 0.01
	}
	return append(out, data...)
}

// The default network's three routes, with a local server standing in for the
// Hub: it serves (the convolutions are fetched once, 80 MB, and reused without
// the network), it refuses, or it hangs past OfflineAfter; the last two go on
// with random features within seconds, saying why in one line.
func TestDefaultNetworkRoutes(t *testing.T) {
	old := OfflineAfter
	OfflineAfter = 500 * time.Millisecond
	t.Cleanup(func() { OfflineAfter = old })
	file := fullVGGFile()
	var served atomic.Int64
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &countWriter{w, &served}
		http.ServeContent(cw, r, "model.safetensors", time.Time{}, bytes.NewReader(file))
	}))
	t.Cleanup(hub.Close)
	refuses := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusForbidden)
	}))
	t.Cleanup(refuses.Close)

	setup := func(endpoint string) (string, time.Duration) {
		t.Helper()
		t.Setenv("HF_ENDPOINT", endpoint)
		offline.why = "" // each route asks the Hub afresh
		start := time.Now()
		network, err := SetupVGG(context.Background(), model.NewStore(), "", 2, 1)
		if err != nil {
			t.Fatalf("%s: %v", endpoint, err)
		}
		return network, time.Since(start)
	}
	for name, endpoint := range map[string]string{"refuses": refuses.URL, "hangs": fetchtest.SilentServer(t)} {
		t.Setenv("XDG_CACHE_HOME", t.TempDir())
		network, took := setup(endpoint)
		if !strings.HasPrefix(network, "random-weight VGG-19") || !strings.Contains(network, "could not be fetched") ||
			strings.Contains(network, "\n") || took > 3*time.Second {
			t.Errorf("a Hub that %s: %q after %s, want random features and why, in one line, within seconds", name, network, took.Round(time.Millisecond))
		}
	}

	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	network, _ := setup(hub.URL)
	var convBytes int64 // the convolutions, plus the header's bytes at most (64 KiB)
	for _, tn := range VGG19Tensors() {
		n := int64(4)
		for _, d := range tn.Shape {
			n *= int64(d)
		}
		convBytes += n
	}
	if !strings.HasPrefix(network, "pretrained VGG-19") || served.Load() < convBytes || served.Load() > convBytes+64<<10 {
		t.Errorf("a Hub that serves: %q, %d bytes served, want the pretrained network and about %d bytes (the convolutions)", network, served.Load(), convBytes)
	}
	before := served.Load()
	network, _ = setup(refuses.URL) // the cache answers; the Hub is not asked
	if !strings.HasPrefix(network, "pretrained VGG-19") || served.Load() != before {
		t.Errorf("second run: %q, %d more bytes served, want the cached pretrained network and none", network, served.Load()-before)
	}

	// Offline, the verdict is remembered: a second run in the same program
	// does not ask the Hub again.
	var asked atomic.Int64
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		<-r.Context().Done() // never answers
	}))
	t.Cleanup(silent.Close)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	setup(silent.URL)
	first := asked.Load()
	network, err := SetupVGG(context.Background(), model.NewStore(), "", 2, 1)
	if err != nil || !strings.Contains(network, "could not be fetched") || first == 0 || asked.Load() != first {
		t.Errorf("second offline run: %q (%v), the Hub asked %d times, then %d: want the remembered verdict without asking", network, err, first, asked.Load())
	}
}

type countWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n.Add(int64(n))
	return n, err
}
