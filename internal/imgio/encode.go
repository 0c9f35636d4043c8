package imgio

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"path/filepath"
	"strings"

	"github.com/ganbook/ganbook/internal/fileio"
)

// CheckOutputName returns an error unless path ends in .png, .jpg or .jpeg.
func CheckOutputName(path string) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png", ".jpg", ".jpeg":
		return nil
	}
	return fmt.Errorf("%s: unsupported output type %q: use .png, .jpg or .jpeg", path, filepath.Ext(path))
}

// Save writes img atomically as PNG or JPEG (quality 92), chosen by extension,
// with ganbook's mark (WrittenByGanbook).
func Save(path string, img image.Image) error {
	if err := CheckOutputName(path); err != nil {
		return err
	}
	var buf bytes.Buffer
	mark, err := markPNG, error(nil)
	if strings.ToLower(filepath.Ext(path)) == ".png" {
		err = png.Encode(&buf, img)
	} else {
		mark, err = markJPEG, jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92})
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	marked := mark(buf.Bytes())
	return fileio.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(marked)
		return err
	})
}
