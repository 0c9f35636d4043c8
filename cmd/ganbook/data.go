package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/ganbook/ganbook/gan"
)

func dataCmd(args []string) error {
	if len(args) == 0 || args[0] != "mnist" {
		return usagef("data: use `ganbook data mnist [--dir DIR]`")
	}
	fs := flag.NewFlagSet("data mnist", flag.ContinueOnError)
	dir := fs.String("dir", "", "where to put the files (default: the user cache, ~/.cache/ganbook/mnist)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *dir == "" {
		if found, err := gan.MNISTDir(); err == nil {
			fmt.Printf("MNIST is already here, verified: %s\n", found)
			return nil
		}
	}
	got, err := gan.DownloadMNIST(*dir, gan.MNISTMirrors, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stdout, "MNIST downloaded and verified: %s\n", got)
	return nil
}
