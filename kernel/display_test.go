package kernel

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ganbook/ganbook/internal/imgio"

	"github.com/ganbook/ganbook/gan"
)

func TestPlotSVG(t *testing.T) {
	svg, err := PlotSVG("losses", "step", Series{"D loss", []float64{1, 2, 3}, []float64{1.4, 1.2, 1.3}}, Series{"G loss", []float64{1, 2, 3}, []float64{0.7, 0.9, 0.8}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "D loss", "G loss", "losses", "step"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if _, err := PlotSVG("x", "y", Series{"bad", []float64{1}, []float64{1, 2}}); err == nil {
		t.Error("want an error for x and y of different lengths")
	}
	if _, err := PlotSVG("x", "y"); err == nil {
		t.Error("want an error for nothing to plot")
	}
}

func TestGANPlots(t *testing.T) {
	h := []gan.Metrics{{Step: 1, DLoss: 1.3, GLoss: 0.8, DReal: 0.6, DFake: 0.4}, {Step: 2, DLoss: 1.2, GLoss: 0.9, DReal: 0.55, DFake: 0.45}}
	out, err := GANPlots(h)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(out, "<svg") != 2 || !strings.Contains(out, "D(G(z))") {
		t.Errorf("want two plots with D(G(z)); got %d plots", strings.Count(out, "<svg"))
	}
}

func TestTableAndImageHTML(t *testing.T) {
	tab := TableHTML([]string{"a<b"}, [][]string{{"x&y"}})
	if !strings.Contains(tab, "a&lt;b") || !strings.Contains(tab, "x&amp;y") {
		t.Errorf("table not escaped: %s", tab)
	}
	img := ImageHTML(image.NewGray(image.Rect(0, 0, 28, 28)), 3)
	if !strings.HasPrefix(img, `<img src="data:image/png;base64,`) || !strings.Contains(img, `width="84"`) {
		t.Errorf("image tag %.80s", img)
	}
	photo := image.NewGray(image.Rect(0, 0, 1000, 500))
	for i := range photo.Pix {
		photo.Pix[i] = uint8(i * 7919 % 251) // no 2x2 blocks: a photo
	}
	big := ImageHTML(photo, 1)
	if !strings.Contains(big, `width="384"`) {
		t.Errorf("a large image is not shrunk: %.120s", big[len(big)-60:])
	}
	// A grid drawn at scale 2 is embedded at half size, shown at its own.
	grid := imgio.Grid([]image.Image{photo.SubImage(image.Rect(0, 0, 100, 100))}, 1, 0, 2)
	if tag := ImageHTML(grid, 1); !strings.Contains(tag, `width="200"`) || len(tag) > len(ImageHTML(photo.SubImage(image.Rect(0, 0, 200, 200)), 1))/2 {
		t.Errorf("a 2x grid: tag of %d bytes (%.60s...)", len(tag), tag[len(tag)-60:])
	}
	l := NewLive()
	l.Update("<p>one</p>")
	l.Update("<p>two</p>")
	l.Finish()
	if l.Last() != "<p>two</p>" {
		t.Errorf("live block %q", l.Last())
	}
}

// A PNG file is shown as it is, as wide as it is; anything else is refused
// with the file's name.
func TestShowPNG(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 30, 10))); err != nil {
		t.Fatal(err)
	}
	tag, err := pngHTML(buf.Bytes())
	if err != nil || tag != `<img src="data:image/png;base64,`+base64.StdEncoding.EncodeToString(buf.Bytes())+`" width="30">` {
		t.Errorf("tag %.60s, %v", tag, err)
	}
	bad := filepath.Join(t.TempDir(), "figure.png")
	if err := os.WriteFile(bad, []byte("GIF89a"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ShowPNG(bad); err == nil || !strings.Contains(err.Error(), "figure.png: not a PNG") {
		t.Errorf("a file that is not a PNG: %v", err)
	}
	root := t.TempDir()
	t.Setenv("GANBOOK_ROOT", root)
	if err := os.MkdirAll(filepath.Join(root, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "docs", "fig.png"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ShowFigure("fig.png"); err != nil {
		t.Errorf("docs/fig.png: %v", err)
	}
	if err := ShowFigure("none.png"); err == nil || !strings.Contains(err.Error(), filepath.Join(root, "docs", "none.png")) {
		t.Errorf("a missing figure must name its path: %v", err)
	}
}
