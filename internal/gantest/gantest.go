// Package gantest holds what the tests of package gan and of its run manager
// share: small models that train in milliseconds, stand-in batches, and
// snapshots of a network's weights to check what a phase changed.
package gantest

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/gan"
	"github.com/ganbook/ganbook/internal/nn"
)

// TinyOptions are small, fast models for tests.
func TinyOptions(modelName string) gan.Options {
	o := gan.DefaultOptions(modelName)
	o.Batch = 8
	o.NoiseDim = 16
	if modelName == gan.MLP {
		o.GHidden, o.DHidden = []int{32, 64}, []int{64, 32}
	} else {
		o.GBase, o.DBase = 16, 8
	}
	return o
}

// RandomBatch is a batch of uniform noise in [-1, 1] standing in for real
// images, with random labels for a conditional GAN.
func RandomBatch(o gan.Options, seed uint64) dataset.Batch {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, o.Batch*o.Pixels())
	for i := range x {
		x[i] = rng.Float32()*2 - 1
	}
	var labels []int
	for range o.Batch * min(o.Classes, 1) {
		labels = append(labels, rng.IntN(o.Classes))
	}
	return dataset.Batch{Images: tensors.FromFlatDataAndDimensions(x, o.Batch, o.Size, o.Size, o.Channels), Labels: labels}
}

// NewGAN is gan.New on the default backend, failing the test on error.
func NewGAN(t testing.TB, o gan.Options) *gan.GAN {
	t.Helper()
	g, err := gan.New(nn.MustBackend(), o)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// Snapshot copies every variable under a scope path.
func Snapshot(store *model.Store, prefix string) map[string][]byte {
	out := map[string][]byte{}
	for v := range store.IterVariables() {
		if !strings.HasPrefix(v.Path(), prefix+"/") {
			continue
		}
		v.MustValue().ConstBytes(func(b []byte) { out[v.Path()] = append([]byte(nil), b...) })
	}
	return out
}

// AssertSame fails when a variable differs between two snapshots.
func AssertSame(t *testing.T, what string, before, after map[string][]byte) {
	t.Helper()
	if len(before) == 0 || len(before) != len(after) {
		t.Fatalf("%s: %d variables before, %d after", what, len(before), len(after))
	}
	for path, b := range before {
		if string(b) != string(after[path]) {
			t.Errorf("%s: variable %s changed", what, path)
		}
	}
}

// AssertSomeChanged fails when no variable differs between two snapshots.
func AssertSomeChanged(t *testing.T, what string, before, after map[string][]byte) {
	t.Helper()
	changed := 0
	for path, b := range before {
		if string(b) != string(after[path]) {
			changed++
		}
	}
	if changed == 0 {
		t.Errorf("%s: no variable changed", what)
	}
}
