package gan

import "github.com/gomlx/gomlx/core/tensors"

// SetFixedLatent makes g train on the noise z [Batch, NoiseDim] (and, for a
// conditional GAN, the classes [Batch] int32) instead of random draws: for
// the tests that compare backends, whose random generators differ.
func SetFixedLatent(g *GAN, z, classes *tensors.Tensor) {
	g.fixedLatent = &fixedLatent{z: z, classes: classes}
}
