package imgio

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/draw"
	"io"
	"os"
)

// Phones store a JPEG as the sensor saw it and say in its EXIF Orientation
// tag how to turn it; every viewer does. So does ganbook (Decode).

// Orientation reads the EXIF Orientation of a JPEG (1 to 8; 1, upright, when
// the file has none or is not a JPEG).
func Orientation(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 1
	}
	defer f.Close()
	var soi [2]byte
	if _, err := io.ReadFull(f, soi[:]); err != nil || soi != [2]byte{0xff, 0xd8} {
		return 1 // not a JPEG: no EXIF orientation to read
	}
	head := make([]byte, 128<<10) // EXIF sits in APP1, at the start
	copy(head, soi[:])
	n, _ := io.ReadFull(f, head[2:])
	return orientationOf(head[:2+n])
}

// orientationOf finds the Orientation tag (0x0112) in a JPEG's APP1 Exif
// segment: "Exif\0\0", a TIFF header (byte order, 42, offset of IFD0), then
// IFD0's 12-byte entries.
func orientationOf(b []byte) int {
	if len(b) < 4 || b[0] != 0xff || b[1] != 0xd8 {
		return 1
	}
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xff {
			return 1
		}
		marker, size := b[i+1], int(binary.BigEndian.Uint16(b[i+2:]))
		if marker == 0xda || size < 2 { // image data starts: no EXIF before it
			return 1
		}
		seg := b[i+4 : min(len(b), i+2+size)]
		if marker == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return tiffOrientation(seg[6:])
		}
		i += 2 + size
	}
	return 1
}

func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	ifd := int(order.Uint32(t[4:]))
	if ifd+2 > len(t) || ifd < 8 {
		return 1
	}
	count := int(order.Uint16(t[ifd:]))
	for e := range count {
		at := ifd + 2 + 12*e
		if at+12 > len(t) {
			return 1
		}
		if order.Uint16(t[at:]) == 0x0112 {
			if v := int(order.Uint16(t[at+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// Orient turns img as EXIF orientation o says, so it shows as a viewer shows
// it: 2 mirror, 3 turn 180, 4 flip, 5 transpose, 6 turn 90 clockwise, 7
// transverse, 8 turn 90 anticlockwise.
func Orient(img image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	src, ok := img.(*image.RGBA)
	if !ok || b.Min != (image.Point{}) {
		src = image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	}
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := range h {
		for x := range w {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			copy(dst.Pix[dst.PixOffset(dx, dy):dst.PixOffset(dx, dy)+4], src.Pix[src.PixOffset(x, y):src.PixOffset(x, y)+4])
		}
	}
	return dst
}
