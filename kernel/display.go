package kernel

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"image"
	"image/gif"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/erkkah/margaid"
	"github.com/janpfeifer/gonb/gonbui"

	"github.com/gomlx/compute"

	"github.com/ganbook/ganbook/internal/imgio"
	"github.com/ganbook/ganbook/internal/jupyter"
	"github.com/ganbook/ganbook/internal/nn"
)

// Show displays HTML in the notebook.
func Show(htmlText string) {
	if gonbui.IsNotebook {
		gonbui.DisplayHTML(htmlText)
	}
}

// maxShown is the longest side of a photo embedded in a notebook: larger ones
// are shrunk so the saved notebook stays small.
const maxShown = 384

// ImageHTML is an <img> tag with the image embedded as PNG: it stays in the
// saved notebook. scale enlarges small images (CSS pixelated, so digits stay
// crisp). A grid drawn at scale 2 is embedded at half size and drawn at full
// size (imgio.Compact: the same picture, a quarter of the bytes); other images
// larger than maxShown pixels are shrunk to it.
func ImageHTML(img image.Image, scale int) string {
	w := img.Bounds().Dx() * max(scale, 1)
	small, _ := imgio.Compact(img)
	if b := small.Bounds(); max(b.Dx(), b.Dy()) > maxShown {
		small = imgio.Shrink(small, maxShown)
		w = small.Bounds().Dx() * max(scale, 1)
	}
	src, err := gonbui.EmbedImageAsPNGSrc(small)
	if err != nil {
		return "<p>" + html.EscapeString(err.Error()) + "</p>"
	}
	return fmt.Sprintf(`<img src="%s" width="%d" style="image-rendering: pixelated">`, src, w)
}

// ShowGIF displays an animated GIF file (e.g. a run's samples/progress.gif),
// its frames halved where they are made of 2x2 blocks (imgio.CompactGIF) and
// drawn at the file's size.
func ShowGIF(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	cfg, err := gif.DecodeConfig(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("%s: not a GIF: %w", path, err)
	}
	if small, _, err := imgio.CompactGIF(raw); err == nil {
		raw = small
	}
	Show(fmt.Sprintf(`<img src="data:image/gif;base64,%s" width="%d" style="image-rendering: pixelated">`, base64.StdEncoding.EncodeToString(raw), cfg.Width))
	return nil
}

// ShowPNG displays a PNG file (a figure of docs/, say) at its own size,
// embedded in the saved notebook as it is.
func ShowPNG(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	html, err := pngHTML(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	Show(html)
	return nil
}

// ShowFigure displays one of the checkout's docs/ figures (a PNG, by name):
// measured results a notebook points to.
func ShowFigure(name string) error {
	root, err := jupyter.Root()
	if err != nil {
		return err
	}
	return ShowPNG(filepath.Join(root, "docs", name))
}

// pngHTML is an <img> tag holding PNG bytes, as wide as the picture.
func pngHTML(raw []byte) (string, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(raw))
	if err != nil {
		return "", fmt.Errorf("not a PNG: %w", err)
	}
	return fmt.Sprintf(`<img src="data:image/png;base64,%s" width="%d">`, base64.StdEncoding.EncodeToString(raw), cfg.Width), nil
}

// ShowImage displays one image.
func ShowImage(img image.Image, scale int) { Show(ImageHTML(img, scale)) }

// ShowGrid displays images side by side in rows of cols.
func ShowGrid(images []image.Image, cols, scale int) {
	ShowImage(imgio.Grid(images, cols, 2, 1), scale)
}

// Series is one line of a plot.
type Series struct {
	Name string
	X, Y []float64
}

// PlotSVG draws line plots of the series (linear axes) as an SVG, with a title
// and a legend, using margaid.
func PlotSVG(title, xLabel string, series ...Series) (string, error) {
	var all []*margaid.Series
	for _, s := range series {
		if len(s.X) != len(s.Y) {
			return "", fmt.Errorf("series %q has %d x and %d y values", s.Name, len(s.X), len(s.Y))
		}
		ms := margaid.NewSeries(margaid.Titled(s.Name))
		ms.Zip(s.X, s.Y)
		all = append(all, ms)
	}
	if len(all) == 0 || all[0].Size() == 0 {
		return "", fmt.Errorf("nothing to plot")
	}
	d := margaid.New(640, 320, margaid.WithAutorange(margaid.XAxis, all...), margaid.WithAutorange(margaid.YAxis, all...),
		margaid.WithInset(60), margaid.WithPadding(2))
	for _, s := range all {
		d.Line(s, margaid.UsingStrokeWidth(1.5))
	}
	d.Frame()
	d.Axis(all[0], margaid.XAxis, d.ValueTicker('f', 0, 10), false, xLabel)
	d.Axis(all[0], margaid.YAxis, d.ValueTicker('g', 3, 10), true, "")
	d.Title(title)
	var b bytes.Buffer
	if err := d.Render(&b); err != nil {
		return "", err
	}
	names := make([]string, len(series))
	for i, s := range series {
		names[i] = s.Name
	}
	return withLegend(b.String(), names)
}

