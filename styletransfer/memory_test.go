package styletransfer

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/ganbook/ganbook/internal/nn"
)

func TestEstimateMemoryScales(t *testing.T) {
	o := DefaultOptions()
	at := func(size int) int64 { o.Size = size; return EstimateMemory(o) }
	// Everything but the weights and the runtime grows with the image's area.
	if r := float64(at(512)) / float64(at(256)); r < 3.5 || r > 4 {
		t.Errorf("512 px / 256 px estimate = %.2f, want about 4", r)
	}
	if e := at(256); e < 1e9 || e > 1.7e9 { // measured: 1.26 to 1.42 GB over 20 steps
		t.Errorf("256 px estimate %s, measured peaks are 1.3 GB", nn.FormatBytes(e))
	}
	shallow := DefaultOptions()
	shallow.ContentLayer, shallow.StyleLayers = "conv2_1", []string{"conv1_1", "conv2_1"}
	if EstimateMemory(shallow) >= EstimateMemory(DefaultOptions()) {
		t.Error("stopping VGG-19 at conv2_1 does not lower the estimate")
	}
}

// With little memory, a transfer is refused before anything is built, in one
// line that names the estimate, the memory available and the largest size.
func TestTransferRefusedWithoutMemory(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	t.Setenv(nn.MemoryLimitEnv, "2G")
	o := DefaultOptions()
	o.Size, o.Steps, o.Network = 1024, 1, "random"
	content, style := testImages()
	_, err := Transfer(context.Background(), nn.MustBackend(), content, style, o)
	if !errors.Is(err, nn.ErrNotEnoughMemory) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Transfer at 1024 px with 2 GiB = %v, want one line wrapping nn.ErrNotEnoughMemory", err)
	}
	usable := usable2G()
	best := LargestSize(o, usable)
	for _, want := range []string{nn.FormatBytes(EstimateMemory(o)), "2.1 GB available", fmt.Sprintf("largest size that fits is %d", best)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
	o.Size = best
	if best < 256 || EstimateMemory(o) > usable {
		t.Errorf("largest size %d: estimate %d, usable %d", best, EstimateMemory(o), usable)
	}
	o.Size = best + 16
	if EstimateMemory(o) <= usable {
		t.Errorf("size %d also fits", best+16)
	}
}

func usable2G() int64 { m := nn.MemoryMargin; return int64(float64(2<<30) * m) }
