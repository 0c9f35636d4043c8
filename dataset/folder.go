package dataset

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/ganbook/ganbook/internal/imgio"
)

// FolderReport says what LoadFolder read, what it skipped and what it had to
// stretch.
type FolderReport struct {
	Loaded  int
	Skipped []string // one line per skipped file: path and reason
	// Other are pictures in formats ganbook cannot read (WebP, HEIC, ...), by
	// their extension; a WebP named .jpg is among Skipped, with its format.
	Other []string
	// Stretched are pictures far from the training size's shape or much
	// smaller: kept, but the centre crop keeps little of them, or they are
	// blown up more than 4x.
	Stretched []string
	// Turned are JPEG photos whose EXIF orientation turned them upright (as a
	// viewer shows them; phones store them sideways).
	Turned []string
}

// Summary is the report for the user, on one line whatever the file names
// hold (they are quoted).
func (r FolderReport) Summary(dir string) string {
	s := fmt.Sprintf("loaded %d images from %q", r.Loaded, dir)
	if len(r.Skipped) > 0 {
		s += fmt.Sprintf("; skipped %d unreadable or corrupt files (first: %s)", len(r.Skipped), oneLine(r.Skipped[0]))
	}
	if len(r.Other) > 0 {
		s += fmt.Sprintf("; skipped %d pictures in formats ganbook cannot read (first: %q): convert them to PNG or JPEG", len(r.Other), r.Other[0])
	}
	if len(r.Turned) > 0 {
		s += fmt.Sprintf("; %d photos turned upright as their EXIF orientation says (first: %q)", len(r.Turned), r.Turned[0])
	}
	if len(r.Stretched) > 0 {
		s += fmt.Sprintf("; %d pictures are far from square or tiny and were cropped hard or blown up (first: %s)", len(r.Stretched), oneLine(r.Stretched[0]))
	}
	return s
}

// oneLine escapes line breaks, which a file name may hold.
func oneLine(s string) string { return strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(s) }

// LoadFolder reads every PNG, JPEG and GIF under dir (recursively; symbolic links
// are not followed, so link loops cannot trap it), centre-crops and resizes each
// to size x size with the given channels, values in [-1, 1]. Corrupt files among
// good ones are skipped and reported; a missing folder or one without a readable
// image is an error naming the folder.
func LoadFolder(dir string, size, channels int) (*Dataset, FolderReport, error) {
	var rep FolderReport
	if err := checkFolder(dir); err != nil {
		return nil, rep, err
	}
	paths, err := findImages(dir, &rep)
	if err != nil {
		return nil, rep, err
	}
	pics := decodeAll(paths, size, channels)
	ds := &Dataset{Name: dir, Size: size, Chan: channels}
	ds.Images = make([]float32, 0, len(paths)*size*size*channels)
	for i, p := range pics { // in the paths' order, whichever worker decoded them
		if p.err != nil {
			rep.Skipped = append(rep.Skipped, p.err.Error())
			continue
		}
		ds.Images = append(ds.Images, p.pix...)
		ds.N++
		if p.stretched != "" {
			rep.Stretched = append(rep.Stretched, p.stretched)
		}
		if p.turned {
			rep.Turned = append(rep.Turned, paths[i])
		}
	}
	rep.Loaded = ds.N
	if ds.N == 0 {
		return nil, rep, fmt.Errorf("%s: none of its %d image files could be read (first: %s)", dir, len(paths), rep.Skipped[0])
	}
	return ds, rep, nil
}

// checkFolder refuses a dir that is missing or not a folder, naming it.
func checkFolder(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return notFound(dir + ": no such folder")
	case err != nil:
		return fmt.Errorf("%s: %w", dir, err)
	case !st.IsDir():
		return fmt.Errorf("%s: not a folder: give a folder of PNG/JPEG/GIF images", dir)
	}
	return nil
}

// findImages lists the PNG, JPEG and GIF files under dir, sorted (the same
// dataset whatever order the file system gives), noting in rep the entries it
// cannot read and the pictures in other formats. A folder with no image
// ganbook can read is an error that says what it holds.
func findImages(dir string, rep *FolderReport) ([]string, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == dir {
				return err
			}
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %v", path, err))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		switch {
		case d.Type().IsRegular() && imgio.IsImageName(path):
			paths = append(paths, path)
		case d.Type().IsRegular() && imgio.IsOtherImageName(path):
			rep.Other = append(rep.Other, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	if len(paths) == 0 && len(rep.Other) > 0 {
		return nil, fmt.Errorf("%s: no PNG, JPEG or GIF images, but %d in formats ganbook cannot read (first: %q): convert them to PNG or JPEG", dir, len(rep.Other), rep.Other[0])
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%s: no PNG, JPEG or GIF images in this folder or below it", dir)
	}
	sort.Strings(paths)
	return paths, nil
}

// decoded is one picture as the dataset holds it, or why it could not be read.
type decoded struct {
	pix       []float32
	err       error
	stretched string // see stretch
	turned    bool   // by its EXIF orientation
}

// decodeAll decodes the pictures in parallel (decoding a photo takes far
// longer than anything else here), each centre-cropped and resized.
func decodeAll(paths []string, size, channels int) []decoded {
	out := make([]decoded, len(paths))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				// Turned after the shrink: a phone photo costs no full-size copy.
				img, o, err := imgio.DecodeStored(paths[i])
				if err != nil {
					out[i].err = err
					continue
				}
				out[i] = decoded{pix: imgio.FitOriented(img, o, size, channels),
					stretched: stretch(paths[i], img.Bounds().Dx(), img.Bounds().Dy(), size), turned: o > 1}
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// stretch describes a picture that training at size x size treats badly: a
// centre crop that keeps under a quarter of it (a 1x5000 strip keeps one
// pixel column), or a short side under a quarter of size (blown up over 4x).
func stretch(path string, w, h, size int) string {
	short, long := min(w, h), max(w, h)
	switch {
	case long > 4*short:
		return fmt.Sprintf("%q, %dx%d: the square crop keeps %d%% of it", path, w, h, 100*short/long)
	case 4*short < size:
		return fmt.Sprintf("%q, %dx%d: blown up %dx", path, w, h, size/short)
	}
	return ""
}
