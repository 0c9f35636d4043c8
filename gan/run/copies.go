package run

import (
	"cmp"
	"fmt"
	"image"
	"math"
	"slices"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/gan"
	"github.com/ganbook/ganbook/internal/imgio"
)

// CopyCheck says whether a GAN invents pictures or repeats its training
// pictures: each sample's distance to its nearest training picture, against
// the training pictures' own distances to their nearest other one. Distances
// are root-mean-square pixel differences (values in [-1, 1]), at most 32 x 32
// (larger pictures are averaged down first: a copy shifted by a pixel is
// still a copy).
type CopyCheck struct {
	Samples, Train int // pictures compared
	// SampleMedian and SampleMin: the samples' distances to their nearest
	// training picture.
	SampleMedian, SampleMin float64
	// TrainMedian and TrainLow: the training pictures' distances to their
	// nearest other training picture, the median and the 5th percentile.
	TrainMedian, TrainLow float64
	// Closer is the share of samples nearer to a training picture than
	// TrainLow: about 5% for pictures drawn like the training set, far more
	// for a GAN that memorised it.
	Closer float64
	// Pairs shows the closest samples (left) beside their nearest training
	// pictures (right), the closest first.
	Pairs image.Image
}

// CopyCheckLimit bounds the work: at most this many training pictures are
// compared (the first ones), and copyCheckSelf of them against the rest for
// the training set's own spread.
const (
	CopyCheckLimit = 2000
	copyCheckSelf  = 500
)

// Copying: the verdict's threshold on Closer.
const copyingShare = 0.2

// Copying reports whether the samples look copied from the training pictures.
func (c CopyCheck) Copying() bool { return c.Closer > copyingShare || c.SampleMedian < c.TrainLow }

func (c CopyCheck) String() string {
	verdict := "new pictures, not copies"
	if c.Copying() {
		verdict = "COPIES of training pictures (memorised): use more pictures, or train less"
	}
	return fmt.Sprintf("copy check: %d samples are %.3f (median; closest %.3f) from their nearest of %d training pictures, "+
		"which are %.3f (median; 5%% below %.3f) from each other; %.0f%% of the samples are nearer than that 5%%: %s",
		c.Samples, c.SampleMedian, c.SampleMin, c.Train, c.TrainMedian, c.TrainLow, 100*c.Closer, verdict)
}

// CheckCopies draws n samples from g (noise seed 4242) and compares them with
// data's first CopyCheckLimit pictures; pairs is how many closest pairs
// Pairs shows.
func CheckCopies(g *gan.GAN, data *dataset.Dataset, n, pairs int) (CopyCheck, error) {
	if n < 1 || data.N < 2 {
		return CopyCheck{}, fmt.Errorf("copy check: needs samples and at least 2 training pictures, got %d and %d", n, data.N)
	}
	if data.Size != g.Opts.Size || data.Chan != g.Opts.Channels {
		return CopyCheck{}, fmt.Errorf("copy check: the data's pictures are %dx%dx%d, the GAN's %dx%dx%d", data.Size, data.Size, data.Chan, g.Opts.Size, g.Opts.Size, g.Opts.Channels)
	}
	flat, err := g.GenerateN(n, 4242)
	if err != nil {
		return CopyCheck{}, err
	}
	nt := min(data.N, CopyCheckLimit)
	per := data.Size * data.Size * data.Chan
	train := data.Images[:nt*per]
	small, trainSmall := shrinkForCopies(flat, n, data.Size, data.Chan), shrinkForCopies(train, nt, data.Size, data.Chan)
	dim := len(small) / n
	sampleNN, nearest := nearestNeighbours(small, trainSmall, dim, false)
	// The training pictures' own spread, from the first copyCheckSelf of them.
	trainNN, _ := nearestNeighbours(trainSmall[:min(nt, copyCheckSelf)*dim], trainSmall, dim, true)
	c := CopyCheck{Samples: n, Train: nt, SampleMedian: quantile(sampleNN, 0.5), SampleMin: quantile(sampleNN, 0),
		TrainMedian: quantile(trainNN, 0.5), TrainLow: quantile(trainNN, 0.05)}
	for _, d := range sampleNN {
		if d < c.TrainLow {
			c.Closer += 1 / float64(n)
		}
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(sampleNN[a], sampleNN[b]) })
	var cells []image.Image
	for _, i := range order[:min(pairs, n)] {
		for _, src := range [][]float32{flat[i*per : (i+1)*per], train[nearest[i]*per : (nearest[i]+1)*per]} {
			img, err := imgio.ToImage(src, data.Size, data.Size, data.Chan)
			if err != nil {
				return c, err
			}
			cells = append(cells, img)
		}
	}
	c.Pairs = imgio.Grid(cells, 2, 2, 2)
	return c, nil
}

// shrinkForCopies averages n pictures (size x size x channels, flat) down by
// 2 until they are at most 32 pixels wide.
func shrinkForCopies(flat []float32, n, size, channels int) []float32 {
	for size > 32 && size%2 == 0 {
		half := size / 2
		out := make([]float32, n*half*half*channels)
		for i := range n {
			src, dst := flat[i*size*size*channels:], out[i*half*half*channels:]
			for y := range half {
				for x := range half {
					for c := range channels {
						at := func(yy, xx int) float32 { return src[(yy*size+xx)*channels+c] }
						dst[(y*half+x)*channels+c] = (at(2*y, 2*x) + at(2*y, 2*x+1) + at(2*y+1, 2*x) + at(2*y+1, 2*x+1)) / 4
					}
				}
			}
		}
		flat, size = out, half
	}
	return flat
}

// nearestNeighbours gives, for each vector of a (dim values each), the RMS
// distance to its nearest vector of b and that vector's index; with
// skipSelf, a is the start of b and each vector's own index is skipped.
func nearestNeighbours(a, b []float32, dim int, skipSelf bool) ([]float64, []int) {
	na, nb := len(a)/dim, len(b)/dim
	dist, idx := make([]float64, na), make([]int, na)
	for i := range na {
		best, bestJ := math.Inf(1), -1
		ai := a[i*dim : (i+1)*dim]
		for j := range nb {
			if skipSelf && i == j {
				continue
			}
			bj := b[j*dim : (j+1)*dim]
			var s float32
			for k, v := range ai {
				d := v - bj[k]
				s += d * d
			}
			if float64(s) < best {
				best, bestJ = float64(s), j
			}
		}
		dist[i], idx[i] = math.Sqrt(best/float64(dim)), bestJ
	}
	return dist, idx
}

// quantile is the q-quantile (0: the smallest) of v, by the nearest rank
// (NaN for no values).
func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}
