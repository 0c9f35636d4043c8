package styletransfer

import (
	"bytes"
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganbook/ganbook/styletransfer/assets"
)

// fetchedLayers are the layers the tests fetch: VGG-19's first two
// convolutions, with their real shapes (the whole network is 80 MB).
var fetchedLayers = VGG19Layers[:2]

// fetchFeatures serves a torchvision-like file of fetchedLayers (nan: with a
// NaN as the first weight) the way the Hub's CDN does, and fetches it by
// ranges into cacheDir ("": ganbook's cache).
func fetchFeatures(t *testing.T, cacheDir string, nan bool) string {
	t.Helper()
	w0, w2 := make([]float32, 64*3*9), make([]float32, 64*64*9)
	for i := range w0 {
		w0[i] = float32(math.Sin(float64(i)*0.37)) * 0.3
	}
	for i := range w2 {
		w2[i] = float32(math.Cos(float64(i)*0.11)) * 0.05
	}
	if nan {
		w0[0] = float32(math.NaN())
	}
	src := filepath.Join(t.TempDir(), "model.safetensors")
	writeSafetensors(t, src,
		map[string][]float32{"features.0.weight": w0, "features.0.bias": make([]float32, 64), "features.2.weight": w2, "features.2.bias": make([]float32, 64)},
		map[string][]int{"features.0.weight": {64, 3, 3, 3}, "features.0.bias": {64}, "features.2.weight": {64, 64, 3, 3}, "features.2.bias": {64}})
	file, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "model.safetensors", time.Time{}, bytes.NewReader(file))
	}))
	t.Cleanup(srv.Close)
	var want []assets.Tensor
	for _, l := range fetchedLayers {
		want = append(want, l.Tensors()...)
	}
	path, err := assets.DownloadVGG19Features(context.Background(), cacheDir, srv.URL+"/model.safetensors", nil, want)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// Fetched by ranges, the features load into the network; a corrupted cache
// (one flipped bit in a tensor) is refused by the load with a one-line error
// that names the file and the fix.
func TestLoadFetchedFeatures(t *testing.T) {
	path := fetchFeatures(t, t.TempDir(), false)
	if err := LoadVGG19(model.NewStore(), path, len(fetchedLayers)); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	raw[len(raw)-5] ^= 0x10
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	err := LoadVGG19(model.NewStore(), path, len(fetchedLayers))
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "corrupt") ||
		!strings.Contains(err.Error(), "delete it and download the features again") || strings.Contains(err.Error(), "\n") {
		t.Errorf("LoadVGG19 of a corrupted cache: want a one-line error naming the file and the fix, got %v", err)
	}
}

// A features file holding a NaN (its hashes recorded as it was fetched, so
// they match) is refused with a message and removed from the cache, rather
// than making every style run "diverge at step 1" for good.
func TestNaNFeaturesAreRefusedAndDropped(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	path := fetchFeatures(t, "", true)
	// A copy of the user's elsewhere is refused too, and not deleted.
	copyPath := filepath.Join(t.TempDir(), "mine.safetensors")
	raw, _ := os.ReadFile(path)
	_ = os.WriteFile(copyPath, raw, 0o644)
	if err := LoadVGG19(model.NewStore(), copyPath, len(fetchedLayers)); err == nil || !strings.Contains(err.Error(), "NaN") || strings.Contains(err.Error(), "deleted") {
		t.Errorf("the user's copy: %v", err)
	}
	if _, err := os.Stat(copyPath); err != nil {
		t.Error("the user's copy was deleted")
	}
	err := LoadVGG19(model.NewStore(), path, len(fetchedLayers))
	if err == nil || !strings.Contains(err.Error(), "NaN") || !strings.Contains(err.Error(), "deleted from the cache") {
		t.Errorf("want a NaN error that says the file was deleted, got %v", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("the NaN file is still cached")
	}
}

// What a real run fetches: VGG-19's sixteen convolutions, float32, named and
// shaped as in torchvision's checkpoint.
func TestVGG19FeaturesBytes(t *testing.T) {
	total := 0
	for _, tn := range VGG19Tensors() {
		n := 4
		for _, d := range tn.Shape {
			n *= d
		}
		total += n
	}
	if total != 80_097_536 {
		t.Errorf("VGG-19's convolutions are %d bytes; docs/style-transfer.md says 80,097,536 (80.1 MB)", total)
	}
	got := VGG19Tensors()
	if len(got) != 32 || got[0].Name != "features.0.weight" || got[31].Name != "features.34.bias" || !slices.Equal(got[30].Shape, []int{512, 512, 3, 3}) {
		t.Errorf("tensors %v", got)
	}
}
