package kernel

import (
	"context"
	"fmt"
	"image"
	"image/draw"
	"os"
	"path/filepath"

	"github.com/ganbook/ganbook/internal/imgio"
	"github.com/ganbook/ganbook/styletransfer/assets"
)

// MakeSampleFolder fills folder with n small pictures cut from the lesson's
// sample photos (shifted crops, some mirrored), so the "your own images"
// notebook runs before a learner brings pictures. A folder that already holds
// pictures is left alone. It returns the number of pictures in the folder.
func MakeSampleFolder(ctx context.Context, folder string, n int) (int, error) {
	if existing, _ := filepath.Glob(filepath.Join(folder, "*.png")); len(existing) > 0 {
		return len(existing), nil
	}
	var photos []image.Image
	for _, name := range []string{"chelsea.png", "coffee.png", "astronaut.png"} {
		path, err := assets.EnsureSample(ctx, name, func(string) {})
		if err != nil {
			return 0, err
		}
		img, err := imgio.Decode(path)
		if err != nil {
			return 0, err
		}
		photos = append(photos, img)
	}
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return 0, err
	}
	for i := range n {
		src := photos[i%len(photos)]
		b := src.Bounds()
		side := min(b.Dx(), b.Dy()) * 3 / 4
		off := image.Pt((i*37)%(b.Dx()-side+1), (i*53)%(b.Dy()-side+1))
		crop := image.NewRGBA(image.Rect(0, 0, side, side))
		draw.Draw(crop, crop.Bounds(), src, b.Min.Add(off), draw.Src)
		if i%2 == 1 {
			mirror(crop)
		}
		out, err := imgio.ToImage(imgio.Fit(crop, 96, 3), 96, 96, 3)
		if err != nil {
			return 0, err
		}
		if err := imgio.Save(filepath.Join(folder, fmt.Sprintf("sample-%03d.png", i)), out); err != nil {
			return 0, err
		}
	}
	return n, nil
}

func mirror(img *image.RGBA) {
	w := img.Bounds().Dx()
	for y := range img.Bounds().Dy() {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for x := range w / 2 {
			for c := range 4 {
				row[4*x+c], row[4*(w-1-x)+c] = row[4*(w-1-x)+c], row[4*x+c]
			}
		}
	}
}
