// Package bench measures ganbook's training steps beside PyTorch twins of the
// same models (torch_bench.py, embedded): one DCGAN step at batch 64 and 256,
// one MLP GAN step, one style-transfer step at 128 and 256 px, each as the
// median milliseconds per step after warm-up, with the FLOPs per step and the
// fraction of the CPU's nominal FP32 peak. `ganbook bench` prints the table.
//
// It is a benchmark, not a test: nothing here asserts a time.
package bench
