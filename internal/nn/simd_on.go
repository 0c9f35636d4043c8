//go:build goexperiment.simd && amd64

package nn

import "golang.org/x/sys/cpu"

// simdNote says which matmul kernels the pure-Go backend runs here: compute
// v0.1.14 has AVX-512 and AVX2 ones, compiled with GOEXPERIMENT=simd.
func simdNote() string {
	switch {
	case cpu.X86.HasAVX512F:
		return ", AVX-512 matmul via GOEXPERIMENT=simd"
	case cpu.X86.HasAVX2:
		return ", AVX2 matmul via GOEXPERIMENT=simd"
	}
	return ", portable Go matmul: this CPU has neither AVX2 nor AVX-512"
}
