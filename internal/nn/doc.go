// Package nn holds the building blocks that both halves of ganbook share: the
// choice of compute backend, convolution (im2col + matmul on the pure-Go backend,
// the native op on XLA), batch norm written from graph ops, and up-sampling.
//
// They live here once so that the GAN and the style-transfer packages build the
// lesson from the same, tested pieces. Everything is channels-last:
// images are [batch, height, width, channels].
package nn
