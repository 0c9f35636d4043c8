package gan

import "errors"

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
