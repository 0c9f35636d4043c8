package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
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

// optionFlags declares one flag per gan.Options field that the command line
// sets, bound to the returned Options. Its defaults are the tuned DCGAN's; the
// preset decides the starting values, and only the flags given (optionsGiven)
// are applied on top (gan.Options.Override). A flag is named like its field's
// JSON name, with dashes.
func optionFlags(fs *flag.FlagSet) *gan.Options {
	o := gan.TunedOptions(gan.DCGAN) // the default run
	mlp := gan.TunedOptions(gan.MLP)
	fs.StringVar(&o.Model, "model", o.Model, gan.MLP+" (the lesson's first GAN) or "+gan.DCGAN)
	fs.IntVar(&o.Batch, "batch", o.Batch, "batch size")
	fs.IntVar(&o.Size, "size", o.Size, "image size: 28, 32 or 64 (default 28 for MNIST; for folders 64, or 32 for mlp)")
	fs.IntVar(&o.Channels, "channels", o.Channels, "1 (grayscale) or 3 (RGB) (default 1 for MNIST, 3 for folders)")
	fs.IntVar(&o.GBase, "g-base", o.GBase, "dcgan: channels of the generator's first feature map")
	fs.IntVar(&o.DBase, "d-base", o.DBase, "dcgan: channels of the discriminator's first convolution")
	fs.Float64Var(&o.LRD, "lr-d", o.LRD, "discriminator learning rate (the tuned presets'; the lesson's is 2e-4)")
	fs.Float64Var(&o.LRG, "lr-g", o.LRG, "generator learning rate")
	fs.Float64Var(&o.Beta1, "beta1", o.Beta1, "Adam beta1")
	fs.Float64Var(&o.Beta2, "beta2", o.Beta2, "Adam beta2")
	fs.BoolVar(&o.MinibatchStd, "minibatch-std", o.MinibatchStd, "give the discriminator the batch's standard deviation (against mode collapse)")
	fs.Float64Var(&o.FeatureMatching, "feature-matching", o.FeatureMatching, fmt.Sprintf("weight of feature matching in the generator's loss, against mode collapse (0: off; the tuned mlp's is %g)", mlp.FeatureMatching))
	fs.Float64Var(&o.EMA, "ema", o.EMA, fmt.Sprintf("draw samples from a moving average of the generator's weights with this decay (0: off; the tuned mlp's is %g)", mlp.EMA))
	fs.BoolVar(&o.MultiScale, "multi-scale", o.MultiScale, "MSG-GAN: the dcgan discriminator also sees the generator's half and quarter size images")
	fs.IntVar(&o.Classes, "classes", o.Classes, "conditional GAN: tell both networks each image's class, one of N (needs labels: mnist, fashion; 0: the lesson's unconditional GAN; the tuned dcgan's is 10, 0 for a folder)")
	fs.Float64Var(&o.LabelSmoothing, "label-smoothing", o.LabelSmoothing, "one-sided label smoothing: real label 1-X (0: off)")
	fs.Float64Var(&o.DDropout, "d-dropout", o.DDropout, "dropout rate in the discriminator")
	fs.Float64Var(&o.SkipDBelow, "skip-d-below", o.SkipDBelow, "skip the discriminator step while its loss is below X (0: off)")
	fs.Int64Var(&o.Seed, "seed", o.Seed, "random seed (weights, noise, batch order)")
	return &o
}

// optionsGiven returns the JSON names of the options whose flags were given.
func optionsGiven(given map[string]bool) []string {
	var names []string
	for _, name := range gan.OptionNames() {
		if given[strings.ReplaceAll(name, "_", "-")] {
			names = append(names, name)
		}
	}
	return names
}

// flagNames turns option names back into the flags that set them (the two
// decay steps come from --lr-decay), without repeats.
func flagNames(options []string) []string {
	var flags []string
	for _, name := range options {
		f := strings.ReplaceAll(name, "_", "-")
		if strings.HasPrefix(f, "lr-decay-") {
			f = "lr-decay"
		}
		if !slices.Contains(flags, f) {
			flags = append(flags, f)
		}
	}
	return flags
}
