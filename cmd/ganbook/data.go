package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"

	"github.com/ganbook/ganbook/dataset"
)

func dataCmd(args []string) error {
	if len(args) > 0 && args[0] == "folder" {
		return dataFolderCmd(args[1:])
	}
	if len(args) == 0 || args[0] != "mnist" {
		return usagef("data: use `ganbook data mnist [--dir DIR]` or `ganbook data folder --out DIR`")
	}
	fs := flag.NewFlagSet("data mnist", flag.ContinueOnError)
	dir := fs.String("dir", "", "where to put the files (default: the user cache, ~/.cache/ganbook/mnist)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *dir == "" {
		if found, err := dataset.MNISTDir(); err == nil {
			fmt.Printf("MNIST is already here, verified: %s\n", found)
			return nil
		}
	}
	ctx, stop := stopContext() // Ctrl-C stops the download at once
	defer stop()
	got, err := dataset.DownloadMNIST(ctx, *dir, dataset.MNISTMirrors, nil)
	if ctx.Err() != nil {
		return interrupted{"stopped by a signal: the files downloaded whole so far are kept and checked; run the command again for the rest"}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stdout, "MNIST downloaded and verified: %s\n", got)
	return nil
}

// dataFolderCmd writes MNIST or Fashion-MNIST images into a folder of PNGs at
// another size: a "folder of your own images" with known content, so a 64x64
// GAN trained on it can be scored with the shipped classifiers.
func dataFolderCmd(args []string) error {
	fs := flag.NewFlagSet("data folder", flag.ContinueOnError)
	from := fs.String("from", "mnist", "mnist or fashion (the training images)")
	n := fs.Int("n", 10000, "number of images")
	size := fs.Int("size", 64, "image size in pixels")
	out := fs.String("out", "", "folder to write (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" || *n < 1 || *size < 8 || *size > 1024 {
		return usagef("data folder: needs --out DIR, --n >= 1 and --size between 8 and 1024")
	}
	data, err := labelled(*from, true)
	if err != nil {
		return err
	}
	data = data.Take(*n)
	var names []string
	for i := range data.N {
		names = append(names, dataset.FolderImageName(i))
	}
	if err := prepareOutputFolder("out", *out, names); err != nil {
		return err
	}
	ctx, stop := stopContext()
	defer stop()
	written, err := data.SaveFolderContext(ctx, *out, *size)
	if ctx.Err() != nil {
		return interrupted{fmt.Sprintf("stopped by a signal after writing %d of %d images to %s (each one whole)", written, data.N, *out)}
	}
	if err != nil {
		return fmt.Errorf("%w (after writing %d of %d images to %s)", err, written, data.N, *out)
	}
	// Only now: an earlier run's images beyond this one's would be mixed in.
	removed, err := removeStale(*out, names, folderImageNames)
	if err != nil {
		return err
	}
	fmt.Printf("%d %s images at %dx%d written to %s%s\n", data.N, *from, *size, *size, *out, removedNote(removed))
	return nil
}

// folderImageNames are the files `data folder` writes (dataset.FolderImageName).
var folderImageNames = regexp.MustCompile(`^image-[0-9]{5,}\.png$`)

// removedNote says how many files of an earlier run were removed, if any.
func removedNote(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d files of an earlier run removed)", n)
}
