package styletransfer

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganbook/ganbook/internal/safetensors"
	"github.com/ganbook/ganbook/styletransfer/assets"
)

// Tensors are the layer's kernel and bias as torchvision's checkpoint names
// and shapes them: features.{Torch}.weight [out, in, 3, 3] (PyTorch's OIHW
// layout) and features.{Torch}.bias [out].
func (l VGGLayer) Tensors() []assets.Tensor {
	prefix := fmt.Sprintf("features.%d.", l.Torch)
	return []assets.Tensor{
		{Name: prefix + "weight", Shape: []int{l.Out, l.In, 3, 3}},
		{Name: prefix + "bias", Shape: []int{l.Out}},
	}
}

// VGG19Tensors are the tensors of all VGG-19's convolutions: what
// assets.DownloadVGG19Features fetches for LoadVGG19.
func VGG19Tensors() []assets.Tensor {
	var all []assets.Tensor
	for _, l := range VGG19Layers {
		all = append(all, l.Tensors()...)
	}
	return all
}

// LoadVGG19 loads the first depth convolutions of VGG-19 from a torchvision
// .safetensors file into store, converting PyTorch's kernel layout
// [out, in, kH, kW] (OIHW) to GoMLX's channels-last [kH, kW, in, out] (HWIO).
// A file fetched by assets.DownloadVGG19Features has every tensor checked
// against the SHA-256 recorded when it was fetched.
func LoadVGG19(store *model.Store, path string, depth int) error {
	st, err := safetensors.Open(path)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, l := range VGG19Layers[:depth] {
		weight, bias := l.Tensors()[0], l.Tensors()[1]
		for _, t := range []assets.Tensor{weight, bias} {
			if err := assets.CheckTensor(st, path, t.Name); err != nil {
				return err
			}
		}
		w, err := st.Float32(weight.Name, weight.Shape...)
		if err != nil {
			return err
		}
		b, err := st.Float32(bias.Name, bias.Shape...)
		if err != nil {
			return err
		}
		if !finite(w) || !finite(b) {
			// Trained weights are finite; a NaN would make every run "diverge".
			msg := fmt.Sprintf("%s: tensor features.%d.* holds NaN or infinite values: the weights file is corrupt", path, l.Torch)
			if assets.RemoveCached(path) { // ganbook's own cache: fetched again next time
				return fmt.Errorf("%s; it was deleted from the cache, run again to download it", msg)
			}
			return fmt.Errorf("%s; delete it and download again", msg)
		}
		if err := setLayer(store, l, tensors.FromFlatDataAndDimensions(OIHWToHWIO(w, l.Out, l.In, 3, 3), 3, 3, l.In, l.Out),
			tensors.FromFlatDataAndDimensions(b, l.Out)); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return nil
}

// finite reports whether every value is a number (no NaN, no infinity).
func finite(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}

// OIHWToHWIO reorders a convolution kernel from PyTorch's [out, in, kh, kw]
// to GoMLX's [kh, kw, in, out].
func OIHWToHWIO(w []float32, out, in, kh, kw int) []float32 {
	r := make([]float32, len(w))
	for o := range out {
		for i := range in {
			for y := range kh {
				for x := range kw {
					r[((y*kw+x)*in+i)*out+o] = w[((o*in+i)*kh+y)*kw+x]
				}
			}
		}
	}
	return r
}
