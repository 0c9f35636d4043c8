package run

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ganbook/ganbook/gan"

	"github.com/ganbook/ganbook/internal/gantest"
)

func TestResumeOptions(t *testing.T) {
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

	// Nothing set by the user: the checkpoint's options, whatever the preset says.
	o, ignored, err := ResumeOptions(ck, asked, nil)
	if err != nil || o.Model != "mlp" || o.LRD != 4e-4 || len(ignored) != 0 {
		t.Errorf("no changes: %+v, ignored %v, %v", o, ignored, err)
	}
	// Options that cannot change a run under way are reported, not applied.
	o, ignored, err = ResumeOptions(ck, asked, []string{"lr_d", "seed"})
	if err != nil || o.LRD != 4e-4 || o.Seed != saved.Seed || !slices.Equal(ignored, []string{"lr_d", "seed"}) {
		t.Errorf("lr_d, seed: %+v, ignored %v, %v", o, ignored, err)
	}
	// A shape the checkpoint does not have is refused; the same shape is fine.
	if _, _, err := ResumeOptions(ck, asked, []string{"model"}); !errors.Is(err, ErrOtherModel) {
		t.Errorf("another model: %v, want ErrOtherModel", err)
	}
	asked.Model = "mlp"
	if _, _, err := ResumeOptions(ck, asked, []string{"model"}); err != nil {
		t.Errorf("the same model: %v", err)
	}
}