// seriesStroke finds the colours margaid gave the series' lines, in order.
var seriesStroke = regexp.MustCompile(`<g[^>]*\sstroke="(hsl\([^"]*\))"[^>]*><path`)

// withLegend adds a row below the plot with each series' colour and name, and
// grows the picture to hold it. margaid's own legend draws outside the
// picture (past its right edge, or, at the bottom, flipped above it), where a
// learner cannot tell D loss from G loss.
func withLegend(svg string, names []string) (string, error) {
	// margaid's colours are 65% light: the yellow of a second line is hard to
	// see on white. 45% keeps the hues and reads.
	svg = strings.ReplaceAll(svg, ", 65%)", ", 45%)")
	colours := seriesStroke.FindAllStringSubmatch(svg, len(names))
	if len(colours) != len(names) {
		return svg, nil // no lines drawn (a single point): nothing to tell apart
	}
	const w, h, row = 640, 320, 28
	var g strings.Builder
	g.WriteString(`<g font-family="sans-serif" font-size="13px">`)
	x := 60.0
	for i, name := range names {
		fmt.Fprintf(&g, `<rect x="%.0f" y="%d" width="14" height="4" fill="%s"/>`, x, h+6, colours[i][1])
		fmt.Fprintf(&g, `<text x="%.0f" y="%d" fill="black">%s</text>`, x+20, h+13, html.EscapeString(name))
		x += 20 + 8*float64(len(name)) + 24
	}
	g.WriteString("</g>")
	root := fmt.Sprintf(`viewbox="0 0 %d %d"`, w, h)
	if !strings.Contains(svg, root) || !strings.Contains(svg, fmt.Sprintf(`height="%d"`, h)) {
		return "", fmt.Errorf("plot: unexpected SVG header")
	}
	svg = strings.Replace(svg, root, fmt.Sprintf(`viewBox="0 0 %d %d"`, w, h+row), 1)
	svg = strings.Replace(svg, fmt.Sprintf(`height="%d"`, h), fmt.Sprintf(`height="%d"`, h+row), 1)
	return strings.Replace(svg, "</svg>", g.String()+"</svg>", 1), nil
}

// TableHTML renders a small table.
func TableHTML(headers []string, rows [][]string) string {
	var b strings.Builder
	b.WriteString("<table><tr>")
	for _, h := range headers {
		fmt.Fprintf(&b, "<th>%s</th>", html.EscapeString(h))
	}
	b.WriteString("</tr>")
	for _, r := range rows {
		b.WriteString("<tr>")
		for _, c := range r {
			fmt.Fprintf(&b, "<td>%s</td>", html.EscapeString(c))
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</table>")
	return b.String()
}

// Live is a block of the notebook updated in place during a long cell (a sample
// grid that improves while training runs). Finish replaces it with a static
// copy, so the final state stays in the saved notebook.
type Live struct {
	id   string
	last string
}

// NewLive starts an in-place block.
func NewLive() *Live {
	l := &Live{}
	if gonbui.IsNotebook {
		l.id = gonbui.UniqueId()
	}
	return l
}

// Update replaces the block's content.
func (l *Live) Update(htmlText string) {
	l.last = htmlText
	if gonbui.IsNotebook {
		gonbui.UpdateHTML(l.id, htmlText)
	}
}

// Finish clears the transient block and displays its last content for good.
func (l *Live) Finish() {
	if gonbui.IsNotebook {
		gonbui.UpdateHTML(l.id, "")
		gonbui.DisplayHTML(l.last)
	}
}

// Last is the block's current content (for tests and logs).
func (l *Live) Last() string { return l.last }

// Backend returns the compute backend (the same choice as the CLI: GOMLX_BACKEND,
// else XLA if a PJRT plugin is installed, else pure Go) and shows which one runs.
func Backend() (compute.Backend, error) {
	c, err := nn.Backend()
	if err != nil {
		return nil, err
	}
	backendNamed.Do(func() {
		if firstInNotebook("backend") {
			fmt.Println(c.Line)
		}
	})
	return c.Backend, nil
}

// backendNamed: the backend line is printed once per cell, not per call.
var backendNamed sync.Once

// firstInNotebook reports whether this is the first time what was asked in
// this notebook's kernel. GoNB runs each cell as a new program in the
// kernel's own temporary folder (GONB_TMP_DIR, gone with the kernel), so a
// marker file there remembers it across cells; outside a notebook it is
// always the first time.
func firstInNotebook(what string) bool {
	dir := os.Getenv("GONB_TMP_DIR")
	if !gonbui.IsNotebook || dir == "" {
		return true
	}
	marker := filepath.Join(dir, "ganbook-"+what+"-shown")
	f, err := os.OpenFile(marker, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return errors.Is(err, fs.ErrNotExist) // no temp folder: say it every time rather than never
	}
	_ = f.Close()
	return true
}
