package styletransfer

import (
	"image"
	"math"

	"github.com/ganbook/ganbook/internal/imgio"
)

// Structure says whether a result keeps the photo's shapes, measured on the
// pixels' luminance with no network at all: a content distance in a network's
// feature space can be small for an image of noise (random features do not
// see shapes), a structural similarity cannot.
type Structure struct {
	// SSIM64 is the structural similarity (Wang et al. 2004) of the result's
	// and the photo's luminance at 64 x 64: 1 the same picture; a photo
	// blurred with sigma 4 (at 256 px) scores about 0.8, noise about 0.
	SSIM64 float64
	// SSIMFull is the same at the result's own size, where fine texture
	// (brush strokes, speckle) lowers it.
	SSIMFull float64
	// Edges is the correlation of the two pictures' gradient magnitudes
	// (Sobel) at half the result's size: do the outlines lie where the photo's
	// do? 1 the same outlines, 0 unrelated ones.
	Edges float64
}

// KeptBelow: a result whose SSIM at 64 px is below this has lost the photo;
// the threshold of issue 25's table (every shipped pair must keep >= 0.5).
const KeptBelow = 0.5

// Kept reports whether the photo is still recognisable in the result.
func (s Structure) Kept() bool { return s.SSIM64 >= KeptBelow }

// MeasureStructure compares result with photo (cropped and scaled to the
// result's square, as the transfer does).
func MeasureStructure(photo, result image.Image) Structure {
	size := max(result.Bounds().Dx(), result.Bounds().Dy())
	half := max(16, size/2)
	return Structure{
		SSIM64:   SSIM(luminance(photo, 64), luminance(result, 64), 64),
		SSIMFull: SSIM(luminance(photo, size), luminance(result, size), size),
		Edges:    correlation(gradientMagnitude(luminance(photo, half), half), gradientMagnitude(luminance(result, half), half)),
	}
}

// luminance is the picture fitted to size x size (imgio.Fit), as its luma
// (Go's colour.GrayModel: 0.299 R + 0.587 G + 0.114 B) in [0, 1].
func luminance(img image.Image, size int) []float64 {
	px := imgio.Fit(img, size, 1)
	y := make([]float64, len(px))
	for i, v := range px {
		y[i] = float64(v+1) / 2
	}
	return y
}

// ssimRadius and ssimSigma: the Gaussian window of Wang et al. 2004 (11 x 11,
// sigma 1.5); ssimC1, ssimC2 their constants for values in [0, 1].
const (
	ssimRadius = 5
	ssimSigma  = 1.5
	ssimC1     = 0.01 * 0.01
	ssimC2     = 0.03 * 0.03
)

// SSIM is the mean structural similarity of two n x n images (values in
// [0, 1]) over the pixels whose whole window lies inside the picture.
func SSIM(a, b []float64, n int) float64 {
	prod := func(x, y []float64) []float64 {
		out := make([]float64, len(x))
		for i := range x {
			out[i] = x[i] * y[i]
		}
		return out
	}
	ma, mb := gaussBlur(a, n), gaussBlur(b, n)
	saa, sbb, sab := gaussBlur(prod(a, a), n), gaussBlur(prod(b, b), n), gaussBlur(prod(a, b), n)
	total, count := 0.0, 0
	for y := ssimRadius; y < n-ssimRadius; y++ {
		for x := ssimRadius; x < n-ssimRadius; x++ {
			i := y*n + x
			va, vb, cov := saa[i]-ma[i]*ma[i], sbb[i]-mb[i]*mb[i], sab[i]-ma[i]*mb[i]
			total += (2*ma[i]*mb[i] + ssimC1) * (2*cov + ssimC2) / ((ma[i]*ma[i] + mb[i]*mb[i] + ssimC1) * (va + vb + ssimC2))
			count++
		}
	}
	return total / float64(max(count, 1))
}

// gaussBlur filters an n x n image with the SSIM window, separably; pixels
// past the border repeat the edge (only the interior is used).
func gaussBlur(img []float64, n int) []float64 {
	var w [2*ssimRadius + 1]float64
	sum := 0.0
	for k := range w {
		d := float64(k - ssimRadius)
		w[k] = math.Exp(-d * d / (2 * ssimSigma * ssimSigma))
		sum += w[k]
	}
	for k := range w {
		w[k] /= sum
	}
	clamp := func(v int) int { return min(max(v, 0), n-1) }
	tmp, out := make([]float64, len(img)), make([]float64, len(img))
	for y := range n {
		for x := range n {
			s := 0.0
			for k, wk := range w {
				s += wk * img[y*n+clamp(x+k-ssimRadius)]
			}
			tmp[y*n+x] = s
		}
	}
	for y := range n {
		for x := range n {
			s := 0.0
			for k, wk := range w {
				s += wk * tmp[clamp(y+k-ssimRadius)*n+x]
			}
			out[y*n+x] = s
		}
	}
	return out
}

// gradientMagnitude is the Sobel gradient's length at each interior pixel of
// an n x n image.
func gradientMagnitude(img []float64, n int) []float64 {
	at := func(x, y int) float64 { return img[y*n+x] }
	var out []float64
	for y := 1; y < n-1; y++ {
		for x := 1; x < n-1; x++ {
			gx := at(x+1, y-1) + 2*at(x+1, y) + at(x+1, y+1) - at(x-1, y-1) - 2*at(x-1, y) - at(x-1, y+1)
			gy := at(x-1, y+1) + 2*at(x, y+1) + at(x+1, y+1) - at(x-1, y-1) - 2*at(x, y-1) - at(x+1, y-1)
			out = append(out, math.Hypot(gx, gy))
		}
	}
	return out
}

// correlation is Pearson's correlation of a and b (0 when either is flat).
func correlation(a, b []float64) float64 {
	n := float64(len(a))
	var ma, mb float64
	for i := range a {
		ma, mb = ma+a[i]/n, mb+b[i]/n
	}
	var sab, saa, sbb float64
	for i := range a {
		da, db := a[i]-ma, b[i]-mb
		sab, saa, sbb = sab+da*db, saa+da*da, sbb+db*db
	}
	if saa == 0 || sbb == 0 {
		return 0
	}
	return sab / math.Sqrt(saa*sbb)
}
