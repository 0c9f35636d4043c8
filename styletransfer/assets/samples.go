package assets

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/ganbook/ganbook/internal/fetch"
	"github.com/ganbook/ganbook/internal/fileio"
	"github.com/ganbook/ganbook/internal/imgio"
)

// Sample is a free image the notebooks, the README and CI use, and the Debian
// package that carries it.
type Sample struct {
	Name    string // file name in the samples folder
	Package string // Debian package
	Path    string // path inside the package (and on a system that has it installed)
	Credit  string
	Licence string
}

// Samples are the lesson's content photos and style paintings. (opencv-doc
// is a 96 MB download for its one painting; it is fetched once.)
var Samples = []Sample{
	{"chelsea.png", "python3-skimage", "/usr/lib/python3/dist-packages/skimage/data/chelsea.png",
		"Chelsea the cat, by Stefan van der Walt (scikit-image sample data)", "CC0 1.0 (public domain dedication)"},
	{"coffee.png", "python3-skimage", "/usr/lib/python3/dist-packages/skimage/data/coffee.png",
		"a cup of coffee, by Rachel Michetti (scikit-image sample data)", "CC0 1.0 (public domain dedication)"},
	{"astronaut.png", "python3-skimage", "/usr/lib/python3/dist-packages/skimage/data/astronaut.png",
		"astronaut Eileen Collins, NASA (scikit-image sample data)", "public domain (NASA)"},
	{"scream.jpg", "darknet", "/usr/share/darknet/data/scream.jpg",
		"The Scream, Edvard Munch, 1893 (darknet sample data)", "public domain (the painter died in 1944)"},
	{"dog.jpg", "darknet", "/usr/share/darknet/data/dog.jpg",
		"a dog beside a bicycle (darknet sample data)", "darknet's: GPL-3.0+ or MIT or WTFPL (Debian's copyright file)"},
	{"starry_night.jpg", "opencv-doc", "/usr/share/doc/opencv-doc/examples/data/starry_night.jpg",
		"The Starry Night, Vincent van Gogh, 1889 (OpenCV sample data)", "public domain (the painter died in 1890)"},
}

// SamplesDir is where InstallSamples puts the images: $GANBOOK_SAMPLES, or
// ~/.cache/ganbook/samples (fetch.CacheDir).
func SamplesDir() (string, error) {
	if d := os.Getenv("GANBOOK_SAMPLES"); d != "" {
		return d, nil
	}
	return fetch.CacheDir("samples")
}

// SamplePath finds a sample image: in SamplesDir, or where its Debian package
// installs it.
func SamplePath(name string) (string, error) {
	for _, s := range Samples {
		if s.Name != name {
			continue
		}
		candidates := []string{s.Path}
		if dir, err := SamplesDir(); err == nil {
			candidates = append([]string{filepath.Join(dir, name)}, candidates...)
		}
		for _, p := range candidates {
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				return p, nil
			}
		}
		return "", fmt.Errorf("sample image %s is not installed: run `ganbook samples` (it extracts it from Debian's %s package)", name, s.Package)
	}
	return "", fmt.Errorf("no sample image named %q", name)
}

// EnsureSample finds a sample image, installing the samples first (telling log)
// if it is not there yet.
func EnsureSample(ctx context.Context, name string, log func(string)) (string, error) {
	if path, err := SamplePath(name); err == nil {
		return path, nil
	}
	if _, err := InstallSamples(ctx, log); err != nil {
		return "", err
	}
	return SamplePath(name)
}

