package styletransfer

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganbook/ganbook/internal/nn"
)

func TestLayerNames(t *testing.T) {
	if len(VGG19Layers) != 16 || VGG19Layers[15].Name != "conv5_4" || VGG19Layers[15].Torch != 34 || VGG19Layers[4].Torch != 10 {
		t.Fatalf("layer table: %+v", VGG19Layers)
	}
	for in, want := range map[string]string{"conv4_2": "conv4_2", "block4_conv2": "conv4_2", "Block1_Conv1": "conv1_1"} {
		if got, err := LayerName(in); err != nil || got != want {
			t.Errorf("LayerName(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := LayerName("conv6_1"); err == nil || !strings.Contains(err.Error(), "conv1_1 ... conv5_4") {
		t.Errorf("want an error listing valid names, got %v", err)
	}
	if got, err := LayerName("Pixels"); err != nil || got != PixelsLayer {
		t.Errorf("LayerName(Pixels) = %q, %v", got, err)
	}
	if d, _ := depthFor([]string{PixelsLayer}); d != 0 {
		t.Errorf("depth for pixels = %d, want 0", d)
	}
	if d, _ := depthFor([]string{"conv1_1", "block3_conv1"}); d != 5 {
		t.Errorf("depth for conv3_1 = %d, want 5", d)
	}
}

// OIHW [o][i][y][x] goes to HWIO [y][x][i][o].
func TestOIHWToHWIO(t *testing.T) {
	const o, i, kh, kw = 2, 3, 2, 2
	w := make([]float32, o*i*kh*kw)
	for k := range w {
		w[k] = float32(k)
	}
	r := OIHWToHWIO(w, o, i, kh, kw)
	for oo := range o {
		for ii := range i {
			for y := range kh {
				for x := range kw {
					if r[((y*kw+x)*i+ii)*o+oo] != w[((oo*i+ii)*kh+y)*kw+x] {
						t.Fatalf("element o=%d i=%d y=%d x=%d misplaced", oo, ii, y, x)
					}
				}
			}
		}
	}
}

// writeSafetensors writes a .safetensors file with float32 tensors.
func writeSafetensors(t *testing.T, path string, tensors map[string][]float32, shapes map[string][]int) {
	t.Helper()
	header := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	var data bytes.Buffer
	for _, name := range []string{"features.0.weight", "features.0.bias", "features.2.weight", "features.2.bias"} {
		start := data.Len()
		for _, v := range tensors[name] {
			_ = binary.Write(&data, binary.LittleEndian, v)
		}
		header[name] = map[string]any{"dtype": "F32", "shape": shapes[name], "data_offsets": []int{start, data.Len()}}
	}
	js, _ := json.Marshal(header)
	var out bytes.Buffer
	_ = binary.Write(&out, binary.LittleEndian, uint64(len(js)))
	out.Write(js)
	out.Write(data.Bytes())
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// refConv is an independent 3x3, padding-1 convolution + ReLU written straight
// from PyTorch's OIHW layout: what torchvision's VGG computes.
func refConv(x []float64, h, w, in int, wt, bias []float32, out int) []float64 {
	y := make([]float64, h*w*out)
	for r := range h {
		for c := range w {
			for o := range out {
				s := float64(bias[o])
				for i := range in {
					for ky := range 3 {
						for kx := range 3 {
							rr, cc := r+ky-1, c+kx-1
							if rr < 0 || rr >= h || cc < 0 || cc >= w {
								continue
							}
							s += x[(rr*w+cc)*in+i] * float64(wt[((o*in+i)*3+ky)*3+kx])
						}
					}
				}
				y[(r*w+c)*out+o] = math.Max(s, 0)
			}
		}
	}
	return y
}

// The loader on a small torchvision-style file with VGG-19's first two
// convolutions: the features computed by ganbook match a direct convolution
// from the PyTorch layout, which proves the OIHW -> HWIO conversion and the
// ImageNet normalisation.
func TestLoadVGG19Safetensors(t *testing.T) {
	w0, b0 := make([]float32, 64*3*9), make([]float32, 64)
	w2, b2 := make([]float32, 64*64*9), make([]float32, 64)
	for i := range w0 {
		w0[i] = float32(math.Sin(float64(i)*0.37)) * 0.3
	}
	for i := range w2 {
		w2[i] = float32(math.Cos(float64(i)*0.11)) * 0.05
	}
	for i := range b0 {
		b0[i], b2[i] = float32(i%7)*0.01-0.02, float32(i%5)*0.01
	}
	path := filepath.Join(t.TempDir(), "vgg.safetensors")
	writeSafetensors(t, path,
		map[string][]float32{"features.0.weight": w0, "features.0.bias": b0, "features.2.weight": w2, "features.2.bias": b2},
		map[string][]int{"features.0.weight": {64, 3, 3, 3}, "features.0.bias": {64}, "features.2.weight": {64, 64, 3, 3}, "features.2.bias": {64}})

	store := model.NewStore()
	if err := LoadVGG19(store, path, 2); err != nil {
		t.Fatal(err)
	}
	const h, w = 4, 5
	img := make([]float32, h*w*3)
	norm := make([]float64, len(img))
	for i := range img {
		img[i] = float32(i%11) / 10
		c := i % 3
		norm[i] = (float64(img[i]) - float64(imagenetMean[c])) / float64(imagenetStd[c])
	}
	want1 := refConv(norm, h, w, 3, w0, b0, 64)
	want2 := refConv(want1, h, w, 64, w2, b2, 64)

	e := model.MustNewExec(nn.MustBackend(), store, func(scope *model.Scope, x *Node) []*Node {
		f := mustFeatures(store, x, "conv1_1", "block1_conv2")
		return []*Node{f["conv1_1"], f["conv1_2"]}
	})
	out := e.MustCall(tensors.FromFlatDataAndDimensions(img, 1, h, w, 3))
	for k, want := range [][]float64{want1, want2} {
		got := tensors.MustCopyFlatData[float32](out[k])
		for i := range want {
			if math.Abs(float64(got[i])-want[i]) > 1e-4*(1+math.Abs(want[i])) {
				t.Fatalf("layer %d value %d: got %g, want %g", k+1, i, got[i], want[i])
			}
		}
	}

	// Asking for a layer the file lacks, a truncated file, a wrong shape: clear errors.
	if err := LoadVGG19(model.NewStore(), path, 3); err == nil || !strings.Contains(err.Error(), "features.5.weight") {
		t.Errorf("want a missing-tensor error, got %v", err)
	}
	raw, _ := os.ReadFile(path)
	trunc := filepath.Join(t.TempDir(), "trunc.safetensors")
	_ = os.WriteFile(trunc, raw[:len(raw)-1000], 0o644)
	if err := LoadVGG19(model.NewStore(), trunc, 2); err == nil || !strings.Contains(err.Error(), "outside the file") {
		t.Errorf("want a truncation error, got %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.safetensors")
	writeSafetensors(t, bad,
		map[string][]float32{"features.0.weight": w0, "features.0.bias": b0, "features.2.weight": w2[:64*32*9], "features.2.bias": b2},
		map[string][]int{"features.0.weight": {64, 3, 3, 3}, "features.0.bias": {64}, "features.2.weight": {32, 64, 3, 3}, "features.2.bias": {64}})
	if err := LoadVGG19(model.NewStore(), bad, 2); err == nil || !strings.Contains(err.Error(), "has shape [32 64 3 3], want [64 64 3 3]") {
		t.Errorf("want a shape error, got %v", err)
	}
	for _, p := range []string{filepath.Join(t.TempDir(), "none.safetensors"), t.TempDir()} {
		if err := LoadVGG19(model.NewStore(), p, 2); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: want an error naming it, got %v", p, err)
		}
	}
}
