// Command ganbook is the GAN lesson's toolkit: it trains, samples and scores
// the lesson's GANs, runs neural style transfer and the notebooks.
//
//	ganbook train  [flags]     train a GAN (default: the conditional DCGAN on MNIST; --preset lesson, --model mlp for the lesson's own)
//	ganbook sample [flags]     write generated images from a trained run
//	ganbook style  [flags]     neural style transfer
//	ganbook samples            install the sample images (from Debian packages, or built-in copies)
//	ganbook data mnist         download MNIST into the cache (it also ships in the Go module cache)
//	ganbook data folder        write a dataset as an image folder
//	ganbook kernel install     install the Jupyter kernel "ganbook" (GoNB pinned by go.mod)
//	ganbook kernel check       check the Jupyter kernel and what it needs
//	ganbook notebooks run      execute the notebooks headless and report how many passed
//	                           (--full: publish the executed copies in notebooks/executed)
//	ganbook notebooks screenshot  screenshots of executed notebooks in Jupyter's page
//	ganbook score  [flags]     Frechet distance, confidence, class entropy and diversity of a run's samples
//	ganbook sweep  [flags]     short training runs over a grid of learning rates and betas, with a table of scores
//	ganbook bench  [flags]     time training steps beside PyTorch (a benchmark, not a test)
//	ganbook soak   [flags]     train for a long time and report memory (a benchmark, not a test)
//
// Run 'ganbook COMMAND -h' for a command's flags; the usage text has the main ones.
//
// Usage errors exit with code 2, failed work with 1, an interrupted run with 130.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/ganbook/ganbook/gan"
	"github.com/ganbook/ganbook/internal/nn"
)

// usageError marks errors in the command line: exit code 2. err, when set,
// is the library error it reports (for flagHint).
type usageError struct {
	msg string
	err error
}

func (e usageError) Error() string { return e.msg }
func (e usageError) Unwrap() error { return e.err }

// usagef is a usage error; a %w in format keeps the error it wraps (for flagHint).
func usagef(format string, args ...any) error {
	e := fmt.Errorf(format, args...)
	return usageError{msg: e.Error(), err: e}
}

// interrupted marks a run stopped by Ctrl-C after saving its state: exit code 130.
type interrupted struct{ msg string }

func (e interrupted) Error() string { return e.msg }

const usage = `ganbook: the GAN lesson's toolkit

usage:
  ganbook train  [--dataset mnist|fashion|DIR] [--model mlp|dcgan] [--steps N] [--out RUN_DIR] [--resume] ...
  ganbook sample --run RUN_DIR [--n 1000] [--out DIR]
  ganbook style  --content FILE --style FILE --out FILE [--size 256] [--steps N] ...
  ganbook samples                 install the sample photos and paintings (from Debian packages, or built-in copies)
  ganbook data mnist [--dir DIR]  download MNIST into the cache (it also ships in the Go module cache)
  ganbook data folder --out DIR [--from mnist|fashion] [--n N] [--size 64]   write a dataset as an image folder
  ganbook kernel install|check    the Jupyter kernel "ganbook" (GoNB pinned by go.mod)
  ganbook notebooks run [FILES]   execute notebooks headless; closes with "N passed, N failed"
                                  (--full: full mode, copies with outputs and HTML in notebooks/executed)
  ganbook notebooks screenshot FILE@CELL...  Jupyter's page of executed notebooks, as PNG (headless Chromium)
  ganbook score --run RUN_DIR [--n 1000]   Frechet distance, confidence, class entropy, diversity of generated digits
  ganbook sweep [--lr 5e-5,2e-4,1e-3] [--beta1 0.5,0.9] [--steps 500]   short runs over a grid, table of scores
  ganbook bench [--only dcgan64,...] [--steps 10]   time training steps beside PyTorch (a benchmark, not a test)
  ganbook soak [--minutes 60]     train for a long time and report memory (a benchmark, not a test)

Run 'ganbook COMMAND -h' for a command's flags.`

func main() {
	os.Exit(runCommand(os.Args[1:]))
}

func runCommand(args []string) (code int) {
	// The last line of defence: a bug must still end in one line, not a trace.
	defer func() {
		if r := recover(); r != nil {
			progressLine.done()
			fmt.Fprintf(os.Stderr, "ganbook: internal error: %v (please report it with the command you ran)\n", firstLine(fmt.Sprint(r)))
			code = 1
		}
	}()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "train":
		err = trainCmd(args[1:])
	case "sample":
		err = sampleCmd(args[1:])
	case "data":
		err = dataCmd(args[1:])
	case "style":
		err = styleCmd(args[1:])
	case "samples":
		err = samplesCmd(args[1:])
	case "kernel":
		err = kernelCmd(args[1:])
	case "notebooks":
		err = notebooksCmd(args[1:])
	case "soak":
		err = soakCmd(args[1:])
	case "score":
		err = scoreCmd(args[1:])
	case "sweep":
		err = sweepCmd(args[1:])
	case "bench":
		err = benchCmd(args[1:])
	case "-h", "--help", "help":
		fmt.Println(usage)
		return 0
	default:
		err = usagef("unknown command %q: use train, sample, style, samples, data, kernel, notebooks, score, sweep, bench or soak", args[0])
	}
	return report(err)
}

func report(err error) int {
	if err == nil {
		return 0
	}
	var ue usageError
	var in interrupted
	switch {
	case errors.As(err, &ue):
		fmt.Fprintln(os.Stderr, "ganbook: "+err.Error()+flagHint(err))
		return 2
	case errors.As(err, &in):
		fmt.Fprintln(os.Stderr, "ganbook: "+err.Error())
		return 130
	case errors.Is(err, errHelp):
		return 0
	}
	fmt.Fprintln(os.Stderr, "ganbook: "+err.Error()+flagHint(err))
	return 1
}

// flagHint names the flag that fixes a library error, where its type says
// which (the library's messages name no flags).
func flagHint(err error) string {
	var me *nn.MemoryError
	var ce *gan.ClassesError
	var oe *gan.OptionError
	switch {
	case errors.As(err, &oe) && !isOptionFlag(oe.Name):
		return "" // set through another flag, or not at all
	case errors.As(err, &oe) && oe.Value != "":
		return fmt.Sprintf(" (--%s %s)", flagName(oe.Name), oe.Value)
	case errors.As(err, &oe):
		return fmt.Sprintf(" (--%s)", flagName(oe.Name))
	case errors.As(err, &me) && me.Largest > 0:
		return fmt.Sprintf(" (--%s %d)", me.Setting, me.Largest)
	case errors.As(err, &ce):
		return fmt.Sprintf(" (--classes %d)", ce.Fit)
	}
	return ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
