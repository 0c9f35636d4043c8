package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/gomlx/compute"

	"github.com/ganbook/ganbook/gan"
	"github.com/ganbook/ganbook/internal/nn"
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
	// The flag package reads "NaN" and "Inf" as numbers; no ganbook setting takes them.
	var bad error
	fs.Visit(func(f *flag.Flag) {
		if g, ok := f.Value.(flag.Getter); ok {
			if v, ok := g.Get().(float64); ok && (math.IsNaN(v) || math.IsInf(v, 0)) && bad == nil {
				bad = usagef("--%s must be a finite number, got %s", f.Name, f.Value)
			}
		}
	})
	return bad
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

// optionFlags declares a flag for each gan.Options field with a help tag,
// named by flagName from the field's JSON name and bound to the returned
// Options. Its defaults are the tuned DCGAN's; the preset decides the starting
// values, and only the flags given (overrides) are applied on top.
func optionFlags(fs *flag.FlagSet) *gan.Options {
	o := gan.TunedOptions(gan.DCGAN) // the default run
	v := reflect.ValueOf(&o).Elem()
	for i, f := range reflect.VisibleFields(v.Type()) {
		help := f.Tag.Get("help")
		if help == "" {
			continue // set through others (noise_dim, the MLP's widths, --lr-decay's steps)
		}
		name := flagName(gan.JSONName(f))
		switch p := v.Field(i).Addr().Interface().(type) {
		case *string:
			fs.StringVar(p, name, *p, help)
		case *int:
			fs.IntVar(p, name, *p, help)
		case *int64:
			fs.Int64Var(p, name, *p, help)
		case *float64:
			fs.Float64Var(p, name, *p, help)
		case *bool:
			fs.BoolVar(p, name, *p, help)
		default:
			panic(fmt.Sprintf("option %s: the command line cannot set a %s", name, f.Type))
		}
	}
	return &o
}

// isOptionFlag reports whether optionFlags declares a flag for the option.
func isOptionFlag(option string) bool {
	for f := range reflect.TypeFor[gan.Options]().Fields() {
		if gan.JSONName(f) == option {
			return f.Tag.Get("help") != ""
		}
	}
	return false
}

// flagName is the flag of an option: its JSON name with dashes, except that
// the two steps of the learning-rate decay come from --lr-decay.
func flagName(option string) string {
	if strings.HasPrefix(option, "lr_decay_") {
		return "lr-decay"
	}
	return strings.ReplaceAll(option, "_", "-")
}

// overrides are the options whose flags were given, with their values.
func overrides(values *gan.Options, given map[string]bool) gan.Overrides {
	ov := gan.Overrides{Values: *values}
	for _, name := range gan.OptionNames() {
		if given[flagName(name)] && !strings.HasPrefix(name, "lr_decay_") {
			ov.Names = append(ov.Names, name)
		}
	}
	return ov
}

// flagNames are the flags of options, without repeats.
func flagNames(options []string) []string {
	var flags []string
	for _, name := range options {
		if f := flagName(name); !slices.Contains(flags, f) {
			flags = append(flags, f)
		}
	}
	return flags
}
