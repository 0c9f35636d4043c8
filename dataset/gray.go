package dataset

import (
	"image"

	"github.com/ganbook/ganbook/internal/imgio"
)

// grayDataset converts n grayscale h x w byte images to a dataset of
// size x size images with the given channels, values in [-1, 1].
func grayDataset(name string, pix []byte, n, h, w int, labels []byte, size, channels int) *Dataset {
	ds := &Dataset{Name: name, N: n, Size: size, Chan: channels, Labels: labels,
		Images: make([]float32, 0, n*size*size*channels)}
	for i := range n {
		img := pix[i*h*w : (i+1)*h*w]
		if h == size && w == size {
			for _, v := range img {
				f := float32(v)/127.5 - 1
				for range channels {
					ds.Images = append(ds.Images, f)
				}
			}
			continue
		}
		gray := &image.Gray{Pix: img, Stride: w, Rect: image.Rect(0, 0, w, h)}
		ds.Images = append(ds.Images, imgio.Fit(gray, size, channels)...)
	}
	return ds
}
