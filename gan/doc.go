// Package gan is the lesson's Generative Adversarial Networks as a library.
//
// Two networks play against each other: the Generator turns random noise vectors
// into images, the Discriminator tells real images (label 1) from generated ones
// (label 0). Training alternates the lesson's two phases, each a separate,
// visible step:
//
//  1. TrainDiscriminator: one step on a real batch and a generated batch,
//     updating only the discriminator;
//  2. TrainGenerator: one step through the frozen discriminator with target 1
//     ("fool it"), updating only the generator.
//
// Two architectures are provided: the lesson's first model, a multi-layer
// perceptron (MLP), and the convolutional DCGAN (DCGAN), each unconditional
// or told the class to draw (Options.Classes): a label, or, for pictures
// without labels, a cluster of them (Options.SelfCondition). A learner's own networks and
// losses, written in a notebook's cells, replace the package's through Parts
// (NewWith); a loop of their own ends each step with EndStep. The package
// holds the networks, the losses, the two phases, the options and sampling;
// package gan/run runs
// them over a dataset into a run folder (checkpoints, resume, metrics, sample
// grids, sweeps), and package dataset supplies the images.
package gan
