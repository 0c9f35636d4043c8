package run

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
	// ErrOtherRun: a checkpoint, or the dataset, is not the one the run folder
	// was started with (run.json).
	ErrOtherRun = errors.New("does not belong to this run")
	// ErrLocked: another process is writing into the run folder.
	ErrLocked = errors.New("is in use by another ganbook process")
)

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
