package gan_test

import (
	"fmt"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/gan"
	"github.com/ganbook/ganbook/internal/nn"
)

// The lesson's second phase: one generator step through the frozen
// discriminator. The discriminator's weights are bit-identical afterwards (same
// fingerprint); only the generator learned.
func ExampleGAN_TrainGenerator() {
	o := gan.DefaultOptions(gan.MLP)
	o.GHidden, o.DHidden, o.NoiseDim, o.Batch = []int{16}, []int{16}, 8, 4 // tiny, for speed
	g, err := gan.New(nn.MustBackend(), o)
	if err != nil {
		fmt.Println(err)
		return
	}
	discBefore, genBefore := g.Fingerprint(gan.DiscriminatorScope), g.Fingerprint(gan.GeneratorScope)
	m, err := g.TrainGenerator()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("discriminator unchanged:", g.Fingerprint(gan.DiscriminatorScope) == discBefore)
	fmt.Println("generator changed:", g.Fingerprint(gan.GeneratorScope) != genBefore)
	fmt.Println("D(G(z)) is a probability:", m.DFake > 0 && m.DFake < 1)
	// Output:
	// discriminator unchanged: true
	// generator changed: true
	// D(G(z)) is a probability: true
}

// The lesson's first phase: one discriminator step on a real batch. The
// generator only made the fakes; its weights are untouched.
func ExampleGAN_TrainDiscriminator() {
	o := gan.DefaultOptions(gan.MLP)
	o.GHidden, o.DHidden, o.NoiseDim, o.Batch = []int{16}, []int{16}, 8, 4
	g, err := gan.New(nn.MustBackend(), o)
	if err != nil {
		fmt.Println(err)
		return
	}
	pixels := make([]float32, o.Batch*o.Pixels()) // a gray batch stands in for real images
	real := dataset.Batch{Images: tensors.FromFlatDataAndDimensions(pixels, o.Batch, o.Size, o.Size, o.Channels)}
	genBefore := g.Fingerprint(gan.GeneratorScope)
	m, err := g.TrainDiscriminator(real)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("generator unchanged:", g.Fingerprint(gan.GeneratorScope) == genBefore)
	fmt.Println("loss is BCE on real + BCE on fake:", m.Loss > 0)
	// Output:
	// generator unchanged: true
	// loss is BCE on real + BCE on fake: true
}
