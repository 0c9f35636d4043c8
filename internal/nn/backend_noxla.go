//go:build !(((linux && (amd64 || arm64)) || (darwin && arm64)) && !noxla)

package nn

const xlaCompiledIn = false

func disableXLAAutoInstall() {}

func xlaPlugins() []string { return nil }

func xlaUnavailableReason() string {
	return "this binary was built without XLA (-tags noxla)"
}
