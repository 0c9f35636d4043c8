package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ganbook/ganbook/internal/nn"
	"github.com/gomlx/compute"
)

var errHelp = errors.New("help shown")

// parseFlags parses args with fs, turning flag errors into one-line usage errors
// and rejecting stray arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := parseFlagsAndArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q (flags start with --)", fs.Name(), strings.Join(fs.Args(), " "))
	}
	return nil
}

// parseFlagsAndArgs is parseFlags for commands that also take arguments
// (fs.Args()). -h prints the command's flags, or says it has none, and exits 0.
func parseFlagsAndArgs(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			n := 0
			fs.VisitAll(func(*flag.Flag) { n++ })
			if n == 0 {
				fmt.Printf("ganbook %s takes no flags\n", fs.Name())
				return errHelp
			}
			fmt.Printf("flags of ganbook %s:\n", fs.Name())
			fs.SetOutput(os.Stdout)
			fs.PrintDefaults()
			return errHelp
		}
		return usagef("%s %s (see 'ganbook %s -h')", fs.Name(), err, fs.Name())
	}
	return nil
}

// setFlags returns the names of the flags given on the command line.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// backend chooses the compute backend once and prints the line that names it.
func backend() (compute.Backend, error) {
	choice, err := nn.Backend()
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(os.Stderr, choice.Line)
	return choice.Backend, nil
}
