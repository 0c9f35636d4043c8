package main

import (
	"context"
	"flag"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ganbook/ganbook/internal/fileio"
	"github.com/ganbook/ganbook/internal/imgio"
	"github.com/ganbook/ganbook/internal/nn"
	"github.com/ganbook/ganbook/internal/watchdog"
	"github.com/ganbook/ganbook/styletransfer"
	"github.com/ganbook/ganbook/styletransfer/assets"
	"github.com/gomlx/compute"
)

func styleCmd(args []string) error {
	d := styletransfer.DefaultOptions()
	fs := flag.NewFlagSet("style", flag.ContinueOnError)
	contentPath := fs.String("content", "", "content image: the picture to repaint (PNG, JPEG or GIF)")
	stylePath := fs.String("style", "", "style image: the painting whose style to copy")
	out := fs.String("out", "", "output image, .png or .jpg (required)")
	size := fs.Int("size", d.Size, "output size in pixels (square; >= 64)")
	steps := fs.Int("steps", d.Steps, "optimisation steps")
	cw := fs.Float64("content-weight", d.Weights.Content, "weight of the content loss")
	sw := fs.Float64("style-weight", d.Weights.Style, "weight of the style loss")
	vw := fs.Float64("variation-weight", d.Weights.Variation, "weight of the variation loss at 256 px (scaled by 256/size: speckle is per pixel)")
	init := fs.String("init", d.Init, "start from noise, content, or content+noise")
	weights := fs.String("weights", "", "VGG-19 weights: PATH to torchvision's .safetensors; download (the whole 575 MB file, checked against the Hub's SHA-256); "+
		"features (only the 80 MB of convolutions, by HTTP range requests: the Hub's SHA-256 covers only the whole file, so the tensors' hashes are recorded at the first download and checked on every load); "+
		"or random; default: a cached download or features file, else the features fetched once (random when the Hub does not answer within 5 s)")
	lr := fs.Float64("lr", d.LearningRate, "Adam learning rate on the pixels")
	optName := fs.String("optimizer", d.Optimizer, "adam, or lbfgs (limited-memory BFGS with a line search, as Gatys et al.)")
	scales := fs.Int("scales", d.Scales, "coarse to fine: optimise at size/2^(N-1) first, then double, each stage --steps steps")
	previewEvery := fs.Int("preview-every", 50, "save a preview beside --out every N steps (0: none)")
	seed := fs.Int64("seed", d.Seed, "random seed")
	stall := fs.Duration("stall-timeout", 10*time.Minute, "stop with an explanation if no step finishes for this long (0: never)")
	contentLayer := fs.String("content-layer", d.ContentLayer, "VGG-19 layer of the content loss")
	styleLayers := fs.String("style-layers", strings.Join(d.StyleLayers, ","), "VGG-19 layers of the style loss, comma-separated (pixels: the colours themselves)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	o := d
	o.Size, o.Steps, o.Init, o.Network, o.LearningRate, o.Seed = *size, *steps, *init, *weights, *lr, *seed
	o.Optimizer, o.Scales = *optName, *scales
	o.Weights = styletransfer.Weights{Content: *cw, Style: *sw, Variation: *vw}
	o.ContentLayer, o.StyleLayers = *contentLayer, strings.Split(*styleLayers, ",")
	if *contentPath == "" || *stylePath == "" || *out == "" {
		return usagef("style: --content, --style and --out are required")
	}
	if err := imgio.CheckOutputName(*out); err != nil {
		return usagef("%v", err)
	}
	if err := checkOutputFile("out", *out, *contentPath, *stylePath); err != nil {
		return err
	}
	if err := checkStyleOutputs(*out, *previewEvery, *steps, *contentPath, *stylePath); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return usagef("%v", err)
	}
	content, style, err := loadStylePictures(*contentPath, *stylePath)
	if err != nil {
		return err
	}
	b, err := backend()
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "options: size=%d steps=%d init=%s weights content=%g style=%g variation=%g lr=%g content-layer=%s style-layers=%s\n",
		o.Size, o.Steps, o.Init, o.Weights.Content, o.Weights.Style, o.Weights.Variation, o.LearningRate, o.ContentLayer, strings.Join(o.StyleLayers, ","))
	return stylise(b, content, style, o, *out, *previewEvery, *stall)
}

