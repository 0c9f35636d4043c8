//go:build !(cgo && ((linux && (amd64 || arm64)) || (darwin && arm64)) && !noxla)

package nn

// XLA is compiled in only with cgo on (go-xla loads PJRT plugins through it),
// on Linux amd64/arm64 and macOS arm64 (where PJRT plugins exist), and not
// with -tags noxla; elsewhere ganbook builds and runs on the pure-Go backend.

import "runtime"

const xlaCompiledIn = false

func disableXLAAutoInstall() {}

func xlaPlugins() []string { return nil }

func xlaUnavailableReason() string {
	return "this binary was built without XLA (it needs cgo and Linux amd64/arm64 or macOS arm64, and no -tags noxla; this is " + runtime.GOOS + "/" + runtime.GOARCH + ")"
}
