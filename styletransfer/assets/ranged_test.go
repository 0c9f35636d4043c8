package assets

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ganbook/ganbook/internal/fetch"
	"github.com/ganbook/ganbook/internal/safetensors"
)

// rangedTensors are the tensors the tests fetch: VGG-19's first two
// convolutions, with their real shapes (the whole network is 80 MB).
var rangedTensors = []Tensor{
	{"features.0.weight", []int{64, 3, 3, 3}}, {"features.0.bias", []int{64}},
	{"features.2.weight", []int{64, 64, 3, 3}}, {"features.2.bias", []int{64}},
}

// fakeVGGFile is a torchvision-like .safetensors file: the two convolutions,
// an unused tensor between them (so the needed bytes are two runs) and a
// large unused classifier.
func fakeVGGFile(t *testing.T) ([]byte, map[string][]float32) {
	t.Helper()
	shapes := map[string][]int{
		"features.0.weight": {64, 3, 3, 3}, "features.0.bias": {64},
		"features.1.unused": {1000},
		"features.2.weight": {64, 64, 3, 3}, "features.2.bias": {64},
		"classifier.0.weight": {256, 1024},
	}
	values := map[string][]float32{}
	raws := map[string]safetensors.Raw{}
	for name, shape := range shapes {
		n := 1
		for _, d := range shape {
			n *= d
		}
		v := make([]float32, n)
		data := make([]byte, 0, 4*n)
		for i := range v {
			v[i] = float32(math.Sin(float64(i)*0.37+float64(len(name)))) * 0.1
			data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v[i]))
		}
		values[name] = v
		raws[name] = safetensors.Raw{DType: "F32", Shape: shape, Data: data}
	}
	var buf bytes.Buffer
	if err := safetensors.Encode(&buf, raws, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), values
}

// rawFile builds a .safetensors file from a hand-written (possibly lying) header.
func rawFile(header map[string]any, data []byte) []byte {
	js, _ := json.Marshal(header)
	var out bytes.Buffer
	_ = binary.Write(&out, binary.LittleEndian, uint64(len(js)))
	out.Write(js)
	out.Write(data)
	return out.Bytes()
}

// rangeServer serves a file like the Hub's CDN (http.ServeContent does byte
// ranges), counting the requests and the body bytes sent.
type rangeServer struct {
	data     []byte
	requests atomic.Int64
	served   atomic.Int64
	// handle, when set, answers instead of ServeContent.
	handle func(w http.ResponseWriter, r *http.Request, data []byte)
}

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

// Unwrap lets http.NewResponseController reach the server's writer (Flush).
func (c countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n.Add(int64(n))
	return n, err
}

func (s *rangeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	w.Header().Set("ETag", `"v1"`)
	w.Header().Set("X-Repo-Commit", "0123abcd")
	cw := countingWriter{w, &s.served}
	if s.handle != nil {
		s.handle(cw, r, s.data)
		return
	}
	http.ServeContent(cw, r, "model.safetensors", time.Time{}, bytes.NewReader(s.data))
}

func serve(t *testing.T, s *rangeServer) string {
	t.Helper()
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts.URL + "/timm/vgg19.tv_in1k/resolve/main/model.safetensors"
}

// noCache fails the test if anything (the cache file or a temporary) was left in dir.
func noCache(t *testing.T, dir string) {
	t.Helper()
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("a failed download left %v in the cache", left[0].Name())
	}
}