// InstallSamples copies the sample images into SamplesDir, from the installed
// Debian packages when present, else by downloading the packages with
// `apt-get download` and unpacking them with `dpkg -x` (no root needed, nothing
// installed). Where apt-get is missing (macOS, Windows) or fails (no network),
// it writes ganbook's built-in copies, at most 512 px, instead. It writes
// CREDITS.txt with each image's origin and licence.
func InstallSamples(ctx context.Context, log func(string)) (string, error) {
	dir, err := SamplesDir()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	missing := map[string]bool{}
	for _, s := range Samples {
		if _, err := os.Stat(s.Path); err != nil {
			missing[s.Package] = true
		}
	}
	unpacked := ""
	if len(missing) > 0 {
		tmp, err := os.MkdirTemp("", "ganbook-samples-")
		if err != nil {
			return "", err
		}
		defer os.RemoveAll(tmp)
		var pkgs []string
		for p := range missing {
			pkgs = append(pkgs, p)
		}
		if _, err := exec.LookPath("apt-get"); err != nil {
			log("apt-get is not available on this system: using ganbook's built-in copies of the sample images (at most 512 px)")
			return dir, installBuiltIn(dir)
		}
		log("downloading Debian packages " + strings.Join(pkgs, ", ") + " (not installing them)")
		if err := run(ctx, tmp, "apt-get", append([]string{"download"}, pkgs...)...); err != nil {
			log(fmt.Sprintf("apt-get download %s failed (%v): using ganbook's built-in copies (at most 512 px); `apt-get update` and `ganbook samples` again give the originals", strings.Join(pkgs, " "), err))
			return dir, installBuiltIn(dir)
		}
		debs, _ := filepath.Glob(filepath.Join(tmp, "*.deb"))
		unpacked = filepath.Join(tmp, "root")
		for _, d := range debs {
			if err := run(ctx, tmp, "dpkg", "-x", d, unpacked); err != nil {
				return "", fmt.Errorf("dpkg -x %s: %w", d, err)
			}
		}
	}
	var credits strings.Builder
	credits.WriteString("Sample images used by ganbook, copied from Debian packages.\n\n")
	for _, s := range Samples {
		src := s.Path
		if _, err := os.Stat(src); err != nil {
			src = filepath.Join(unpacked, s.Path)
		}
		if err := copyFile(src, filepath.Join(dir, s.Name)); err != nil {
			return "", err
		}
		fmt.Fprintf(&credits, "%s: %s. Licence: %s. From Debian package %s (%s).\n", s.Name, s.Credit, s.Licence, s.Package, s.Path)
	}
	err = fileio.WriteFileAtomic(filepath.Join(dir, "CREDITS.txt"), func(w io.Writer) error {
		_, err := io.WriteString(w, credits.String())
		return err
	})
	return dir, err
}

// builtInSamples are copies of Samples at most 512 px wide or high (JPEG,
// quality 88; ~350 KB in all), for systems without apt-get (macOS, Windows) or
// without a network.
//
//go:embed samples/*.jpg
var builtInSamples embed.FS

// builtInMaxSize is the largest side of a built-in sample.
const builtInMaxSize = 512

// installBuiltIn writes the built-in copies into dir under Samples' names
// (re-encoded as PNG where the name says .png), with their credits.
func installBuiltIn(dir string) error {
	var credits strings.Builder
	credits.WriteString("Sample images used by ganbook: its built-in copies, at most 512 px (`ganbook samples` on a Debian system with apt-get gives the originals).\n\n")
	for _, s := range Samples {
		name := "samples/" + strings.TrimSuffix(s.Name, filepath.Ext(s.Name)) + ".jpg"
		raw, err := builtInSamples.ReadFile(name)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, s.Name)
		if strings.EqualFold(filepath.Ext(s.Name), ".jpg") {
			err = fileio.WriteFileAtomic(dst, func(w io.Writer) error { _, err := w.Write(raw); return err })
		} else {
			var img image.Image
			if img, err = jpeg.Decode(bytes.NewReader(raw)); err == nil {
				err = imgio.Save(dst, img)
			}
		}
		if err != nil {
			return fmt.Errorf("writing the built-in %s: %w", s.Name, err)
		}
		fmt.Fprintf(&credits, "%s: %s. Licence: %s. Originally from Debian package %s (%s).\n", s.Name, s.Credit, s.Licence, s.Package, s.Path)
	}
	return fileio.WriteFileAtomic(filepath.Join(dir, "CREDITS.txt"), func(w io.Writer) error {
		_, err := io.WriteString(w, credits.String())
		return err
	})
}

func run(ctx context.Context, dir, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		return fmt.Errorf("%w: %s", err, lines[len(lines)-1])
	}
	return nil
}

func copyFile(src, dst string) error {
	err := fileio.CopyFile(src, dst)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s: not found in its package", src)
	}
	return err
}
