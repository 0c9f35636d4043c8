package run

import (
	"errors"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/ganbook/ganbook/internal/nn"

	"github.com/ganbook/ganbook/gan"
)

func TestEstimateMemoryMonotone(t *testing.T) {
	for _, model := range gan.Models {
		o, _ := gan.PresetOptions(gan.PresetTuned, model, model == gan.DCGAN)
		prev := int64(0)
		for b := 2; b <= 1024; b *= 2 {
			o.Batch = b
			e := EstimateMemory(o)
			if e <= prev {
				t.Errorf("%s: batch %d estimate %d is not above batch %d's %d", model, b, e, b/2, prev)
			}
			prev = e
		}
	}
	// Measured peaks (/usr/bin/time -v, docs/reliability.md, "Memory"): DCGAN 64x64x3 batch 256 4.66 GB.
	o, _ := gan.PresetOptions(gan.PresetTuned, gan.DCGAN, true)
	o.Batch = 256
	if e := EstimateMemory(o); e < 4e9 || e > 5.5e9 {
		t.Errorf("DCGAN batch 256 estimate %s, measured 4.7 GB", nn.FormatBytes(e))
	}
}

func TestPrepareRefusedWithoutMemory(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	t.Setenv(nn.MemoryLimitEnv, "2G")
	o, _ := gan.PresetOptions(gan.PresetTuned, gan.DCGAN, true)
	o.Batch = 1024
	_, _, err := Prepare(nil, Config{Options: o, Out: filepath.Join(t.TempDir(), "run")})
	if !errors.Is(err, nn.ErrNotEnoughMemory) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Prepare with batch 1024 and 2 GiB = %v, want one line wrapping nn.ErrNotEnoughMemory", err)
	}
	best := LargestBatch(o, 0, usable2G())
	if best < 2 || best >= 1024 || !strings.Contains(err.Error(), "largest batch that fits is "+itoa(best)) {
		t.Errorf("%q does not name the largest batch (%d)", err, best)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func usable2G() int64 { m := nn.MemoryMargin; return int64(float64(2<<30) * m) }
