package gan

import (
	"errors"
	"fmt"
	"strings"
)

// Errors a caller can test with errors.Is and answer in its own words (the
// command line adds its flags, a notebook its own advice). A run folder that
// does not exist is fs.ErrNotExist.
var (
	// ErrNoCheckpoint: the run folder holds no checkpoint to resume or sample.
	ErrNoCheckpoint = errors.New("no checkpoint")
	// ErrRunExists: a new run was asked for in a folder that already holds one.
	ErrRunExists = errors.New("already holds the checkpoints of a run")
	// ErrCorruptCheckpoint: a checkpoint file is truncated, corrupt or not a
	// ganbook checkpoint at all.
	ErrCorruptCheckpoint = errors.New("corrupt checkpoint")
	// ErrOtherModel: the options ask for networks of other shapes than a
	// checkpoint holds, so its weights cannot be loaded.
	ErrOtherModel = errors.New("the checkpoint holds another model")
	// ErrDiverged: a loss became NaN or infinite.
	ErrDiverged = errors.New("training diverged")
)

// ClassesError says that a conditional GAN's classes and a dataset's labels
// do not fit: the data has no labels (Label < 0), or a label at or beyond
// Classes. Fit is the class count that would serve (0: the unconditional GAN);
// the command line names its flag.
type ClassesError struct {
	Dataset string
	Classes int
	Label   int
	Fit     int
}

func (e *ClassesError) Error() string {
	if e.Label < 0 {
		return fmt.Sprintf("%s has no labels, and this GAN is conditional (%d classes): train the unconditional GAN (0 classes) on it, or use a labelled dataset (mnist, fashion)", e.Dataset, e.Classes)
	}
	return fmt.Sprintf("%s has a label %d, outside the GAN's %d classes: it needs %d classes", e.Dataset, e.Label, e.Classes, e.Fit)
}

// OptionError says that an option must take another value (by its JSON
// name, Name, the value Value) for the reason given; the command line names
// its flag.
type OptionError struct{ Name, Value, Reason string }

func (e *OptionError) Error() string { return e.Reason }

// OptionDiff is one option whose value differs between a checkpoint and what
// was asked, by its JSON name.
type OptionDiff struct{ Name, Checkpoint, Asked string }

// OtherModelError says that a checkpoint's networks have other shapes than the
// options ask for, and which options differ. It is ErrOtherModel.
type OtherModelError struct {
	Path  string
	Diffs []OptionDiff
}

func (e *OtherModelError) Error() string {
	parts := make([]string, len(e.Diffs))
	for i, d := range e.Diffs {
		parts[i] = fmt.Sprintf("%s %s (asked: %s)", d.Name, d.Checkpoint, d.Asked)
	}
	return fmt.Sprintf("%s holds another model: it was trained with %s", e.Path, strings.Join(parts, ", "))
}

func (e *OtherModelError) Is(target error) bool { return target == ErrOtherModel }
