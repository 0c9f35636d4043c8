package run

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ganbook/ganbook/gan"

	"github.com/ganbook/ganbook/internal/gantest"
	"github.com/ganbook/ganbook/internal/nn"
)

func TestCheckResume(t *testing.T) {
	saved := gantest.TinyOptions("mlp")
	saved.LRD = 4e-4
	g := gantest.NewGAN(t, saved)
	dir := t.TempDir()
	if _, err := Save(g, dir, 0); err != nil {
		t.Fatal(err)
	}
	ck, err := ReadCheckpoint(filepath.Join(dir, CheckpointName(0)))
	if err != nil {
		t.Fatal(err)
	}
	asked := gan.DefaultOptions("dcgan") // what a new run would get: another model entirely
	asked.LRD, asked.Seed = 1e-3, 7

	// Nothing set by the user: nothing to check or ignore.
	if ignored, err := CheckResume(ck, gan.Overrides{Values: asked}); err != nil || len(ignored) != 0 {
		t.Errorf("no changes: ignored %v, %v", ignored, err)
	}
	// Options that cannot change a run under way are reported, not applied.
	ignored, err := CheckResume(ck, gan.Overrides{Values: asked, Names: []string{"lr_d", "seed"}})
	if err != nil || !slices.Equal(ignored, []string{"lr_d", "seed"}) {
		t.Errorf("lr_d, seed: ignored %v, %v", ignored, err)
	}
	// A shape the checkpoint does not have is refused; the same shape is fine.
	if _, err := CheckResume(ck, gan.Overrides{Values: asked, Names: []string{"model"}}); !errors.Is(err, ErrOtherModel) {
		t.Errorf("another model: %v, want ErrOtherModel", err)
	}
	asked.Model = "mlp"
	if _, err := CheckResume(ck, gan.Overrides{Values: asked, Names: []string{"model"}}); err != nil {
		t.Errorf("the same model: %v", err)
	}
	// The run resumes with the checkpoint's options, whatever was asked.
	r, err := Restore(nn.MustBackend(), ck)
	if err != nil || r.Opts.LRD != 4e-4 || r.Opts.Seed != saved.Seed {
		t.Errorf("restored options %+v, %v; want the checkpoint's", r.Opts, err)
	}
}