// The features are fetched by ranges (only the needed bytes cross the wire),
// cached with their hashes, load into the network with the right values, and
// are reused without the network.
func TestDownloadFeaturesByRange(t *testing.T) {
	file, values := fakeVGGFile(t)
	srv := &rangeServer{data: file}
	url := serve(t, srv)
	dir := t.TempDir()
	path := filepath.Join(dir, VGG19FeaturesFile)

	got, err := downloadFeatures(context.Background(), path, url, nil, rangedTensors, fetch.Default)
	if err != nil {
		t.Fatal(err)
	}
	if got != path {
		t.Fatalf("cached at %s, want %s", got, path)
	}
	headerLen := int64(binary.LittleEndian.Uint64(file))
	need := int64(0)
	for _, n := range []string{"features.0.weight", "features.0.bias", "features.2.weight", "features.2.bias"} {
		need += 4 * int64(len(values[n]))
	}
	if want := 8 + headerLen + need; srv.served.Load() != want {
		t.Errorf("served %d bytes, want exactly the header and the needed tensors: %d (the file is %d)", srv.served.Load(), want, len(file))
	}
	// The size, the header, and two runs of tensors (the unused one between them is skipped).
	if srv.requests.Load() != 4 {
		t.Errorf("%d requests, want 4 (size, header, two runs)", srv.requests.Load())
	}

	st, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if names := st.Names(); len(names) != 4 {
		t.Errorf("cached tensors %v, want the 4 needed ones", names)
	}
	for name, want := range values {
		if !strings.HasPrefix(name, "features.0.") && !strings.HasPrefix(name, "features.2.") {
			continue
		}
		e := st.Entries[name]
		v, err := st.Float32(name, e.Shape...)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if v[i] != want[i] {
				t.Fatalf("%s[%d] = %g, want %g", name, i, v[i], want[i])
			}
		}
	}
	m := st.Metadata
	if m[metaSource] != url || m[metaSourceBytes] != fmt.Sprint(len(file)) || m[metaSourceETag] != `"v1"` || m[metaHubCommit] != "0123abcd" ||
		!strings.Contains(m[metaNote], "whole file") || len(m[metaSHA256Prefix+"features.2.weight"]) != 64 ||
		m[metaOffsetsPrefix+"features.0.bias"] == "" || !strings.HasPrefix(m[metaRangePrefix+"1"], "bytes=") {
		t.Errorf("metadata lacks the source, offsets, hashes or note: %v", m)
	}
	st.Close()

	if p, ok := CachedVGG19(dir); !ok || p != path {
		t.Errorf("CachedVGG19 = %q, %v, want the features file", p, ok)
	}

	// A second call uses the cache: no request.
	before := srv.requests.Load()
	if _, err := downloadFeatures(context.Background(), path, url, nil, rangedTensors, fetch.Default); err != nil {
		t.Fatal(err)
	}
	if srv.requests.Load() != before {
		t.Error("a cached download asked the server again")
	}

	// A corrupted cache (one flipped bit in a tensor) is detected by every load.
	raw, _ := os.ReadFile(path)
	raw[len(raw)-5] ^= 0x10
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	for what, err := range map[string]error{
		"CheckTensor":    checkTensors(path),
		"VerifyFeatures": VerifyFeatures(path),
		"download": func() error {
			_, err := downloadFeatures(context.Background(), path, url, nil, rangedTensors, fetch.Default)
			return err
		}(),
	} {
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "corrupt") ||
			!strings.Contains(err.Error(), "delete it and download the features again") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s of a corrupted cache: want a one-line error naming the file and the fix, got %v", what, err)
		}
	}
	if srv.requests.Load() != before {
		t.Error("a corrupted cache was silently downloaded again")
	}
}

// checkTensors opens path and checks each tensor with CheckTensor, as
// styletransfer.LoadVGG19 does.
func checkTensors(path string) error {
	st, err := safetensors.Open(path)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, t := range rangedTensors {
		if err := CheckTensor(st, path, t.Name); err != nil {
			return err
		}
	}
	return nil
}

