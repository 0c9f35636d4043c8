//go:build !goexperiment.simd && amd64

package nn

// Without GOEXPERIMENT=simd the pure-Go backend's matmul is ~1.8x slower.
func simdNote() string { return ", built without GOEXPERIMENT=simd: ~1.8x slower" }
