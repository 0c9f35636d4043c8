package styletransfer

import (
	"context"
	"image"
	"math"
	"testing"

	"github.com/ganbook/ganbook/internal/nn"
)

// LayerGrams gives each layer's C x C Gram matrix (C: the layer's channels),
// symmetric with a non-negative diagonal, and different for two different
// pictures.
func TestLayerGrams(t *testing.T) {
	pics := testPictures()
	layers := []string{"conv1_1", "conv3_1"}
	grams, channels, err := LayerGrams(context.Background(), nn.MustBackend(), "random", pics, 64, layers, GramMatrix)
	if err != nil {
		t.Fatal(err)
	}
	if len(grams) != 2 || len(grams[0]) != 2 || channels[0] != 64 || channels[1] != 256 {
		t.Fatalf("%d pictures x %d layers, channels %v: want 2 x 2, [64 256]", len(grams), len(grams[0]), channels)
	}
	for l, c := range channels {
		g := grams[0][l]
		if len(g) != c*c {
			t.Fatalf("layer %s: %d entries, want %d", layers[l], len(g), c*c)
		}
		for i := range c {
			if g[i*c+i] < 0 {
				t.Errorf("layer %s: diagonal entry %d is %g < 0", layers[l], i, g[i*c+i])
			}
			for j := range i {
				if math.Abs(float64(g[i*c+j]-g[j*c+i])) > 1e-4*math.Abs(float64(g[i*c+j]))+1e-6 {
					t.Fatalf("layer %s: G[%d,%d]=%g but G[%d,%d]=%g", layers[l], i, j, g[i*c+j], j, i, g[j*c+i])
				}
			}
		}
	}
	if grams[0][0][0] == grams[1][0][0] {
		t.Error("two different pictures gave the same Gram entry")
	}
}

// The lesson's five style layers, the colours left out.
func TestGramLayers(t *testing.T) {
	if len(GramLayers) != 5 || GramLayers[0] != "conv1_1" || GramLayers[4] != "conv5_1" {
		t.Errorf("GramLayers %v, want conv1_1 ... conv5_1", GramLayers)
	}
}

func testPictures() []image.Image { return []image.Image{pattern(64, 0), pattern(64, 1)} }
