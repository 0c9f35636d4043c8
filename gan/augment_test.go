package gan_test

import (
	"errors"
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganbook/ganbook/gan"
	"github.com/ganbook/ganbook/internal/nn"
)

// augmentOnes applies a policy to a batch of b images of ones (h x h x c) and
// returns the augmented images and the gradient of their sum with respect to
// the input, both flat per image.
func augmentOnes(t *testing.T, policy string, b, h, c int) (out, grad [][]float32) {
	t.Helper()
	exec, err := model.NewExec(nn.MustBackend(), model.NewStore(), func(scope *model.Scope, x *Node) []*Node {
		y := gan.Augment(scope, x, policy)
		y.AssertDims(b, h, h, c)
		return []*Node{y, Gradient(ReduceAllSum(y), x)[0]}
	})
	if err != nil {
		t.Fatal(err)
	}
	ones := tensors.FromShape(shapes.Make(dtypes.Float32, b, h, h, c))
	tensors.MutableFlatData(ones, func(flat []float32) {
		for i := range flat {
			flat[i] = 1
		}
	})
	res, err := nn.Call(exec, ones)
	if err != nil {
		t.Fatal(err)
	}
	split := func(t *tensors.Tensor) [][]float32 {
		flat := tensors.MustCopyFlatData[float32](t)
		n := len(flat) / b
		var per [][]float32
		for i := range b {
			per = append(per, flat[i*n:(i+1)*n])
		}
		return per
	}
	return split(res[0]), split(res[1])
}

func count(v []float32, want float32) int {
	n := 0
	for _, x := range v {
		if x == want {
			n++
		}
	}
	return n
}

// Translation by up to 1/8 of the size (4 px at 32): each image of ones keeps
// a (32-|dy|) x (32-|dx|) rectangle of ones, zeros elsewhere; the shifts
// differ between images; and the gradient of the sum is 1 exactly on the
// input pixels that stayed in the picture (the gather's scatter-add).
func TestAugmentTranslation(t *testing.T) {
	const b, h = 16, 32
	out, grad := augmentOnes(t, gan.AugmentTranslation, b, h, 1)
	seen := map[int]bool{}
	for i := range b {
		ones, zeros := count(out[i], 1), count(out[i], 0)
		if ones+zeros != h*h {
			t.Fatalf("image %d: values other than 0 and 1", i)
		}
		found := false
		for dy := 0; dy <= 4 && !found; dy++ {
			for dx := 0; dx <= 4; dx++ {
				if ones == (h-dy)*(h-dx) {
					found = true
					break
				}
			}
		}
		if !found {
			t.Errorf("image %d: %d ones, not a (32-dy) x (32-dx) rectangle with shifts up to 4", i, ones)
		}
		seen[ones] = true
		if g := count(grad[i], 1); g != ones || count(grad[i], 0) != h*h-ones {
			t.Errorf("image %d: gradient has %d ones, want %d (the pixels that stayed) and zeros elsewhere", i, g, ones)
		}
	}
	if len(seen) < 3 {
		t.Errorf("16 images drew only %d different shifts", len(seen))
	}
}

// Cutout: a square of half the side (8 x 8 at 16 px) set to 0, possibly
// sticking out of the image: at most 64 zeros, exactly 64 when inside, and
// never none (its centre is in [0, 16], so at least a quarter of it is
// inside: 16 zeros). Channels are cut together.
func TestAugmentCutout(t *testing.T) {
	const b, h = 32, 16
	out, grad := augmentOnes(t, gan.AugmentCutout, b, h, 3)
	full := 0
	for i := range b {
		zeros := count(out[i], 0)
		if zeros%3 != 0 || zeros/3 < 16 || zeros/3 > 64 || count(out[i], 1) != 3*h*h-zeros {
			t.Errorf("image %d: %d zero values, want 3 x 16..64 and ones elsewhere", i, zeros)
		}
		if zeros/3 == 64 {
			full++
		}
		for j := range grad[i] {
			if grad[i][j] != out[i][j] { // the mask is the gradient
				t.Fatalf("image %d: gradient %g at %d where the output is %g", i, grad[i][j], j, out[i][j])
			}
		}
	}
	if full == 0 {
		t.Errorf("no square of 32 fell wholly inside its image")
	}
}

// Colour on a flat image: saturation and contrast change nothing (every pixel
// is the image's mean and its own grey), so each image becomes 1 plus its
// brightness shift, in [-0.5, 0.5), the same for all its pixels, different
// between images; the gradient of the sum is 1 everywhere (the shifts and
// the means' terms cancel).
func TestAugmentColorFlat(t *testing.T) {
	const b, h = 8, 8
	out, grad := augmentOnes(t, gan.AugmentColor, b, h, 3)
	seen := map[float32]bool{}
	for i := range b {
		v := out[i][0]
		if v < 0.5-1e-6 || v >= 1.5+1e-6 {
			t.Errorf("image %d: %g, want 1 + a shift in [-0.5, 0.5)", i, v)
		}
		for _, x := range out[i] {
			if math.Abs(float64(x-v)) > 1e-5 {
				t.Fatalf("image %d is not flat: %g and %g", i, v, x)
			}
		}
		for _, g := range grad[i] {
			if math.Abs(float64(g-1)) > 1e-4 {
				t.Fatalf("image %d: gradient %g, want 1", i, g)
			}
		}
		seen[v] = true
	}
	if len(seen) < b {
		t.Errorf("%d images drew %d different brightness shifts", b, len(seen))
	}
}

// The policy is checked by Validate, which names the option; an MSG-GAN's
// several scales are refused.
func TestAugmentOptions(t *testing.T) {
	o := gan.DefaultOptions(gan.DCGAN)
	for policy, ok := range map[string]bool{"": true, "none": true, gan.AugmentAll: true, "color, cutout": true, "blur": false, "color,,cutout": false} {
		o.Augment = policy
		err := o.Validate()
		var oe *gan.OptionError
		if (err == nil) != ok || (err != nil && (!errors.As(err, &oe) || oe.Name != "augment")) {
			t.Errorf("augment %q: %v, want ok %v (or an error naming augment)", policy, err, ok)
		}
	}
	o.Augment, o.MultiScale = gan.AugmentAll, true
	if err := o.Validate(); err == nil {
		t.Errorf("augment with multi_scale: no error")
	}
}