// stylise runs the transfer with previews, a progress line and the stall
// watchdog, writes out, and judges the result independently.
func stylise(b compute.Backend, content, style image.Image, o styletransfer.Options, out string, previewEvery int, stall time.Duration) error {
	ctx, stop := stopContext()
	defer stop()
	switch o.Network {
	case "features":
		var err error
		if o.Network, err = fetchFeatures(ctx); err != nil {
			return err
		}
	case "": // the default: pretrained if it can be had within seconds, before the watchdog (a slow download is not a stall)
		var why string
		var err error
		if o.Network, why, err = defaultNetwork(ctx); err != nil {
			return err
		}
		if why != "" {
			o.Notice = func(s string) { progressLine.log("network: " + s + " (" + why + ")") }
		}
	}
	dog := watchdog.Start(stall, func(since time.Duration) {
		progressLine.done()
		fmt.Fprintf(os.Stderr, "ganbook: no style step finished for %s: "+nn.StallAdvice+"; nothing was written to %s\n", since.Round(time.Second), out)
		os.Exit(1)
	})
	defer dog.Stop()
	pw := &previews{out: out, every: previewEvery, kick: dog.Kick}
	o.Every, o.Callback = 1, pw.step
	if o.Notice == nil {
		o.Notice = func(s string) { progressLine.log("network: " + s) }
	}
	start := time.Now()
	res, err := styletransfer.Transfer(ctx, b, content, style, o)
	progressLine.done()
	if ctx.Err() != nil {
		return interrupted{pw.stopped(o.Steps)}
	}
	if err != nil {
		return err
	}
	if err := imgio.Save(out, res.Image); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "done: %s in %s (content %.4g, style %.4g, variation %.4g; %d evaluations of the loss)\n", out, time.Since(start).Round(time.Second), res.Last.Content, res.Last.Style, res.Last.Variation, res.Evaluations)
	// Judged in a network the optimisation did not use (styletransfer.MeasureTransfer).
	report, err := styletransfer.MeasureTransfer(b, content, style, res.Image)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "independent check (random VGG-19 of another seed, 128 px): %s\n", report)
	return nil
}

// checkStyleOutputs refuses, before any work, an output or preview that
// would replace an input or a user's picture, a missing folder, and a place
// that cannot be written.
func checkStyleOutputs(out string, previewEvery, steps int, inputs ...string) error {
	for step := previewEvery; previewEvery > 0 && step < steps; step += previewEvery {
		if err := checkOutputFile("preview-every", previewName(out, step), inputs...); err != nil {
			return err
		}
	}
	if st, err := os.Stat(filepath.Dir(out)); err != nil || !st.IsDir() {
		return usagef("%s: directory %s does not exist: create it first", out, filepath.Dir(out))
	}
	if err := fileio.CheckWritable(out); err != nil { // before minutes of work, not at the save
		return usagef("--out %v", err)
	}
	return nil
}

// loadStylePictures decodes the photo and the painting as a viewer shows them
// (saying when EXIF turned one) and refuses the same picture twice.
func loadStylePictures(contentPath, stylePath string) (content, style image.Image, err error) {
	if content, err = decodeUpright("content", contentPath); err != nil {
		return nil, nil, err
	}
	if style, err = decodeUpright("style", stylePath); err != nil {
		return nil, nil, err
	}
	if imgio.SamePixels(content, style) {
		return nil, nil, usagef("--content %s and --style %s are the same picture: there is no style to transfer; choose a painting for --style", contentPath, stylePath)
	}
	return content, style, nil
}

// decodeUpright reads a picture named by a flag as a viewer shows it, saying
// when its EXIF orientation turned it.
func decodeUpright(flagName, path string) (image.Image, error) {
	img, o, err := imgio.DecodeStored(path)
	if err != nil {
		return nil, usagef("--%s %v", flagName, err)
	}
	if o > 1 {
		fmt.Fprintf(os.Stderr, "note: %s is turned as its EXIF orientation (%d) says, as a viewer shows it\n", path, o)
	}
	return imgio.Orient(img, o), nil
}

