package dataset

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"

	"github.com/ganbook/ganbook/internal/imgio"
)

// FolderReport says what LoadFolder read and what it skipped.
type FolderReport struct {
	Loaded  int
	Skipped []string // one line per skipped file: path and reason
}

// Summary is the one-line report for the user.
func (r FolderReport) Summary(dir string) string {
	s := fmt.Sprintf("loaded %d images from %s", r.Loaded, dir)
	if len(r.Skipped) > 0 {
		s += fmt.Sprintf("; skipped %d unreadable or corrupt files (first: %s)", len(r.Skipped), r.Skipped[0])
	}
	return s
}

// LoadFolder reads every PNG, JPEG and GIF under dir (recursively; symbolic links
// are not followed, so link loops cannot trap it), centre-crops and resizes each
// to size x size with the given channels, values in [-1, 1]. Corrupt files among
// good ones are skipped and reported; a missing folder or one without a readable
// image is an error naming the folder.
func LoadFolder(dir string, size, channels int) (*Dataset, FolderReport, error) {
	var rep FolderReport
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, rep, notFound(dir + ": no such folder")
	case err != nil:
		return nil, rep, fmt.Errorf("%s: %w", dir, err)
	case !st.IsDir():
		return nil, rep, fmt.Errorf("%s: not a folder: give a folder of PNG/JPEG/GIF images", dir)
	}
	var paths []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
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
		if d.Type().IsRegular() && imgio.IsImageName(path) {
			paths = append(paths, path)
		}
		return nil
	})
	if err != nil {
		return nil, rep, fmt.Errorf("%s: %w", dir, err)
	}
	if len(paths) == 0 {
		return nil, rep, fmt.Errorf("%s: no PNG, JPEG or GIF images in this folder or below it", dir)
	}
	sort.Strings(paths)

	// Decode in parallel: decoding a photo takes far longer than anything else here.
	per := size * size * channels
	pix := make([][]float32, len(paths))
	errs := make([]error, len(paths))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				img, err := imgio.Decode(paths[i])
				if err != nil {
					errs[i] = err
					continue
				}
				pix[i] = imgio.Fit(img, size, channels)
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()

	ds := &Dataset{Name: dir, Size: size, Chan: channels}
	ds.Images = make([]float32, 0, len(paths)*per)
	for i := range paths {
		if errs[i] != nil {
			rep.Skipped = append(rep.Skipped, errs[i].Error())
			continue
		}
		ds.Images = append(ds.Images, pix[i]...)
		ds.N++
	}
	rep.Loaded = ds.N
	if ds.N == 0 {
		return nil, rep, fmt.Errorf("%s: none of its %d image files could be read (first: %s)", dir, len(paths), rep.Skipped[0])
	}
	return ds, rep, nil
}
