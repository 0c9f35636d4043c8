package score

import (
	"cmp"
	"image"
	"image/color"
	"image/draw"
	"slices"

	"github.com/ganbook/ganbook/gan"
	"github.com/ganbook/ganbook/internal/imgio"
)

// ClassGrid draws a GAN's samples sorted by the class the classifier sees in
// them: one row per class (0 at the top), the most confident samples first, up
// to perRow each; beside each row a bar as long as the class's share of all n
// samples, with a white mark at the even share (1/10). Mode collapse shows at a
// glance: empty rows and one long bar. It also returns the scores of the
// samples against reference.
func (c *Classifier) ClassGrid(g *gan.GAN, n, perRow int, reference [][]float64) (image.Image, Scores, error) {
	flat, feats, probs, err := c.predictGAN(g, n)
	if err != nil {
		return nil, Scores{}, err
	}
	s, err := scoresOf(feats, probs, reference, askedClasses(g, n))
	if err != nil {
		return nil, Scores{}, err
	}
	o := g.Opts
	imgs, err := imgio.Batch(flat, n, o.Size, o.Size, o.Channels)
	if err != nil {
		return nil, Scores{}, err
	}
	byClass := make([][]int, Classes)
	for i, p := range probs {
		k := argmax(p)
		byClass[k] = append(byClass[k], i)
	}
	blank := image.NewGray(image.Rect(0, 0, o.Size, o.Size)) // black: no sample of this class
	var cells []image.Image
	for k, idx := range byClass {
		slices.SortFunc(idx, func(a, b int) int {
			switch {
			case probs[a][k] > probs[b][k]:
				return -1
			case probs[a][k] < probs[b][k]:
				return 1
			}
			return 0
		})
		for j := range perRow {
			if j < len(idx) {
				cells = append(cells, imgs[idx[j]])
			} else {
				cells = append(cells, blank)
			}
		}
	}
	grid := imgio.Grid(cells, perRow, 2, 2)
	return withBars(grid, s.Histogram[:], n), s, nil
}

// withBars adds, right of each of the grid's rows, a bar of the row's count:
// an even share reaches the white mark at 40% of the bar's room, 2.5 times
// an even share fills it.
func withBars(grid image.Image, counts []int, n int) image.Image {
	const barWidth = 200
	gb := grid.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, gb.Dx()+barWidth+8, gb.Dy()))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.Gray{Y: 40}), image.Point{}, draw.Src)
	draw.Draw(out, gb, grid, gb.Min, draw.Src)
	rowH := gb.Dy() / len(counts)
	x0 := gb.Dx() + 4
	for k, cnt := range counts {
		y0, y1 := k*rowH+rowH/4, (k+1)*rowH-rowH/4
		even := barWidth * 2 / 5
		w := min(barWidth, even*cnt*len(counts)/max(n, 1))
		draw.Draw(out, image.Rect(x0, y0, x0+w, y1), image.NewUniform(color.NRGBA{R: 80, G: 160, B: 240, A: 255}), image.Point{}, draw.Src)
		even += x0
		draw.Draw(out, image.Rect(even, y0-2, even+1, y1+2), image.White, image.Point{}, draw.Src)
	}
	return out
}

// WorstGrid draws the k samples (of n) the classifier is least sure of, the
// least sure first, perRow to a row: the worst case beside the averages of
// the scores, to look at.
func (c *Classifier) WorstGrid(g *gan.GAN, n, k, perRow int) (image.Image, error) {
	flat, _, probs, err := c.predictGAN(g, n)
	if err != nil {
		return nil, err
	}
	o := g.Opts
	imgs, err := imgio.Batch(flat, n, o.Size, o.Size, o.Channels)
	if err != nil {
		return nil, err
	}
	var cells []image.Image
	for _, i := range leastSure(probs, k) {
		cells = append(cells, imgs[i])
	}
	return imgio.Grid(cells, perRow, 2, 2), nil
}

// leastSure returns the indices of the k samples with the lowest top class
// probability, the lowest first.
func leastSure(probs [][]float64, k int) []int {
	order := make([]int, len(probs))
	for i := range order {
		order[i] = i
	}
	confidence := func(i int) float64 { return probs[i][argmax(probs[i])] }
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(confidence(a), confidence(b)) })
	return order[:min(k, len(order))]
}
