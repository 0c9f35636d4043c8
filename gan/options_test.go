package gan_test

import (
	"slices"
	"testing"

	"github.com/ganbook/ganbook/gan"
)

func TestOptionsWith(t *testing.T) {
	base, from := gan.DefaultOptions("mlp"), gan.TunedOptions("mlp")
	o, err := base.With(gan.Overrides{Values: from, Names: []string{"lr_d", "ema"}})
	if err != nil || o.LRD != from.LRD || o.EMA != from.EMA || o.FeatureMatching != base.FeatureMatching {
		t.Errorf("override lr_d, ema: %+v, %v", o, err)
	}
	if _, err := base.With(gan.Overrides{Values: from, Names: []string{"lr-d"}}); err == nil {
		t.Error("a flag name is not an option name: want an error")
	}
	if names := gan.OptionNames(); names[0] != "model" || !slices.Contains(names, "feature_matching") || !slices.Contains(names, "augment") || len(names) != 26 {
		t.Errorf("option names %v", names)
	}
}