// Servers that do not give exactly the asked bytes, and headers that lie,
// are refused before anything is cached.
func TestDownloadFeaturesRefuses(t *testing.T) {
	file, _ := fakeVGGFile(t)
	headerLen := int(binary.LittleEndian.Uint64(file))
	// truncate answers with the range headers right but only half the body
	// for requests of more than the header.
	truncate := func(announce bool) func(w http.ResponseWriter, r *http.Request, data []byte) {
		return func(w http.ResponseWriter, r *http.Request, data []byte) {
			var a, b int
			if _, err := fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-%d", &a, &b); err != nil {
				http.Error(w, "no range", http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", a, b, len(data)))
			if announce {
				w.Header().Set("Content-Length", fmt.Sprint(b-a+1))
			}
			w.WriteHeader(http.StatusPartialContent)
			body := data[a : b+1]
			if a > 8+headerLen-1 {
				body = body[:len(body)/2]
			}
			_, _ = w.Write(body)
		}
	}
	lyingOffsets := rawFile(map[string]any{
		"features.0.weight": map[string]any{"dtype": "F32", "shape": []int{64, 3, 3, 3}, "data_offsets": []int{0, 6912}},
		"features.0.bias":   map[string]any{"dtype": "F32", "shape": []int{64}, "data_offsets": []int{6912, 7168}},
		"features.2.weight": map[string]any{"dtype": "F32", "shape": []int{64, 64, 3, 3}, "data_offsets": []int{7168, 7168 + 147456}},
		"features.2.bias":   map[string]any{"dtype": "F32", "shape": []int{64}, "data_offsets": []int{7168 + 147456, 7168 + 147456 + 256}},
	}, make([]byte, 7168)) // the data stops after features.0
	lyingShape := rawFile(map[string]any{
		"features.0.weight": map[string]any{"dtype": "F32", "shape": []int{64, 3, 3, 3}, "data_offsets": []int{0, 100}},
		"features.0.bias":   map[string]any{"dtype": "F32", "shape": []int{64}, "data_offsets": []int{100, 356}},
	}, make([]byte, 356))
	wrongDType := rawFile(map[string]any{
		"features.0.weight": map[string]any{"dtype": "F16", "shape": []int{64, 3, 3, 3}, "data_offsets": []int{0, 3456}},
	}, make([]byte, 3456))
	overlap := rawFile(map[string]any{
		"features.0.weight": map[string]any{"dtype": "F32", "shape": []int{64, 3, 3, 3}, "data_offsets": []int{0, 6912}},
		"features.0.bias":   map[string]any{"dtype": "F32", "shape": []int{64}, "data_offsets": []int{6000, 6256}},
		"features.2.weight": map[string]any{"dtype": "F32", "shape": []int{64, 64, 3, 3}, "data_offsets": []int{6912, 6912 + 147456}},
		"features.2.bias":   map[string]any{"dtype": "F32", "shape": []int{64}, "data_offsets": []int{6912 + 147456, 6912 + 147456 + 256}},
	}, make([]byte, 6912+147456+256))
	var changes atomic.Int64
	hugeHeader := append(binary.LittleEndian.AppendUint64(nil, 1<<40), file[8:]...)

	for _, c := range []struct {
		name string
		srv  *rangeServer
		want string
	}{
		{"server ignores ranges", &rangeServer{data: file, handle: func(w http.ResponseWriter, r *http.Request, data []byte) {
			w.Header().Set("Content-Length", fmt.Sprint(len(data)))
			_, _ = w.Write(data)
		}}, "ignored the range request"},
		{"truncated body", &rangeServer{data: file, handle: truncate(true)}, "truncated download"},
		{"truncated body without Content-Length", &rangeServer{data: file, handle: truncate(false)}, "ended after"},
		{"wrong Content-Range", &rangeServer{data: file, handle: func(w http.ResponseWriter, r *http.Request, data []byte) {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-7/%d", len(data)))
			w.WriteHeader(http.StatusPartialContent)
			_, _ = w.Write(data[:8])
		}}, `the server sent Content-Range "bytes 0-7/`},
		{"not found", &rangeServer{data: file, handle: func(w http.ResponseWriter, r *http.Request, data []byte) {
			http.NotFound(w, r)
		}}, "404"},
		{"file changes between requests", &rangeServer{data: file, handle: func(w http.ResponseWriter, r *http.Request, data []byte) {
			w.Header().Set("ETag", fmt.Sprintf(`"v%d"`, changes.Add(1)))
			http.ServeContent(w, r, "model.safetensors", time.Time{}, bytes.NewReader(data))
		}}, "the file changed on the server"},
		{"header: offsets beyond the file", &rangeServer{data: lyingOffsets}, "beyond the file"},
		{"header: shape does not match the bytes", &rangeServer{data: lyingShape}, "needs 6912 bytes, its byte range [0 100] holds 100"},
		{"header: wrong dtype", &rangeServer{data: wrongDType}, "dtype F16, want F32"},
		{"header: overlapping tensors", &rangeServer{data: overlap}, "overlap"},
		{"header: size field beyond the file", &rangeServer{data: hugeHeader}, "not a safetensors file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, VGG19FeaturesFile)
			_, err := downloadFeatures(context.Background(), path, serve(t, c.srv), nil, rangedTensors, fetch.Default)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want an error containing %q, got %v", c.want, err)
			}
			t.Log(err)
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("the error is not one line: %q", err)
			}
			noCache(t, dir)
		})
	}
}

func TestParseContentRange(t *testing.T) {
	for s, want := range map[string][3]int64{
		"bytes 0-7/100": {0, 7, 100}, "bytes 8-9/*": {8, 9, -1},
	} {
		a, b, total, ok := parseContentRange(s)
		if !ok || [3]int64{a, b, total} != want {
			t.Errorf("%q: got %d %d %d %v", s, a, b, total, ok)
		}
	}
	for _, s := range []string{"", "bytes */100", "bytes 7-0/100", "bytes 0-7", "items 0-7/100", "bytes -1-7/100"} {
		if _, _, _, ok := parseContentRange(s); ok {
			t.Errorf("%q parsed", s)
		}
	}
}

// Through the Hub's redirect to its CDN: the range survives the redirect and
// the Hub's own headers (commit, whole-file SHA-256) are recorded, unchecked.
func TestDownloadFeaturesFollowsHubRedirect(t *testing.T) {
	file, _ := fakeVGGFile(t)
	cdn := &rangeServer{data: file}
	cdnURL := serve(t, cdn)
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Linked-Etag", `"`+strings.Repeat("ab", 32)+`"`)
		w.Header().Set("X-Repo-Commit", "feedbeef")
		http.Redirect(w, r, cdnURL, http.StatusFound)
	}))
	t.Cleanup(hub.Close)
	path := filepath.Join(t.TempDir(), VGG19FeaturesFile)
	if _, err := downloadFeatures(context.Background(), path, hub.URL+"/model.safetensors", nil, rangedTensors, fetch.Default); err != nil {
		t.Fatal(err)
	}
	st, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if st.Metadata[metaHubSHA256] != strings.Repeat("ab", 32) || st.Metadata[metaHubCommit] != "feedbeef" {
		t.Errorf("hub headers not recorded: %v", st.Metadata)
	}
}
