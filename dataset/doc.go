// Package dataset holds the images a GAN learns from and a classifier scores
// against: MNIST (shipped inside a pinned Go module, verified by SHA-256, with
// a download fallback), Fashion-MNIST (Debian's package or any folder of its
// IDX files), and a folder of your own pictures. Every loader returns a
// Dataset: images in memory, channels-last, values in [-1, 1]; a Batcher draws
// shuffled batches of them, epoch after epoch.
//
// Both gan (training) and score (the classifiers) use it, so it lives in a room
// of its own.
package dataset
