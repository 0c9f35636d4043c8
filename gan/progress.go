package gan

import (
	"image"
	"path/filepath"

	"github.com/ganbook/ganbook/internal/imgio"
)

// ProgressGIF is the animation of a run's fixed-noise grids, beside them in
// samples/: the same 64 noise vectors, step after step, becoming digits.
const ProgressGIF = "progress.gif"

// maxProgressFrames bounds the animation (9 s at 0.3 s a frame, and a GIF
// small enough to embed in a notebook); longer runs show every k-th grid
// (and always the last).
const maxProgressFrames = 30

// WriteProgressGIF (re)writes samplesDir/progress.gif from the step-*.png
// grids in it, oldest first. It reads the grids from disk, so a resumed run's
// animation starts at the run's first grid.
func WriteProgressGIF(samplesDir string) error {
	paths, err := filepath.Glob(filepath.Join(samplesDir, "step-*.png"))
	if err != nil || len(paths) == 0 {
		return err
	}
	var frames []image.Image
	for _, p := range everyKth(paths, maxProgressFrames) {
		img, err := imgio.Decode(p)
		if err != nil {
			return err
		}
		frames = append(frames, img)
	}
	// 0.3 s a frame, the last grid held 2 s.
	return imgio.SaveGIF(filepath.Join(samplesDir, ProgressGIF), frames, 30, 7)
}

// everyKth keeps at most n of items, evenly spread, the last always included.
func everyKth[T any](items []T, n int) []T {
	if len(items) <= n {
		return items
	}
	var out []T
	for i := range n {
		out = append(out, items[(len(items)-1)*i/(n-1)])
	}
	return out
}
