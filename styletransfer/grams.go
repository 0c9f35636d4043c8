package styletransfer

import (
	"context"
	"fmt"
	"image"
	"math"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganbook/ganbook/internal/nn"
)

// GramLayers are the network layers whose Gram matrices the lesson's style
// loss compares (Gatys et al. 2016): the first convolution of each block,
// DefaultOptions' style layers without the colours themselves.
var GramLayers = DefaultOptions().StyleLayers[1:]

// LayerGrams runs each picture (fitted to size x size) through the feature
// network chosen by network (as Options.Network) and returns, for each
// picture and layer, gram of the layer's features as a flat C x C matrix and
// C. gram is the Gram matrix to use: GramMatrix, or a notebook's own.
func LayerGrams(ctx context.Context, backend compute.Backend, network string, pictures []image.Image, size int, layers []string,
	gram func(*Node) *Node) (grams [][][]float32, channels []int, err error) {
	store := model.NewStore()
	depth, err := depthFor(layers)
	if err != nil {
		return nil, nil, err
	}
	if _, err := SetupVGG(ctx, store, network, depth, 1); err != nil {
		return nil, nil, err
	}
	exec, err := model.NewExec(backend, store, func(scope *model.Scope, x *Node) []*Node {
		feats := mustFeatures(store, x, layers...)
		var out []*Node
		for _, l := range layers {
			g := gram(feats[l])
			c := feats[l].Shape().Dim(3)
			g.AssertDims(1, c, c) // [batch, channels, channels]
			out = append(out, g)
		}
		return out
	})
	if err != nil {
		return nil, nil, fmt.Errorf("setting up the Gram matrices: %w", err)
	}
	for _, img := range pictures {
		res, err := nn.Call(exec, unitImage(img, size))
		if err != nil {
			return nil, nil, err
		}
		var per [][]float32
		for _, t := range res {
			flat, err := tensors.CopyFlatData[float32](t)
			if err != nil {
				return nil, nil, err
			}
			per = append(per, flat)
			if len(grams) == 0 {
				channels = append(channels, int(math.Round(math.Sqrt(float64(len(flat))))))
			}
		}
		grams = append(grams, per)
	}
	return grams, channels, nil
}
