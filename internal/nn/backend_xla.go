//go:build cgo && ((linux && (amd64 || arm64)) || (darwin && arm64)) && !noxla

package nn

import (
	"github.com/gomlx/go-xla/compute/xla" // registers the "xla" backend; loads PJRT plugins at run time
)

const xlaCompiledIn = true

func disableXLAAutoInstall() { xla.EnableAutoInstall(false) }

// xlaPlugins lists the PJRT plugins already on this machine, without downloading.
func xlaPlugins() []string {
	disableXLAAutoInstall()
	return xla.GetAvailablePlugins()
}

func xlaUnavailableReason() string {
	return "no PJRT plugin installed (to use XLA, install one into ~/.local/lib/go-xla or set PJRT_PLUGIN_LIBRARY_PATH, or GOMLX_BACKEND=xla:/abs/path/plugin.so)"
}
