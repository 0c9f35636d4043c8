//go:build goexperiment.simd

package nn

func simdNote() string { return ", AVX matmul via GOEXPERIMENT=simd" }
