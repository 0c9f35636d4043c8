package styletransfer

import (
	"context"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"regexp"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganbook/ganbook/internal/nn"
	"github.com/ganbook/ganbook/styletransfer/assets"
)

// VGGLayer is one of VGG-19's 16 convolutions (3x3, stride 1, padding 1, ReLU).
type VGGLayer struct {
	Name    string // conv1_1 ... conv5_4
	Block   int    // 1..5; a 2x2 pooling follows the last layer of each block
	In, Out int    // channels
	Torch   int    // index in torchvision's vgg19().features: features.{Torch}.weight
}

// VGG19Layers lists VGG-19's convolutions in order (Simonyan and Zisserman 2014).
var VGG19Layers = func() []VGGLayer {
	var layers []VGGLayer
	convs := []int{2, 2, 4, 4, 4}
	widths := []int{64, 128, 256, 512, 512}
	in, torch := 3, 0
	for b := range 5 {
		for i := range convs[b] {
			layers = append(layers, VGGLayer{Name: fmt.Sprintf("conv%d_%d", b+1, i+1), Block: b + 1, In: in, Out: widths[b], Torch: torch})
			in = widths[b]
			torch += 2 // conv, relu
		}
		torch++ // pooling
	}
	return layers
}()

// ImageNet statistics the VGG weights were trained with (torchvision).
var (
	imagenetMean = []float32{0.485, 0.456, 0.406}
	imagenetStd  = []float32{0.229, 0.224, 0.225}
)

// PixelsLayer names the network's input (the ImageNet-normalised pixels) as a
// pseudo-layer: its Gram matrix is the image's colour statistics, which lets the
// style loss move colours even when the convolutions' weights are random.
const PixelsLayer = "pixels"

var kerasName = regexp.MustCompile(`^block([1-5])_conv([1-4])$`)

// LayerName returns the canonical name (conv4_2) of a layer given by its
// canonical or Keras name (block4_conv2), or an error listing the valid names.
func LayerName(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == PixelsLayer {
		return n, nil
	}
	if m := kerasName.FindStringSubmatch(n); m != nil {
		n = "conv" + m[1] + "_" + m[2]
	}
	for _, l := range VGG19Layers {
		if l.Name == n {
			return n, nil
		}
	}
	return "", fmt.Errorf("unknown VGG-19 layer %q: use conv1_1 ... conv5_4 (or Keras' block1_conv1 ... block5_conv4), or pixels", name)
}

func layerIndex(name string) int {
	for i, l := range VGG19Layers {
		if l.Name == name {
			return i
		}
	}
	return -1
}

// depthFor is the number of layers needed to compute all the named layers.
func depthFor(names []string) (int, error) {
	depth := 0
	for _, n := range names {
		c, err := LayerName(n)
		if err != nil {
			return 0, err
		}
		depth = max(depth, layerIndex(c)+1)
	}
	return depth, nil
}

// vggScope is where the feature network's variables live in a store.
const vggScope = "/vgg19"

// SetRandomVGG creates the first depth layers of VGG-19 in store with random
// weights (He-normal, zero bias), not trainable. Random-weight convolutional
// features are a published basis for style transfer and texture synthesis (He,
// Wang and Hopcroft, NeurIPS 2016; Ustyuzhaninov et al., ICLR 2017), weaker than
// pretrained ones.
func SetRandomVGG(store *model.Store, depth int, seed int64) error {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x7667))
	for _, l := range VGG19Layers[:depth] {
		std := math.Sqrt(2 / float64(9*l.In))
		w := make([]float32, 9*l.In*l.Out)
		for i := range w {
			w[i] = float32(rng.NormFloat64() * std)
		}
		if err := setLayer(store, l, tensors.FromFlatDataAndDimensions(w, 3, 3, l.In, l.Out), tensors.FromFlatDataAndDimensions(make([]float32, l.Out), l.Out)); err != nil {
			return err
		}
	}
	return nil
}

