package kernel

import (
	"encoding/xml"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ganbook/ganbook/gan"
	"github.com/ganbook/ganbook/gan/run"
)

// Every text of a plot (title, axis labels, tick labels, the legend) lies
// inside the picture, and the legend names each series: a learner must be
// able to tell D loss from G loss, D(x) from D(G(z)).
func TestPlotTextInsidePicture(t *testing.T) {
	svg, err := PlotSVG("D(x) and D(G(z))", "step",
		Series{"D(x)", []float64{1, 2, 3}, []float64{0.9, 0.7, 0.6}},
		Series{"D(G(z))", []float64{1, 2, 3}, []float64{0.1, 0.3, 0.4}})
	if err != nil {
		t.Fatal(err)
	}
	texts, vw, vh := svgTexts(t, svg)
	for _, want := range []string{"D(x)", "D(G(z))", "step", "D(x) and D(G(z))"} {
		if !hasText(texts, want) {
			t.Errorf("no text %q in the plot", want)
		}
	}
	for _, tx := range texts {
		if tx.left < 0 || tx.right > vw || tx.top < 0 || tx.bottom > vh {
			t.Errorf("text %q spans x %.0f..%.0f, y %.0f..%.0f: outside the %gx%g picture", tx.s, tx.left, tx.right, tx.top, tx.bottom, vw, vh)
		}
	}
}

// The check above fails on margaid's own legend, drawn past the right edge.
func TestPlotTextCheckCatchesOutsideText(t *testing.T) {
	svg := `<svg viewBox="0 0 640 320" width="640" height="320"><g font-size="12px"><text x="656" y="60">D loss</text></g></svg>`
	texts, vw, _ := svgTexts(t, svg)
	if len(texts) != 1 || texts[0].right <= vw {
		t.Fatalf("texts %+v: want one past x=%g", texts, vw)
	}
}

type svgText struct {
	s                        string
	left, right, top, bottom float64
}

func hasText(texts []svgText, s string) bool {
	for _, t := range texts {
		if t.s == s {
			return true
		}
	}
	return false
}

var transformPart = regexp.MustCompile(`(translate|scale)\(([-\d.e+]+)[ ,]+([-\d.e+]+)\s*\)`)

// svgTexts lists the texts of an SVG with their extent in picture
// coordinates (group translations and scales applied; a character taken as
// 0.6 of the font size wide, the anchor respected) and the viewBox's size.
func svgTexts(t *testing.T, svg string) (texts []svgText, vw, vh float64) {
	t.Helper()
	type frame struct{ tx, ty, sx, sy, font float64 }
	stack := []frame{{0, 0, 1, 1, 12}}
	anchor := []string{"start"}
	dec := xml.NewDecoder(strings.NewReader(svg))
	var cur *svgText
	var curAnchor string
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch e := tok.(type) {
		case xml.StartElement:
			f, a := stack[len(stack)-1], anchor[len(anchor)-1]
			attr := map[string]string{}
			for _, at := range e.Attr {
				attr[strings.ToLower(at.Name.Local)] = at.Value
			}
			if vb := attr["viewbox"]; e.Name.Local == "svg" && vb != "" {
				if _, err := fmt.Sscanf(vb, "0 0 %g %g", &vw, &vh); err != nil {
					t.Fatalf("viewBox %q: %v", vb, err)
				}
			}
			for _, m := range transformPart.FindAllStringSubmatch(attr["transform"], -1) {
				a1, _ := strconv.ParseFloat(m[2], 64)
				a2, _ := strconv.ParseFloat(m[3], 64)
				if m[1] == "translate" {
					f.tx, f.ty = f.tx+f.sx*a1, f.ty+f.sy*a2
				} else {
					f.sx, f.sy = f.sx*a1, f.sy*a2
				}
			}
			if fs := strings.TrimSuffix(attr["font-size"], "px"); fs != "" {
				f.font, _ = strconv.ParseFloat(fs, 64)
			}
			if ta := attr["text-anchor"]; ta != "" {
				a = ta
			}
			stack, anchor = append(stack, f), append(anchor, a)
			if e.Name.Local == "text" {
				x, _ := strconv.ParseFloat(attr["x"], 64)
				y, _ := strconv.ParseFloat(attr["y"], 64)
				// Baseline or hanging: a font's height either side of y.
				cur = &svgText{left: f.tx + f.sx*x, top: f.ty + f.sy*y - f.font, bottom: f.ty + f.sy*y + f.font}
				cur.right = f.font // the font size until the text is known
				curAnchor = a
			}
		case xml.CharData:
			if cur != nil {
				cur.s += string(e)
			}
		case xml.EndElement:
			if e.Name.Local == "text" && cur != nil {
				width := 0.6 * cur.right * float64(len(cur.s))
				switch curAnchor {
				case "middle":
					cur.left -= width / 2
				case "end":
					cur.left -= width
				}
				cur.right = cur.left + width
				texts = append(texts, *cur)
				cur = nil
			}
			stack, anchor = stack[:len(stack)-1], anchor[:len(anchor)-1]
		}
	}
	if vw == 0 || vh == 0 {
		t.Fatal("the SVG has no viewBox")
	}
	return texts, vw, vh
}

