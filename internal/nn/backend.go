package nn

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/compute/gobackend" // the pure-Go backend, always available
)

// GoBackendConfig is the pure-Go backend configuration ganbook uses by default:
// the parallel op scheduler with one executor per core. compute v0.1.3's
// scheduler deadlocked in 2 of 9 DCGAN runs, so ganbook ran ops sequentially;
// v0.1.14 rewrote it, and none of 115 runs hung (docs/backends.md). More
// executors than cores (the backend's default is 8, capped at twice the cores)
// only made the matmul's own workers and the executors fight: on 2 cores a
// DCGAN step took 217 ms with 2 executors, 251 ms with 4 and 296 ms sequential.
// GOMLX_BACKEND=go:ops_sequential is the safe mode if a run ever stalls.
var GoBackendConfig = fmt.Sprintf("go:num_executors=%d", runtime.NumCPU())

// SequentialConfig is the pure-Go backend with ops run one at a time: what the
// stall messages suggest.
const SequentialConfig = "go:ops_sequential"

// StallAdvice is what the stall messages (ganbook train, ganbook style) say
// after "no step finished for T".
const StallAdvice = "the compute backend seems stuck (to rule out its parallel scheduler, run again with GOMLX_BACKEND=" + SequentialConfig + ")"

// BackendChoice is the backend in use and a one-line description for the user.
type BackendChoice struct {
	Backend compute.Backend
	Config  string // the configuration it was created with, e.g. "go:ops_sequential"
	Line    string // one line to print at start
}

var (
	backendOnce   sync.Once
	backendChoice BackendChoice
	backendErr    error
)

// Backend returns the process-wide backend, choosing it on the first call:
//   - $GOMLX_BACKEND when set (e.g. "go", "xla:cpu", "xla:cuda", "xla:/path/plugin.so");
//   - otherwise XLA when a PJRT plugin is already installed;
//   - otherwise the pure-Go backend.
//
// Nothing is ever downloaded: XLA's plugin auto-install is switched off.
func Backend() (BackendChoice, error) {
	backendOnce.Do(func() { backendChoice, backendErr = chooseBackend() })
	return backendChoice, backendErr
}

// MustBackend is Backend for tests and notebooks: it panics on error.
func MustBackend() compute.Backend {
	c, err := Backend()
	if err != nil {
		panic(err)
	}
	return c.Backend
}

func chooseBackend() (BackendChoice, error) {
	if config, ok := os.LookupEnv(compute.ConfigEnvVar); ok && config != "" {
		b, err := newBackend(config)
		if err != nil {
			return BackendChoice{}, fmt.Errorf("backend %s=%q failed: %w (unset %s to use the pure-Go backend, or install a PJRT plugin: see docs/backends.md)",
				compute.ConfigEnvVar, config, err, compute.ConfigEnvVar)
		}
		return BackendChoice{Backend: b, Config: config, Line: describe(config, "from $"+compute.ConfigEnvVar)}, nil
	}
	skipped := "XLA skipped: " + xlaUnavailableReason()
	if plugins := xlaPlugins(); len(plugins) > 0 {
		config := "xla:" + plugins[0]
		b, err := newBackend(config)
		if err == nil {
			return BackendChoice{Backend: b, Config: config, Line: describe(config, "PJRT plugin found")}, nil
		}
		skipped = fmt.Sprintf("XLA skipped: plugin %q failed to load: %v", plugins[0], err)
	}
	b, err := newBackend(GoBackendConfig)
	if err != nil {
		return BackendChoice{}, err
	}
	return BackendChoice{Backend: b, Config: GoBackendConfig, Line: describe(GoBackendConfig, skipped)}, nil
}

// newBackend creates a backend and turns the constructor's panics (unknown
// backend name) into errors.
func newBackend(config string) (b compute.Backend, err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = fmt.Errorf("%w", e)
			} else {
				err = fmt.Errorf("%v", r)
			}
		}
	}()
	if strings.HasPrefix(config, "xla") {
		if !xlaCompiledIn {
			return nil, fmt.Errorf("%s", xlaUnavailableReason())
		}
		disableXLAAutoInstall()
	}
	return compute.NewWithConfig(config)
}

func describe(config, why string) string {
	name := config
	if strings.HasPrefix(config, "go") {
		name = config + " (pure Go" + simdNote() + ")"
	}
	return fmt.Sprintf("backend: %s; %s", name, why)
}

// IsGoBackend reports whether b is the pure-Go backend, where native
// convolutions are ~25x slower than im2col + matmul.
// (Its Name() is "Go Backend", not its registered name "go".)
func IsGoBackend(b compute.Backend) bool {
	return strings.HasPrefix(strings.ToLower(b.Name()), "go")
}

// NewBackend creates a backend from a configuration such as GoBackendConfig or
// "xla:cuda", turning the constructor's panics into errors.
func NewBackend(config string) (compute.Backend, error) { return newBackend(config) }

// XLAConfigEnv names the backend that the XLA checks (go test -run TestXLA)
// compare with the pure-Go one, e.g. "xla:cuda"; "go:ops_sequential" runs the
// checks' own machinery where no plugin is installed.
const XLAConfigEnv = "GANBOOK_XLA_BACKEND"

// XLABackend is the backend the XLA checks compare with the pure-Go one:
// $GANBOOK_XLA_BACKEND when set, otherwise XLA with the first PJRT plugin
// installed here. Without one, the error says why in one line.
func XLABackend() (compute.Backend, string, error) {
	config := os.Getenv(XLAConfigEnv)
	if config == "" {
		plugins := xlaPlugins()
		if len(plugins) == 0 {
			return nil, "", fmt.Errorf("%s", xlaUnavailableReason())
		}
		config = "xla:" + plugins[0]
	}
	b, err := newBackend(config)
	if err != nil {
		return nil, config, fmt.Errorf("backend %q failed to load: %w", config, err)
	}
	return b, config, nil
}
