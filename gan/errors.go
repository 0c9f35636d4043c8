package gan

import (
	"errors"
	"fmt"
)

// ErrDiverged: a loss became NaN or infinite. The run manager's errors
// (checkpoints, run folders) are in package run.
var ErrDiverged = errors.New("training diverged")

// ClassesError says that a conditional GAN's classes and a dataset's labels
// do not fit: the data has no labels (Label < 0), or a label at or beyond
// Classes. Fit is the class count that would serve (0: the unconditional GAN);
// the command line names its flag.
//
// For a self-conditioned GAN, Pictures > 0: the dataset has too few pictures
// for Classes clusters of at least two.
type ClassesError struct {
	Dataset  string
	Classes  int
	Label    int
	Fit      int
	Pictures int
}

func (e *ClassesError) Error() string {
	switch {
	case e.Pictures > 0 && e.Fit == 0:
		return fmt.Sprintf("%s has %d pictures, too few for %d clusters of at least %d: train the unconditional GAN (0 classes)", e.Dataset, e.Pictures, e.Classes, minPerCluster)
	case e.Pictures > 0:
		return fmt.Sprintf("%s has %d pictures, too few for %d clusters of at least %d: use %d classes (about %d pictures to a cluster)", e.Dataset, e.Pictures, e.Classes, minPerCluster, e.Fit, ClusterPictures)
	case e.Label < 0:
		return fmt.Sprintf("%s has no labels, and this GAN is conditional (%d classes): train the unconditional GAN (0 classes) on it, self-condition it on clusters of its pictures, or use a labelled dataset (mnist, fashion)", e.Dataset, e.Classes)
	}
	return fmt.Sprintf("%s has a label %d, outside the GAN's %d classes: it needs %d classes", e.Dataset, e.Label, e.Classes, e.Fit)
}

// OptionError says that an option (by its JSON name, Name) cannot take the
// value given, for the reason given, and, where one value serves, which
// (Value; else ""); the command line names its flag.
type OptionError struct{ Name, Value, Reason string }

func (e *OptionError) Error() string { return e.Reason }
