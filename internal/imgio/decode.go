package imgio

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // registers GIF decoding
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ganbook/ganbook/internal/fileio"
)

// MaxPixels is the largest image Decode accepts (width * height), checked from
// the header before decoding: 50 megapixels, larger than any phone photo, far
// smaller than a decompression bomb.
const MaxPixels = 50_000_000

// Extensions are the file types ganbook reads (lower case).
var Extensions = []string{".png", ".jpg", ".jpeg", ".gif"}

// IsImageName reports whether a file name has one of the Extensions.
func IsImageName(name string) bool {
	return slices.Contains(Extensions, strings.ToLower(filepath.Ext(name)))
}

// DecodeStored reads a picture as stored, and the EXIF orientation that says
// how to show it (1: as stored; only JPEGs have one): for callers that shrink
// first and turn the small result (FitOriented).
func DecodeStored(path string) (image.Image, int, error) {
	img, format, err := decodeFile(path)
	if err != nil {
		return nil, 0, err
	}
	if format != "JPEG" {
		return img, 1, nil
	}
	return img, Orientation(path), nil
}

// decodeFile reads an image file as stored. Errors are one line naming the
// file and saying what is wrong: missing, a directory, empty, not an image,
// too large, truncated.
func decodeFile(path string) (img image.Image, format string, err error) {
	if err := fileio.CheckRegularFile(path); err != nil {
		return nil, "", err
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, "", fmt.Errorf("%s: no such file", path)
		}
		if errors.Is(err, os.ErrPermission) {
			return nil, "", fmt.Errorf("%s: permission denied: make it readable (chmod +r)", path)
		}
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	if st.IsDir() {
		return nil, "", fmt.Errorf("%s: is a directory, not an image file", path)
	}
	if st.Size() == 0 {
		return nil, "", fmt.Errorf("%s: empty file, not an image", path)
	}
	r := bufio.NewReader(f)
	head, _ := r.Peek(12)
	format = sniff(head)
	if other := OtherFormat(head); other != "" {
		return nil, "", fmt.Errorf("%s: a %s image, which ganbook cannot read: convert it to PNG or JPEG", path, other)
	}
	if format == "" {
		return nil, "", fmt.Errorf("%s: not a PNG, JPEG or GIF image (it starts with %q)", path, head[:min(len(head), 8)])
	}
	cfg, _, err := image.DecodeConfig(r)
	if err != nil {
		return nil, "", fmt.Errorf("%s: corrupt or truncated %s header (%w)", path, format, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, "", fmt.Errorf("%s: image has no pixels (%dx%d)", path, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, "", fmt.Errorf("%s: image is %dx%d pixels, over the %d megapixel limit: resize it first", path, cfg.Width, cfg.Height, MaxPixels/1_000_000)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	img, _, err = image.Decode(bufio.NewReader(f))
	if err != nil {
		return nil, "", fmt.Errorf("%s: corrupt or truncated %s image (%w)", path, format, err)
	}
	return img, format, nil
}

// Decode reads a picture as a viewer shows it: a JPEG turned as its EXIF
// Orientation says (phones store photos sideways). See DecodeStored.
func Decode(path string) (image.Image, error) {
	img, o, err := DecodeStored(path)
	if err != nil {
		return nil, err
	}
	return Orient(img, o), nil
}

// sniff names the image format from the first bytes of a file, or "".
func sniff(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return "PNG"
	case bytes.HasPrefix(head, []byte{0xff, 0xd8}):
		return "JPEG"
	case bytes.HasPrefix(head, []byte("GIF8")):
		return "GIF"
	}
	return ""
}

// otherBrands are the ISO media brands of HEIC/HEIF and AVIF pictures (the
// four bytes after "ftyp").
var otherBrands = map[string]bool{"heic": true, "heix": true, "hevc": true, "heim": true, "heis": true, "mif1": true, "msf1": true, "avif": true, "avis": true}

// OtherFormat names a picture format ganbook cannot read from a file's first
// 12 bytes (phones save WebP and HEIC, sometimes under a .jpg name), or "".
func OtherFormat(head []byte) string {
	switch {
	case len(head) >= 12 && bytes.Equal(head[:4], []byte("RIFF")) && bytes.Equal(head[8:12], []byte("WEBP")):
		return "WebP"
	case len(head) >= 12 && bytes.Equal(head[4:8], []byte("ftyp")) && otherBrands[string(head[8:12])]:
		if b := string(head[8:12]); b == "avif" || b == "avis" {
			return "AVIF"
		}
		return "HEIC/HEIF"
	}
	return ""
}

// OtherImageExtensions are picture formats a folder may hold that ganbook
// cannot read: counted and named, not silently passed over.
var OtherImageExtensions = []string{".webp", ".heic", ".heif", ".avif", ".bmp", ".tif", ".tiff", ".jxl"}

// IsOtherImageName reports whether a file name is a picture ganbook cannot read.
func IsOtherImageName(name string) bool {
	return slices.Contains(OtherImageExtensions, strings.ToLower(filepath.Ext(name)))
}
