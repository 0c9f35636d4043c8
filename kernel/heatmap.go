package kernel

import (
	"fmt"
	"html"
	"image"
	"image/color"
	"math"
	"strings"
)

// HeatmapImage draws the top-left show x show block of an n x n matrix
// (flat, row-major), each entry a cell x cell square coloured from dark blue
// (0) to yellow (scale and above); negative entries are drawn as 0.
func HeatmapImage(m []float32, n, show, cell int, scale float64) image.Image {
	show = min(show, n)
	img := image.NewRGBA(image.Rect(0, 0, show*cell, show*cell))
	for i := range show {
		for j := range show {
			t := math.Max(0, math.Min(1, float64(m[i*n+j])/math.Max(scale, 1e-12)))
			c := color.RGBA{R: uint8(30 + 225*t), G: uint8(20 + 200*t*t), B: uint8(90 * (1 - t)), A: 255}
			for y := range cell {
				for x := range cell {
					img.SetRGBA(j*cell+x, i*cell+y, c)
				}
			}
		}
	}
	return img
}

// GramTable shows Gram matrices side by side: one row per layer, one column
// per picture, each the first show channels of the layer's matrix, the
// pictures of a row on one colour scale (the largest entry shown in the row)
// so that they can be compared.
func GramTable(pictures, layers []string, grams [][][]float32, channels []int, show int) string {
	var b strings.Builder
	b.WriteString(`<table><tr><th></th>`)
	for _, p := range pictures {
		fmt.Fprintf(&b, "<th>%s</th>", html.EscapeString(p))
	}
	b.WriteString("</tr>")
	for l, name := range layers {
		scale := 0.0
		for p := range pictures {
			for i := range min(show, channels[l]) {
				for j := range min(show, channels[l]) {
					scale = math.Max(scale, float64(grams[p][l][i*channels[l]+j]))
				}
			}
		}
		fmt.Fprintf(&b, "<tr><td>%s<br>(%d x %d, first %d shown)</td>", html.EscapeString(name), channels[l], channels[l], min(show, channels[l]))
		for p := range pictures {
			fmt.Fprintf(&b, "<td>%s</td>", ImageHTML(HeatmapImage(grams[p][l], channels[l], show, 4, scale), 1))
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</table>")
	return b.String()
}
