// Package imgio reads and writes images for ganbook: decoding with a size check
// before any pixel is decoded, centre-crop and resize, conversion between images
// and [-1, 1] float tensors, sample grids, and atomic writes (a file appears
// whole or not at all).
package imgio
