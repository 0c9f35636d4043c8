package jupyter

import (
	"strings"
	"testing"
)

func TestNotebookError(t *testing.T) {
	ok := `{"cells":[{"cell_type":"markdown","source":"x"},{"cell_type":"code","outputs":[{"output_type":"stream","name":"stdout","text":["exit status is printed here but fine\n","loss 0.5\n"]}]}]}`
	if err := NotebookError([]byte(ok)); err != nil {
		t.Errorf("clean notebook: %v", err)
	}
	for name, tc := range map[string]struct{ nb, want string }{
		"panic":      {`{"cells":[{"cell_type":"code","outputs":[]},{"cell_type":"code","outputs":[{"output_type":"error","ename":"panic","evalue":"runtime error: index out of range\ngoroutine 1"}]}]}`, "cell 2: panic: runtime error"},
		"shell line": {`{"cells":[{"cell_type":"code","outputs":[{"output_type":"stream","name":"stderr","text":"go: cannot find module\nexit status 1\n"}]}]}`, "cell 1: a shell line failed"},
		"not json":   {`{`, "not a notebook"},
	} {
		err := NotebookError([]byte(tc.nb))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", name, err, tc.want)
		}
	}
}

func TestCheckLinesSayHowToFix(t *testing.T) {
	t.Setenv("JUPYTER_DATA_DIR", t.TempDir())
	for _, l := range Check() {
		if !l.OK && l.Fix == "" {
			t.Errorf("%s is missing but no fix is given", l.What)
		}
		if l.What == "kernel spec "+KernelName && l.OK {
			t.Errorf("an empty JUPYTER_DATA_DIR cannot hold the kernel spec")
		}
		if !strings.Contains(l.String(), l.What) {
			t.Errorf("line %q does not name %s", l.String(), l.What)
		}
	}
}
