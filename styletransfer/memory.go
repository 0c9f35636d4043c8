package styletransfer

import (
	"fmt"

	"github.com/ganbook/ganbook/internal/nn"
)

// Memory model of a style transfer (docs/reliability.md, "Memory"). On the pure-Go backend
// a VGG layer l at h x w pixels with Cin inputs and Cout outputs allocates, per
// step, its im2col patches h*w*9*Cin (forward), the patches of its output's
// gradient h*w*9*Cout (the input's gradient is their product with the flipped
// kernel) and its activations h*w*Cout, all float32. The backend returns
// them to per-size pools that the garbage collector empties only every second
// cycle, so the peak resident memory is about one step's worth of these
// buffers, plus the weights and the runtime: styleCalibration times the sum,
// fitted on the measured peaks (/usr/bin/time -v) of a 20-step run at 256 px
// (1.26 to 1.43 GB) and a 5-step run at 512 px (5.05 GB). The first step peaks
// lower (13.05 GB at 1024 px, estimate 19.9 GB), later steps keep more.
const (
	styleCalibration = 1.0
	styleBaseBytes   = 50 << 20 // the Go runtime, the program, images, Adam's state on the pixels
)

// EstimateMemory is the estimated peak memory, in bytes, of a style transfer
// with options o (o.Size, and the layers o.ContentLayer and o.StyleLayers reach
// down to), computed from the shapes before anything is built.
func EstimateMemory(o Options) int64 {
	layers := append([]string{o.ContentLayer}, o.StyleLayers...)
	depth, err := depthFor(layers)
	if err != nil {
		depth = len(VGG19Layers)
	}
	var floats, weights int64
	for _, l := range VGG19Layers[:depth] {
		h := int64(o.Size >> (l.Block - 1)) // AvgPool2x halves (and drops an odd row) between blocks
		px := h * h
		floats += px*9*int64(l.In) + px*9*int64(l.Out) + px*int64(l.Out)
		weights += 9*int64(l.In)*int64(l.Out) + int64(l.Out)
	}
	return int64(styleCalibration*float64(4*floats)) + 4*weights + styleBaseBytes
}

// LargestSize is the largest Size (a multiple of 16, at least 64) whose
// estimate is at most usable bytes, with o's other options; 0 if none.
func LargestSize(o Options, usable int64) int {
	best := 0
	for s := 64; s <= 2048; s += 16 {
		o.Size = s
		if EstimateMemory(o) > usable {
			break
		}
		best = s
	}
	return best
}

// checkMemory refuses a transfer whose estimated peak memory does not fit
// (nn.ErrNotEnoughMemory), naming the largest size that does.
func checkMemory(o Options) error {
	what := fmt.Sprintf("a style transfer at %d px", o.Size)
	return nn.CheckMemory(what, EstimateMemory(o), "size", func(usable int64) int {
		return LargestSize(o, usable)
	})
}
