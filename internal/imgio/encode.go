package imgio

import (
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"path/filepath"
	"strings"
)

// CheckOutputName returns an error unless path ends in .png, .jpg or .jpeg.
func CheckOutputName(path string) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png", ".jpg", ".jpeg":
		return nil
	}
	return fmt.Errorf("%s: unsupported output type %q: use .png, .jpg or .jpeg", path, filepath.Ext(path))
}

// Save writes img atomically as PNG or JPEG (quality 92), chosen by extension.
func Save(path string, img image.Image) error {
	if err := CheckOutputName(path); err != nil {
		return err
	}
	return WriteFileAtomic(path, func(w io.Writer) error {
		if strings.ToLower(filepath.Ext(path)) == ".png" {
			return png.Encode(w, img)
		}
		return jpeg.Encode(w, img, &jpeg.Options{Quality: 92})
	})
}