// A plot of one point draws no line, and so no legend, without an error (the
// first refresh of a live cell).
func TestPlotOfOnePoint(t *testing.T) {
	svg, err := PlotSVG("losses", "step", Series{"content", []float64{1}, []float64{1}}, Series{"style", []float64{1}, []float64{1}})
	if err != nil || !strings.Contains(svg, "<svg") {
		t.Fatalf("%v", err)
	}
}

// The class histogram's texts lie inside its picture, one label per class,
// and a bar's height is its share: the collapsed histogram's one full class
// is the tallest bar.
func TestClassBarsInsidePicture(t *testing.T) {
	shares := []float64{0, 0, 0, 0.9, 0, 0, 0, 0.1, 0, 0}
	svg := ClassBarsSVG(shares)
	texts, vw, vh := svgTexts(t, svg)
	for k := range shares {
		if !hasText(texts, strconv.Itoa(k)) {
			t.Errorf("no label for class %d", k)
		}
	}
	for _, tx := range texts {
		if tx.left < 0 || tx.right > vw || tx.top < 0 || tx.bottom > vh {
			t.Errorf("text %q spans x %.0f..%.0f, y %.0f..%.0f: outside the %gx%g picture", tx.s, tx.left, tx.right, tx.top, tx.bottom, vw, vh)
		}
	}
	heights := regexp.MustCompile(`<rect [^>]*height="([\d.]+)"`).FindAllStringSubmatch(svg, -1)
	if len(heights) != len(shares) {
		t.Fatalf("%d bars for %d classes", len(heights), len(shares))
	}
	h3, _ := strconv.ParseFloat(heights[3][1], 64)
	h7, _ := strconv.ParseFloat(heights[7][1], 64)
	if h0, _ := strconv.ParseFloat(heights[0][1], 64); h0 != 0 || h3 < 8.9*h7 || h3 > 9.1*h7 {
		t.Errorf("bar heights %v: want 0 for an empty class and 9:1 for 90%% against 10%%", heights)
	}
}

// A heat map's colours follow the matrix: 0 dark blue, the scale yellow, a
// negative entry as 0, each entry a cell x cell square.
func TestHeatmapImage(t *testing.T) {
	img := HeatmapImage([]float32{0, 2, -1, 1}, 2, 2, 3, 2)
	if img.Bounds().Dx() != 6 {
		t.Fatalf("width %d, want 2 entries x 3 pixels", img.Bounds().Dx())
	}
	at := func(x, y int) [3]uint32 { r, g, b, _ := img.At(x, y).RGBA(); return [3]uint32{r >> 8, g >> 8, b >> 8} }
	if at(0, 0) != at(0, 3) || at(0, 0) != [3]uint32{30, 20, 90} || at(3, 0) != [3]uint32{255, 220, 0} || at(5, 5) == at(0, 0) {
		t.Errorf("colours %v %v %v %v: want 0 and -1 dark blue, 2 yellow, 1 between", at(0, 0), at(0, 3), at(3, 0), at(5, 5))
	}
}

// The comparison shows the balance plots for short runs too (one step a
// point), with a run that failed before its first step left out.
func TestRunsHTMLPlotsShortRuns(t *testing.T) {
	var hist []gan.Metrics
	for s := 1; s <= 5; s++ {
		hist = append(hist, gan.Metrics{Step: s, DLoss: 1 / float64(s), DFake: 0.1 * float64(s)})
	}
	out := RunsHTML([]run.SweepResult{
		{Options: gan.DefaultOptions(gan.MLP), Steps: 5, History: hist},
		{Options: gan.DefaultOptions(gan.DCGAN), Err: errors.New("diverged")},
	})
	if strings.Count(out, "<svg") != 2 || !strings.Contains(out, "D loss (mean of 1 steps)") || strings.Contains(out, "no balance plots") {
		t.Errorf("want the two balance plots of the 5-step run:\n%.400s", out)
	}
	if out := RunsHTML([]run.SweepResult{{Options: gan.DefaultOptions(gan.MLP), Err: errors.New("diverged")}}); !strings.Contains(out, "no balance plots: no run has steps") {
		t.Errorf("a failed run alone: want the reason there are no plots:\n%.400s", out)
	}
}
