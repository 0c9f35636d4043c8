package styletransfer

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganbook/ganbook/internal/nn"
)

// Hand-computed factors: content gap mean((3-1)², (2-2)²) = 2; Gram gap
// mean(2², 2², 2², 2²) = 4, RMS 2; the photo [[0, 1], [1, 1]] varies by
// |1-0| + |1-1| down and the same across: 2.
func TestBalanceFactors(t *testing.T) {
	f32 := func(v []float32, dims ...int) *tensors.Tensor { return tensors.FromFlatDataAndDimensions(v, dims...) }
	photo := []*tensors.Tensor{f32([]float32{1, 2}, 1, 1, 1, 2), f32([]float32{0, 0, 0, 0}, 1, 2, 2)}
	painting := []*tensors.Tensor{f32([]float32{3, 2}, 1, 1, 1, 2), f32([]float32{2, 2, 2, 2}, 1, 2, 2)}
	variation := MustExecOnce(nn.MustBackend(), VariationLoss, f32([]float32{0, 1, 1, 1}, 1, 2, 2, 1))
	b, err := newBalance(photo, painting, nn.ScalarValue(variation), 4)
	if err != nil {
		t.Fatal(err)
	}
	if b.content != 0.5 || len(b.style) != 1 || b.style[0] != 0.5 || b.variation != 0.5 {
		t.Fatalf("balance %+v, want content 0.5, style [0.5], variation 0.5", b)
	}
	if _, err := newBalance(photo, painting[:1], 2, 4); err == nil {
		t.Fatal("a painting without Gram matrices was accepted")
	}
}

// The balance makes the photo and the painting the units of every term:
// features equal to the photo's score content 0, style 1, variation 1 (the
// photo's own); the painting's score content 1, style 0. Whatever the
// features' scale: the painting's here are 100x the photo's.
func TestBalanceUnitsArePhotoAndPainting(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	rnd := func(scale float32, dims ...int) *tensors.Tensor {
		n := 1
		for _, d := range dims {
			n *= d
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = scale * rng.Float32()
		}
		return tensors.FromFlatDataAndDimensions(v, dims...)
	}
	gram := func(f *tensors.Tensor) *tensors.Tensor { return MustExecOnce(nn.MustBackend(), GramMatrix, f) }
	contentPhoto, contentPainting := rnd(1, 1, 2, 2, 16), rnd(100, 1, 2, 2, 16)
	stylePhoto, stylePainting := rnd(1, 1, 4, 4, 8), rnd(100, 1, 4, 4, 8)
	pixels := rnd(1, 1, 4, 4, 3)
	variation := nn.ScalarValue(MustExecOnce(nn.MustBackend(), VariationLoss, pixels))
	b, err := newBalance([]*tensors.Tensor{contentPhoto, gram(stylePhoto)}, []*tensors.Tensor{contentPainting, gram(stylePainting)}, variation, pixels.Shape().Size())
	if err != nil {
		t.Fatal(err)
	}
	target, err := b.scaleGram(0, gram(stylePainting))
	if err != nil {
		t.Fatal(err)
	}
	score := func(content, style *tensors.Tensor) []float32 {
		out := MustExecOnce(nn.MustBackend(), func(c, s, px, ct, st *Node) *Node {
			cl, sl, vl, _ := b.losses(Weights{1, 1, 1}, px, map[string]*Node{"c": c, "s": s}, "c", []string{"s"}, ct, []*Node{st})
			return Stack([]*Node{cl, sl, vl}, 0)
		}, content, style, pixels, contentPhoto, target)
		return tensors.MustCopyFlatData[float32](out)
	}
	for _, tc := range []struct {
		name           string
		content, style *tensors.Tensor
		want           []float32
	}{
		{"photo", contentPhoto, stylePhoto, []float32{0, 1, 1}},
		{"painting", contentPainting, stylePainting, []float32{1, 0, 1}},
	} {
		got := score(tc.content, tc.style)
		for i := range got {
			if math.Abs(float64(got[i]-tc.want[i])) > 1e-4 {
				t.Errorf("%s: balanced losses (content, style, variation) %v, want %v", tc.name, got, tc.want)
				break
			}
		}
	}
}
