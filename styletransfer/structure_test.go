package styletransfer

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"
)

// SSIM by hand: two flat pictures of luminance 0.2 and 0.4 have no variance,
// so SSIM is the luminance term alone, (2*0.2*0.4 + C1) / (0.2^2 + 0.4^2 + C1).
func TestSSIMByHand(t *testing.T) {
	const n = 16
	a, b := make([]float64, n*n), make([]float64, n*n)
	for i := range a {
		a[i], b[i] = 0.2, 0.4
	}
	want := (2*0.2*0.4 + ssimC1) / (0.2*0.2 + 0.4*0.4 + ssimC1)
	if got := SSIM(a, b, n); math.Abs(got-want) > 1e-12 {
		t.Errorf("SSIM of flat 0.2 and 0.4: %.9f, want %.9f", got, want)
	}
	if got := SSIM(a, a, n); math.Abs(got-1) > 1e-12 {
		t.Errorf("SSIM of a picture with itself: %g, want 1", got)
	}
	if got := correlation([]float64{1, 2, 3}, []float64{2, 4, 6}); math.Abs(got-1) > 1e-12 {
		t.Errorf("correlation of proportional lists: %g, want 1", got)
	}
	if got := correlation([]float64{1, 2, 3}, []float64{3, 2, 1}); math.Abs(got+1) > 1e-12 {
		t.Errorf("correlation of reversed lists: %g, want -1", got)
	}
}

// The structure check's ends: the photo itself scores 1; the photo blurred
// (sigma 4 at 256 px) keeps its shapes; an image of noise and the painting do
// not. Noise is what a random-feature content distance let pass.
func TestStructureCheck(t *testing.T) {
	const size = 256
	photo := scene(size)
	for _, tc := range []struct {
		name     string
		result   image.Image
		kept     bool
		min, max float64 // bounds on SSIM64
		edgesMin float64
	}{
		{"the photo", photo, true, 1 - 1e-9, 1 + 1e-9, 1 - 1e-9},
		{"the photo blurred, sigma 4", blurred(photo, 4), true, 0.7, 1, 0.5},
		{"uniform noise", noise(size), false, -1, 0.3, -1},
		{"the painting", pattern(size, 1), false, -1, 0.4, -1},
	} {
		s := MeasureStructure(photo, tc.result)
		if s.Kept() != tc.kept || s.SSIM64 < tc.min || s.SSIM64 > tc.max || s.Edges < tc.edgesMin {
			t.Errorf("%s: %+v, want kept %v, SSIM at 64 px in [%g, %g], edges >= %g", tc.name, s, tc.kept, tc.min, tc.max, tc.edgesMin)
		}
		if !tc.kept && math.Abs(s.Edges) > 0.3 {
			t.Errorf("%s: edge agreement %.3f, want near 0", tc.name, s.Edges)
		}
	}
}

// scene is a test "photo": a sky that darkens upwards, a bright sun, a dark
// house with a lit window.
func scene(size int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for y := range size {
		for x := range size {
			c := color.NRGBA{R: uint8(60 + y/2), G: uint8(90 + y/3), B: 200, A: 255}
			if dx, dy := x-size*3/4, y-size/4; dx*dx+dy*dy < size*size/64 {
				c = color.NRGBA{R: 250, G: 220, B: 90, A: 255}
			}
			if x > size/8 && x < size/2 && y > size/2 && y < size*7/8 {
				c = color.NRGBA{R: 50, G: 30, B: 20, A: 255}
				if x > size/4 && x < size/3 && y > size*5/8 && y < size*3/4 {
					c = color.NRGBA{R: 240, G: 230, B: 150, A: 255}
				}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

func noise(size int) image.Image {
	r := rand.New(rand.NewPCG(1, 2))
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(256))
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	return img
}

// blurred is img filtered by a Gaussian of sigma pixels, channel by channel.
func blurred(img image.Image, sigma float64) image.Image {
	b := img.Bounds()
	n := b.Dx()
	r := int(3 * sigma)
	var w []float64
	for k := -r; k <= r; k++ {
		w = append(w, math.Exp(-float64(k*k)/(2*sigma*sigma)))
	}
	out := image.NewNRGBA(b)
	src := image.NewNRGBA(b)
	for y := range n {
		for x := range n {
			src.Set(x, y, img.At(x, y))
		}
	}
	for c := range 3 {
		ch := make([]float64, n*n)
		for i := range ch {
			ch[i] = float64(src.Pix[4*i+c])
		}
		for pass := range 2 {
			next := make([]float64, n*n)
			for y := range n {
				for x := range n {
					s, ws := 0.0, 0.0
					for k, wk := range w {
						xx, yy := x, y
						if pass == 0 {
							xx = x + k - r
						} else {
							yy = y + k - r
						}
						if xx >= 0 && xx < n && yy >= 0 && yy < n {
							s, ws = s+wk*ch[yy*n+xx], ws+wk
						}
					}
					next[y*n+x] = s / ws
				}
			}
			ch = next
		}
		for i := range ch {
			out.Pix[4*i+c] = uint8(math.Round(ch[i]))
			out.Pix[4*i+3] = 255
		}
	}
	return out
}

// Fine detail by hand and the speckle score's ends: a flat picture has no fine
// detail, and it is linear in contrast (a pattern at half the contrast has
// half); the photo itself scores at most 1, a blurred photo less than the
// photo, the photo with pixel noise (+-40 of 255) and pure noise more than 1.
func TestSpeckle(t *testing.T) {
	const size = 64
	if got := FineDetail(image.NewNRGBA(image.Rect(0, 0, size, size)), size); got != 0 {
		t.Errorf("fine detail of a blank picture: %g, want 0", got)
	}
	stripes := func(contrast uint8) image.Image {
		img := image.NewNRGBA(image.Rect(0, 0, size, size))
		for y := range size {
			for x := range size {
				v := 128 - contrast
				if (x/2+y)%2 == 0 {
					v = 128 + contrast
				}
				img.Set(x, y, color.NRGBA{R: v, G: v, B: v, A: 255})
			}
		}
		return img
	}
	full, half := FineDetail(stripes(64), size), FineDetail(stripes(32), size)
	if full == 0 || math.Abs(half/full-0.5) > 1e-6 {
		t.Errorf("fine detail at contrast 64: %g, at 32: %g, want a ratio of 0.5", full, half)
	}

	const n = 256
	photo, painting := scene(n), blurred(pattern(n, 1), 3) // a painting of soft strokes
	noisy := image.NewNRGBA(image.Rect(0, 0, n, n))
	r := rand.New(rand.NewPCG(3, 4))
	for y := range n {
		for x := range n {
			c := color.NRGBAModel.Convert(photo.At(x, y)).(color.NRGBA)
			jitter := func(v uint8) uint8 { return uint8(min(max(int(v)+r.IntN(81)-40, 0), 255)) }
			noisy.Set(x, y, color.NRGBA{R: jitter(c.R), G: jitter(c.G), B: jitter(c.B), A: 255})
		}
	}
	self, soft := Speckle(photo, painting, photo), Speckle(photo, painting, blurred(photo, 2))
	speckled, pure := Speckle(photo, painting, noisy), Speckle(photo, painting, noise(n))
	if self > 1+1e-9 || soft >= self || speckled <= 1 || pure <= speckled {
		t.Errorf("speckle: the photo %.3f (want <= 1), blurred %.3f (want less), with pixel noise %.3f (want > 1), noise %.3f (want more)", self, soft, speckled, pure)
	}
}
