//go:build !amd64

package nn

// compute v0.1.14's SIMD matmul kernels are for amd64 only (AVX2, AVX-512);
// elsewhere (arm64's NEON included) the pure-Go backend runs portable Go.
func simdNote() string { return ", portable Go matmul (SIMD kernels exist for amd64 only)" }
