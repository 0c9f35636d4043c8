package main

import (
	"context"
	"flag"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"regexp"

	"github.com/ganbook/ganbook/gan"
	"github.com/ganbook/ganbook/internal/imgio"

	"github.com/ganbook/ganbook/gan/run"
)

func sampleCmd(args []string) error {
	fs := flag.NewFlagSet("sample", flag.ContinueOnError)
	runDir := fs.String("run", "", "run folder written by ganbook train (required)")
	n := fs.Int("n", 1000, "number of images")
	out := fs.String("out", "", "output folder (default RUN/generated)")
	seed := fs.Int64("seed", 7, "noise seed")
	interpolate := fs.Bool("interpolate", false, "also write rows of images walking between two noise vectors: interpolate-linear.png and interpolate-spherical.png")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *runDir == "" {
		return usagef("sample: --run RUN_DIR is required")
	}
	if *n < 1 || *n > 100000 {
		return usagef("sample: --n must be between 1 and 100000, got %d", *n)
	}
	names := []string{"grid.png"}
	if *interpolate {
		names = append(names, "interpolate-linear.png", "interpolate-spherical.png")
	}
	for i := range *n {
		names = append(names, fmt.Sprintf("%05d.png", i))
	}
	if *out != "" { // a folder of the user's choosing: checked before any work
		if err := prepareOutputFolder("out", *out, names); err != nil {
			return err
		}
	}
	b, err := backend()
	if err != nil {
		return err
	}
	g, path, err := run.RestoreLatest(b, *runDir)
	if err != nil {
		return err
	}
	if *out == "" { // only once --run is known to be a run: its own folder, whose files are replaced
		*out = filepath.Join(*runDir, "generated")
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return fmt.Errorf("%s: %w", *out, err)
		}
		if err := markOwnFolder(*out); err != nil {
			return err
		}
	}
	imgs, err := g.Samples(*n, *seed)
	if err != nil {
		return err
	}
	ctx, stop := stopContext()
	defer stop()
	if err := writeSamples(ctx, imgs, *out); err != nil {
		return err
	}
	removed, err := removeStale(*out, names, sampleNames) // an earlier run's extra images
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %d images from %s (step %d) to %s, and %s%s\n", len(imgs), path, g.Step, *out, filepath.Join(*out, "grid.png"), removedNote(removed))
	if *interpolate {
		return writeInterpolations(g, *out, *seed)
	}
	return nil
}

// writeSamples writes each image as NNNNN.png into out, and the first 100
// as grid.png; a signal stops it between two whole files.
func writeSamples(ctx context.Context, imgs []image.Image, out string) error {
	for i, img := range imgs {
		if ctx.Err() != nil {
			return interrupted{fmt.Sprintf("stopped by a signal after writing %d of %d images to %s (each one whole)", i, len(imgs), out)}
		}
		if err := imgio.Save(filepath.Join(out, fmt.Sprintf("%05d.png", i)), img); err != nil {
			return fmt.Errorf("%w (after writing %d of %d images to %s)", err, i, len(imgs), out)
		}
	}
	return imgio.Save(filepath.Join(out, "grid.png"), imgio.Grid(imgs[:min(len(imgs), 100)], 10, 2, 2))
}

// writeInterpolations writes the linear and spherical walks between noise
// vectors.
func writeInterpolations(g *gan.GAN, out string, seed int64) error {
	for _, walk := range []struct {
		name      string
		spherical bool
	}{{"linear", false}, {"spherical", true}} {
		img, err := g.InterpolationGrid(8, 10, seed, walk.spherical)
		if err != nil {
			return err
		}
		p := filepath.Join(out, "interpolate-"+walk.name+".png")
		if err := imgio.Save(p, img); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "wrote %s: 8 rows of 10 images, each row a %s walk between two noise vectors\n", p, walk.name)
	}
	return nil
}

// sampleNames are the files `sample` writes.
var sampleNames = regexp.MustCompile(`^([0-9]{5,}|grid|interpolate-(linear|spherical))\.png$`)
