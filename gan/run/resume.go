package run

import (
	"slices"

	"github.com/ganbook/ganbook/gan"
)

// Options of a run are decided in one order: a preset (PresetOptions), then the
// options the user set, then, on resume, the checkpoint, which wins. The user's
// options are named by their JSON names ("lr_d", "g_base", ...); the command
// line's flags are the same names with dashes.

// shapeOptions are the options that decide the networks' tensor shapes: a
// checkpoint cannot be loaded into networks built with other values.
// MinibatchStd adds a feature to the discriminator's last layer and MultiScale
// a layer at every scale.
var shapeOptions = []string{"model", "size", "channels", "noise_dim", "g_hidden", "d_hidden", "g_base", "d_base", "classes", "minibatch_std", "multi_scale"}

// ResumeOptions decides the options of a resumed run: the checkpoint's. asked
// are the options a new run would have had, changed the names of those the user
// set. A changed option that would change the networks' shapes and differs
// from the checkpoint's is an error (ErrOtherModel); the other changed options
// cannot apply to a run under way and are returned as ignored.
func ResumeOptions(ck *Checkpoint, asked gan.Options, changed []string) (o gan.Options, ignored []string, err error) {
	var shape []string
	for _, name := range changed {
		if slices.Contains(shapeOptions, name) {
			shape = append(shape, name)
		} else if slices.Contains(gan.OptionNames(), name) {
			ignored = append(ignored, name)
		}
	}
	want, err := ck.Options.Override(asked, shape...)
	if err != nil {
		return o, nil, err
	}
	if err := ck.SameModel(want); err != nil {
		return o, nil, err
	}
	return ck.Options, ignored, nil
}
