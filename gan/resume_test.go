package gan

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

// "Preset, then the user's options, then the checkpoint", decided in one place.
func TestResumeOptions(t *testing.T) {
	saved := tinyOptions("mlp")
	saved.LRD = 4e-4
	g := newTestGAN(t, saved)
	dir := t.TempDir()
	if _, err := g.SaveCheckpoint(dir, 0); err != nil {
		t.Fatal(err)
	}
	ck, err := ReadCheckpoint(filepath.Join(dir, CheckpointName(0)))
	if err != nil {
		t.Fatal(err)
	}
	asked := DefaultOptions("dcgan") // what a new run would get: another model entirely
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

func TestOverride(t *testing.T) {
	base, from := DefaultOptions("mlp"), TunedOptions("mlp")
	o, err := base.Override(from, "lr_d", "ema")
	if err != nil || o.LRD != from.LRD || o.EMA != from.EMA || o.FeatureMatching != base.FeatureMatching {
		t.Errorf("override lr_d, ema: %+v, %v", o, err)
	}
	if _, err := base.Override(from, "lr-d"); err == nil {
		t.Error("a flag name is not an option name: want an error")
	}
	if names := OptionNames(); names[0] != "model" || !slices.Contains(names, "feature_matching") || len(names) != 24 {
		t.Errorf("option names %v", names)
	}
}