// fetchFeatures gets VGG-19's convolutions (--weights features): from the
// cache, or by range requests, saying so; a signal stops it at once.
func fetchFeatures(ctx context.Context) (string, error) {
	cache, err := assets.FeaturesCachePath("")
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(cache); err != nil {
		fmt.Fprintf(os.Stderr, "network: fetching VGG-19's convolutions (80 MB of the 575 MB file) by range requests into %s\n", cache)
	}
	p, err := assets.DownloadVGG19Features(ctx, "", "", nil, styletransfer.VGG19Tensors())
	if ctx.Err() != nil {
		return "", errDownloadStopped
	}
	return p, err
}

// errDownloadStopped: a signal during the download of the convolutions.
var errDownloadStopped = interrupted{"stopped during the download of VGG-19's convolutions: nothing was cached or written; run the command again to download"}

// defaultNetwork resolves the default network (no --weights): the cached
// pretrained VGG-19, or its convolutions fetched now (said first: 80 MB), or
// random features when the Hub does not answer (why says so); a signal stops
// the download at once.
func defaultNetwork(ctx context.Context) (network, why string, err error) {
	if _, ok := assets.CachedVGG19(""); !ok {
		cache, _ := assets.FeaturesCachePath("")
		fmt.Fprintf(os.Stderr, "network: fetching VGG-19's convolutions once (80 MB of the 575 MB file, by range requests) into %s; offline, random features after %s (--weights random skips this)\n",
			cache, styletransfer.OfflineAfter)
	}
	path, why, err := styletransfer.DefaultWeights(ctx)
	switch {
	case ctx.Err() != nil:
		return "", "", errDownloadStopped
	case err != nil:
		return "", "", err
	case path == "":
		return "random", why, nil
	}
	return path, "", nil
}

// previews follows a transfer's steps: the progress line, the watchdog, a
// preview every every steps beside out (one that cannot be written, a full
// disk say, costs the preview, not the run: a warning, once).
type previews struct {
	out          string
	every        int
	kick         func()
	last         int    // the last step finished
	lastPreview  string // the last preview written
	failedBefore bool
}

func (pw *previews) step(p styletransfer.Progress) error {
	pw.kick()
	progressLine.styleUpdate(p)
	pw.last = p.Step
	if pw.every <= 0 || p.Step%pw.every != 0 || p.Step == p.Steps {
		return nil
	}
	img, err := p.Image()
	if err != nil {
		return err
	}
	name := previewName(pw.out, p.Step)
	if err := savePreview(name, img); err != nil {
		if !pw.failedBefore {
			progressLine.log(fmt.Sprintf("warning: preview not written (%v); the run goes on", err))
		}
		pw.failedBefore = true
		return nil
	}
	pw.lastPreview = name
	return nil
}

// stopped is the line for a run stopped by a signal: what was kept.
func (pw *previews) stopped(steps int) string {
	msg := fmt.Sprintf("stopped by a signal after step %d of %d: %s was not written", pw.last, steps, pw.out)
	if pw.last == 0 { // still preparing the network (a download, with --weights download)
		msg = "stopped by a signal before the first step: nothing was cached or written"
	}
	if pw.lastPreview != "" {
		msg += "; the last preview is " + pw.lastPreview
	}
	return msg
}

// savePreview writes a preview (a variable, so a test can make it fail as a
// full disk would).
var savePreview = imgio.Save

// previewName is the preview of a step, beside the output: out-stepNNNN.ext.
func previewName(out string, step int) string {
	ext := filepath.Ext(out)
	return fmt.Sprintf("%s-step%04d%s", strings.TrimSuffix(out, ext), step, ext)
}

func samplesCmd(args []string) error {
	fs := flag.NewFlagSet("samples", flag.ContinueOnError)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	dir, err := assets.InstallSamples(context.Background(), func(s string) { fmt.Fprintln(os.Stderr, s) })
	if err != nil {
		return err
	}
	fmt.Printf("sample images in %s (origins and licences in %s)\n", dir, filepath.Join(dir, "CREDITS.txt"))
	return nil
}
