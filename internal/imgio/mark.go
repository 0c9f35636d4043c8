package imgio

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"os"
)

// Every picture ganbook saves carries a mark, so a later command can tell its
// own outputs (which it may replace) from a user's photo under the same name
// (which it must not): a PNG "Software" text chunk, a JPEG comment.
const markText = "ganbook"

// The mark's bytes: a PNG text chunk's type and data (its length and CRC
// around them), and a JPEG's start marker with the comment segment after it.
var (
	pngMark  = append([]byte("tEXtSoftware\x00"), markText...)
	jpegMark = append([]byte{0xff, 0xd8, 0xff, 0xfe, 0, byte(2 + len(markText))}, markText...)
)

// markPNG inserts a tEXt chunk "Software: ganbook" after a PNG's IHDR chunk.
func markPNG(encoded []byte) []byte {
	const ihdrEnd = 8 + 4 + 4 + 13 + 4 // signature, then IHDR's length, type, data, CRC
	if len(encoded) < ihdrEnd {
		return encoded
	}
	var chunk bytes.Buffer
	_ = binary.Write(&chunk, binary.BigEndian, uint32(len(pngMark)-4)) // the length counts the data, not the type
	chunk.Write(pngMark)
	_ = binary.Write(&chunk, binary.BigEndian, crc32.ChecksumIEEE(pngMark))
	out := append([]byte(nil), encoded[:ihdrEnd]...)
	out = append(out, chunk.Bytes()...)
	return append(out, encoded[ihdrEnd:]...)
}

// markJPEG inserts a comment segment "ganbook" after a JPEG's start marker.
func markJPEG(encoded []byte) []byte {
	if len(encoded) < 2 {
		return encoded
	}
	return append(append([]byte(nil), jpegMark...), encoded[2:]...) // jpegMark starts with the start marker
}

// WrittenByGanbook reports whether the picture at path carries ganbook's mark
// (see Save). A missing or unreadable file does not.
func WrittenByGanbook(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 128)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	return bytes.Contains(head, pngMark) || bytes.HasPrefix(head, jpegMark)
}
