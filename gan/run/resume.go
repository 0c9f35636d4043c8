package run

import (
	"slices"

	"github.com/ganbook/ganbook/gan"
)

// Options of a run are decided in one order: a preset (gan.PresetOptions), then the
// options the user set, then, on resume, the checkpoint, which wins. The user's
// options are named by their JSON names ("lr_d", "g_base", ...), and arrive
// as gan.Overrides.

// shapeOptions are the options that decide the networks' tensor shapes: a
// checkpoint cannot be loaded into networks built with other values.
// MinibatchStd adds a feature to the discriminator's last layer and MultiScale
// a layer at every scale.
var shapeOptions = []string{"model", "size", "channels", "noise_dim", "g_hidden", "d_hidden", "g_base", "d_base", "classes", "minibatch_std", "multi_scale"}

// CheckResume checks what a user asked for against the checkpoint a run
// resumes from, whose options win. An asked option that would change the
// networks' shapes and differs from the checkpoint's is an error
// (ErrOtherModel); the other asked options cannot apply to a run under way and
// are returned as ignored.
func CheckResume(ck *Checkpoint, asked gan.Overrides) (ignored []string, err error) {
	var shape []string
	for _, name := range asked.Names {
		if slices.Contains(shapeOptions, name) {
			shape = append(shape, name)
		} else if slices.Contains(gan.OptionNames(), name) {
			ignored = append(ignored, name)
		}
	}
	want, err := ck.Options.With(gan.Overrides{Values: asked.Values, Names: shape})
	if err != nil {
		return nil, err
	}
	if err := ck.SameModel(want); err != nil {
		return nil, err
	}
	return ignored, nil
}
