package jupyter_test

import (
	"testing"

	"github.com/ganbook/ganbook/internal/jupyter"
	"github.com/ganbook/ganbook/kernel"
)

// The headless runner sets the variable the notebooks' widgets read. (An
// external test: kernel imports this package, for the checkout's root.)
func TestHeadlessEnvIsKernels(t *testing.T) {
	if jupyter.HeadlessEnv != kernel.HeadlessEnv {
		t.Errorf("the runner sets %s, the notebooks read %s", jupyter.HeadlessEnv, kernel.HeadlessEnv)
	}
}
