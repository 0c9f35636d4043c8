package styletransfer

import (
	"errors"
	"fmt"
	"image"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganbook/ganbook/internal/imgio"
	"github.com/ganbook/ganbook/internal/nn"
)

// The report's instrument: a network the optimisation never used. VGG-19 with
// random weights from its own seed (the transfer's random network uses
// Options.Seed, its pretrained one real weights), compared at one size, so a
// result cannot score well by fitting the very features it was optimised on.
const (
	reportSeed         = 424242
	reportSize         = 128
	reportContentLayer = "conv4_2"
)

var reportStyleLayers = []string{"conv1_1", "conv2_1", "conv3_1", "conv4_1"}

// Report says how far a style transfer moved, measured independently (see
// MeasureTransfer).
type Report struct {
	// StyleRatio is the result's style distance to the painting divided by the
	// photo's: 0 is the painting's style itself, 1 no change of style.
	StyleRatio float64
	// ContentRatio is the result's content distance to the photo divided by the
	// painting's: 0 keeps the photo's content exactly, 1 is as far from it as
	// the painting is.
	ContentRatio float64
	// Structure: is the photo still there, judged on the pixels (an image of
	// noise can score a low content ratio in random features; not this).
	Structure Structure
	// Speckle: fine detail against the busier of the photo and the painting
	// (above 1: finer noise than either has).
	Speckle float64
}

func (r Report) String() string {
	kept := "the photo is kept"
	if !r.Structure.Kept() {
		kept = fmt.Sprintf("the photo is LOST (SSIM at 64 px below %.1f)", KeptBelow)
	}
	return fmt.Sprintf("style ratio %.3f (0: the painting's style, 1: unchanged), content ratio %.3f (0: the photo's content, 1: as far as the painting); structure: SSIM %.2f at 64 px, %.2f at full size, edge agreement %.2f: %s; speckle %.2f (fine detail against the busier of photo and painting; above 1: finer noise than either)",
		r.StyleRatio, r.ContentRatio, r.Structure.SSIM64, r.Structure.SSIMFull, r.Structure.Edges, kept, r.Speckle)
}

// MeasureTransfer compares result with the photo (content) and the painting
// (style) in an independent network: random-weight VGG-19 (seed 424242), all
// three images at 128 x 128. Style distance: the mean over conv1_1..conv4_1 of
// the squared Frobenius distance of Gram matrices, each relative to the
// painting's Gram matrix's squared norm. Content distance: the mean squared
// difference of conv4_2 features. Structure: MeasureStructure of the result
// against the photo, on the pixels; Speckle against the photo and the
// painting.
func MeasureTransfer(backend compute.Backend, photo, painting, result image.Image) (Report, error) {
	store := model.NewStore()
	depth, err := depthFor(append([]string{reportContentLayer}, reportStyleLayers...))
	if err != nil {
		return Report{}, err
	}
	if err := SetRandomVGG(store, depth, reportSeed); err != nil {
		return Report{}, err
	}
	exec, err := model.NewExec(backend, store, func(scope *model.Scope, images *Node) []*Node {
		feats, err := Features(store, images, append([]string{reportContentLayer}, reportStyleLayers...))
		if err != nil {
			panic(err) // the layer names are constants above
		}
		out := []*Node{Reshape(feats[reportContentLayer], 3, -1)}
		for _, l := range reportStyleLayers {
			out = append(out, Reshape(GramMatrix(feats[l]), 3, -1))
		}
		return out
	})
	if err != nil {
		return Report{}, err
	}
	var px []float32
	for _, img := range []image.Image{photo, painting, result} {
		for _, v := range imgio.Fit(img, reportSize, 3) {
			px = append(px, (v+1)/2)
		}
	}
	out, err := nn.Call(exec, tensors.FromFlatDataAndDimensions(px, 3, reportSize, reportSize, 3))
	if err != nil {
		return Report{}, err
	}
	const photoI, paintingI, resultI = 0, 1, 2
	rowsOf := func(t *tensors.Tensor) [3][]float32 {
		flat := tensors.MustCopyFlatData[float32](t)
		n := len(flat) / 3
		return [3][]float32{flat[:n], flat[n : 2*n], flat[2*n:]}
	}
	sq := func(a, b []float32) float64 {
		s := 0.0
		for i := range a {
			d := float64(a[i] - b[i])
			s += d * d
		}
		return s
	}
	content := rowsOf(out[0])
	contentOf := func(i int) float64 { return sq(content[i], content[photoI]) / float64(len(content[i])) }
	styleOf := func(i int) float64 {
		total := 0.0
		for _, t := range out[1:] {
			g := rowsOf(t)
			norm := sq(g[paintingI], make([]float32, len(g[paintingI])))
			total += sq(g[i], g[paintingI]) / max(norm, 1e-12)
		}
		return total / float64(len(out)-1)
	}
	// The ratios divide by the photo-painting distance: none when the two are
	// the same picture.
	if styleOf(photoI) == 0 || contentOf(paintingI) == 0 {
		return Report{}, ErrSamePictures
	}
	return Report{StyleRatio: styleOf(resultI) / styleOf(photoI), ContentRatio: contentOf(resultI) / contentOf(paintingI),
		Structure: MeasureStructure(photo, result), Speckle: Speckle(photo, painting, result)}, nil
}

// ErrSamePictures: the photo and the painting are the same picture (to the
// measuring network), so there is no style to transfer and no ratio to report.
var ErrSamePictures = errors.New("the content and style images are the same picture: there is no style to transfer")