func setLayer(store *model.Store, l VGGLayer, w, b *tensors.Tensor) error {
	if want := shapes.Make(dtypes.Float32, 3, 3, l.In, l.Out); !w.Shape().Equal(want) {
		return fmt.Errorf("%s: weights have shape %s, want %s", l.Name, w.Shape(), want)
	}
	for name, t := range map[string]*tensors.Tensor{"weights": w, "biases": b} {
		path := vggScope + "/" + l.Name + "/" + name
		v := store.GetVariable(path)
		if v == nil {
			var err error
			if v, err = store.CreateVariable(path, t); err != nil {
				return err
			}
		} else if err := v.SetValue(t); err != nil {
			return err
		}
		v.SetTrainable(false)
	}
	return nil
}

// Features runs VGG-19 on images [B, H, W, 3] with values in [0, 1] (normalised
// with ImageNet's mean and std inside the graph) and returns the ReLU outputs of
// the named layers. Only the layers up to the deepest one named are computed;
// 2x2 average pooling between blocks (Gatys et al. found it gives smoother
// results than max pooling).
func Features(store *model.Store, images *Node, names []string) (map[string]*Node, error) {
	images.AssertRank(4)
	if images.Shape().Dim(3) != 3 {
		return nil, fmt.Errorf("VGG-19 needs RGB images, got %d channels", images.Shape().Dim(3))
	}
	depth, err := depthFor(names)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, n := range names {
		c, _ := LayerName(n)
		want[c] = true
	}
	g := images.Graph()
	mean := Reshape(Const(g, imagenetMean), 1, 1, 1, 3)
	std := Reshape(Const(g, imagenetStd), 1, 1, 1, 3)
	x := Div(Sub(images, mean), std)
	out := map[string]*Node{}
	if want[PixelsLayer] {
		out[PixelsLayer] = x
	}
	for i, l := range VGG19Layers[:depth] {
		if store.GetVariable(vggScope+"/"+l.Name+"/weights") == nil {
			return nil, fmt.Errorf("VGG-19 layer %s has no weights loaded", l.Name)
		}
		// Frozen 3x3 kernels: Winograd's algorithm (docs/performance.md, round 3).
		x = nn.Conv2D(store.Scope(vggScope+"/"+l.Name), x, nn.Conv{Out: l.Out, Kernel: 3, Pad: 1, Winograd: true})
		x = Max(x, ZerosLike(x)) // ReLU
		if want[l.Name] {
			out[l.Name] = x
		}
		if i+1 < depth && VGG19Layers[i+1].Block != l.Block {
			x = nn.AvgPool2x(x)
		}
	}
	return out, nil
}

// SetupVGG puts the feature network's first depth layers into store, as asked
// by network (see Options.Network), and says in words which network it is.
func SetupVGG(ctx context.Context, store *model.Store, network string, depth int, seed int64) (string, error) {
	path := network
	switch network {
	case "random":
		return randomNetwork, SetRandomVGG(store, depth, seed)
	case "download":
		p, err := assets.DownloadVGG19(ctx, "")
		if err != nil {
			return "", err
		}
		path = p
	case "features":
		p, err := assets.DownloadVGG19Features(ctx, "", "", nil, VGG19Tensors())
		if err != nil {
			return "", err
		}
		path = p
	case "":
		p, offline, err := DefaultWeights(ctx)
		if err != nil {
			return "", err
		}
		if p == "" {
			return randomNetwork + " (" + offline + ")", SetRandomVGG(store, depth, seed)
		}
		path = p
	}
	if err := LoadVGG19(store, path, depth); err != nil {
		return "", err
	}
	return "pretrained VGG-19 (torchvision ImageNet weights) from " + path, nil
}

// ColourGram is the 3x3 Gram matrix of an image's ImageNet-normalised colours
// (the PixelsLayer), resized to size: the simplest style statistic to look at.
func ColourGram(backend compute.Backend, img image.Image, size int) ([3][3]float64, error) {
	var out [3][3]float64
	store := model.NewStore()
	exec, err := model.NewExec(backend, store, func(scope *model.Scope, x *Node) *Node {
		return GramMatrix(mustFeatures(store, x, PixelsLayer)[PixelsLayer])
	})
	if err != nil {
		return out, fmt.Errorf("setting up the colour Gram matrix: %w", err)
	}
	res, err := nn.Call(exec, unitImage(img, size))
	if err != nil {
		return out, err
	}
	flat, err := tensors.CopyFlatData[float32](res[0])
	if err != nil {
		return out, err
	}
	for i := range 3 {
		for j := range 3 {
			out[i][j] = float64(flat[3*i+j])
		}
	}
	return out, nil
}
