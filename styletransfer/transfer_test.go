package styletransfer

import (
	"context"
	"errors"
	"image"
	"image/color"
	"math"
	"strings"
	"testing"

	"github.com/ganbook/ganbook/internal/nn"
)

// content: a soft diagonal gradient; style: bold red and blue stripes.
func testImages() (content, style image.Image) {
	c := image.NewNRGBA(image.Rect(0, 0, 80, 64))
	s := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for y := range 64 {
		for x := range 80 {
			c.Set(x, y, color.NRGBA{uint8(x * 3), uint8(y * 3), 128, 255})
		}
		for x := range 64 {
			if (x/4+y/8)%2 == 0 {
				s.Set(x, y, color.NRGBA{220, 30, 30, 255})
			} else {
				s.Set(x, y, color.NRGBA{20, 40, 200, 255})
			}
		}
	}
	return c, s
}

func runTransfer(t *testing.T, o Options) []Progress {
	t.Helper()
	content, style := testImages()
	var hist []Progress
	o.Every, o.Callback = 1, func(p Progress) error { hist = append(hist, p); return nil }
	res, err := Transfer(context.Background(), nn.MustBackend(), content, style, o)
	if err != nil {
		t.Fatal(err)
	}
	if b := res.Image.Bounds(); b.Dx() != o.Size || b.Dy() != o.Size {
		t.Fatalf("result is %v, want %dx%d", b, o.Size, o.Size)
	}
	if !strings.Contains(res.Network, "random-weight") {
		t.Errorf("network notice %q does not say random weights ran", res.Network)
	}
	return hist
}

func smallOptions() Options {
	o := DefaultOptions()
	o.Size, o.Steps, o.Network = 64, 12, "random"
	o.Optimizer = "adam" // the lesson's optimiser: losses reported before each step
	o.StyleLayers = []string{"conv1_1", "conv2_1", "conv3_1"}
	o.ContentLayer = "conv3_1"
	return o
}

// The lesson's first run: content only, from noise: the content loss falls.
func TestTransferContentFromNoise(t *testing.T) {
	o := smallOptions()
	o.Init, o.Weights = "noise", Weights{Content: 1}
	h := runTransfer(t, o)
	if first, last := h[0].Content, h[len(h)-1].Content; !(last < 0.8*first) {
		t.Errorf("content loss went from %g to %g", first, last)
	}
}

// Content + style from the content image: the style loss falls.
func TestTransferStyleFalls(t *testing.T) {
	o := smallOptions()
	o.Init, o.Weights = "content", Weights{Content: 1, Style: 1e4, Variation: 1e-4}
	h := runTransfer(t, o)
	if first, last := h[0].Style, h[len(h)-1].Style; !(last < 0.8*first) {
		t.Errorf("style loss went from %g to %g", first, last)
	}
	if h[0].Content > 1e-3 {
		t.Errorf("starting from the content image, the first content loss is %g, want ~0", h[0].Content)
	}
}

func TestTransferOptionsAndStop(t *testing.T) {
	for _, tc := range []struct {
		mod  func(*Options)
		want string
	}{
		{func(o *Options) { o.Size = 32 }, "size must be"},
		{func(o *Options) { o.Init = "paint" }, "unknown init"},
		{func(o *Options) { o.StyleLayers = []string{"conv9_9"} }, "unknown VGG-19 layer"},
		{func(o *Options) { o.Steps = 0 }, "steps must be"},
	} {
		o := smallOptions()
		tc.mod(&o)
		if err := o.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want %q, got %v", tc.want, err)
		}
	}
	o := smallOptions()
	stop := errors.New("stop here")
	o.Every, o.Callback = 1, func(p Progress) error { return stop }
	c, s := testImages()
	if _, err := Transfer(context.Background(), nn.MustBackend(), c, s, o); !errors.Is(err, stop) {
		t.Errorf("a callback error must stop the transfer, got %v", err)
	}
}

func benchmarkStep(b *testing.B, size int) {
	c, s := testImages()
	o := DefaultOptions()
	o.Size, o.Network, o.Optimizer = size, "random", "adam"
	r, err := NewRun(context.Background(), nn.MustBackend(), c, s, o)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := r.Step(); err != nil { // compile outside the timing
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.Step(); err != nil {
			b.Fatal(err)
		}
	}
}

// One style-transfer step: VGG-19 to conv5_1, forward and backward to the
// pixels, one Adam update.
func BenchmarkStyleStep128(b *testing.B) { benchmarkStep(b, 128) }
func BenchmarkStyleStep256(b *testing.B) { benchmarkStep(b, 256) }

// L-BFGS lowers the loss at every step (its line search accepts only a
// decrease), and a coarse-to-fine run ends at the full size.
func TestLBFGSAndCoarseToFine(t *testing.T) {
	b := nn.MustBackend()
	content, style := pattern(64, 0), pattern(64, 1)
	o := DefaultOptions()
	o.Size, o.Steps, o.Network, o.Optimizer = 64, 4, "random", "lbfgs"
	r, err := NewRun(context.Background(), b, content, style, o)
	if err != nil {
		t.Fatal(err)
	}
	prev := math.Inf(1)
	for range o.Steps {
		p, err := r.Step()
		if err != nil {
			t.Fatal(err)
		}
		if p.Total > prev {
			t.Errorf("step %d: loss %g rose from %g", p.Step, p.Total, prev)
		}
		prev = p.Total
	}
	o.Optimizer, o.Scales, o.Steps = "adam", 2, 2
	res, err := Transfer(context.Background(), b, content, style, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Image.Bounds().Dx() != 64 {
		t.Errorf("coarse-to-fine result is %v, want 64 pixels wide", res.Image.Bounds())
	}
	if res.Evaluations != 4 { // Adam: one per step, two stages of two
		t.Errorf("%d evaluations for two Adam stages of 2 steps, want 4", res.Evaluations)
	}
	o.Scales = 3 // 64/4 = 16: smaller than the network's 32-pixel minimum
	if err := o.Validate(); err == nil {
		t.Error("want an error for a stage below 32 pixels")
	}
}

// The variation weight is the one at 256 px, scaled by 256/size; content and
// style weights do not depend on the size.
func TestWeightsAtSize(t *testing.T) {
	w := Weights{Content: 1, Style: 2, Variation: 0.1}
	for size, want := range map[int]float64{128: 0.2, 256: 0.1, 512: 0.05} {
		got := w.AtSize(size)
		if math.Abs(got.Variation-want) > 1e-12 || got.Content != 1 || got.Style != 2 {
			t.Errorf("at %d px: %+v, want variation %g, content 1, style 2", size, got, want)
		}
	}
}
