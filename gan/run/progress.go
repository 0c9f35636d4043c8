package run

import (
	"image"
	"os"
	"path/filepath"
	"sync"
	"time"

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
	paths = everyKth(paths, maxProgressFrames)
	frames, err := progressFrames.load(paths)
	if err != nil {
		return err
	}
	// 0.3 s a frame, the last grid held 2 s.
	return imgio.SaveGIF(filepath.Join(samplesDir, ProgressGIF), frames, 30, 7)
}

// gifRefresh is the least time between two rewrites of one folder's
// progress.gif while grids come often; the run's end writes it once more
// (Train; TrainLive in notebooks).
const gifRefresh = 5 * time.Second

var lastGIF sync.Map // samplesDir -> time.Time of its last rewrite

// refreshProgressGIF rewrites progress.gif unless it was rewritten less than
// gifRefresh ago.
func refreshProgressGIF(samplesDir string) error {
	if t, ok := lastGIF.Load(samplesDir); ok && time.Since(t.(time.Time)) < gifRefresh {
		return nil
	}
	err := WriteProgressGIF(samplesDir)
	lastGIF.Store(samplesDir, time.Now())
	return err
}

// progressFrames keeps the grids already converted for the animation, so a
// new grid costs one decode and one dithering, not thirty (with a grid every
// step, rebuilding made a 200-step run 40x slower).
var progressFrames = &frameCache{m: map[string]cachedFrame{}}

type frameCache struct {
	mu sync.Mutex
	m  map[string]cachedFrame // by path
}

type cachedFrame struct {
	mod      time.Time
	size     int64
	img      image.Image
	gray     bool
	paletted map[bool]*image.Paletted // by the animation's palette: gray or not
}

// load returns the frames of paths for one animation, converting only those
// not seen before (or changed since); frames no longer shown are dropped.
func (c *frameCache) load(paths []string) ([]*image.Paletted, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	keep := make(map[string]cachedFrame, len(paths))
	gray := true
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		f, ok := c.m[p]
		if !ok || !f.mod.Equal(st.ModTime()) || f.size != st.Size() {
			img, err := imgio.Decode(p)
			if err != nil {
				return nil, err
			}
			f = cachedFrame{mod: st.ModTime(), size: st.Size(), img: img, gray: imgio.IsGray(img), paletted: map[bool]*image.Paletted{}}
		}
		keep[p] = f
		gray = gray && f.gray
	}
	c.m = keep
	out := make([]*image.Paletted, len(paths))
	for i, p := range paths {
		f := c.m[p]
		if f.paletted[gray] == nil {
			f.paletted[gray] = imgio.Palettize(f.img, gray)
		}
		out[i] = f.paletted[gray]
	}
	return out, nil
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
