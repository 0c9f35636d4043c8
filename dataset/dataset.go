package dataset

import (
	"context"
	"fmt"
	"image"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganbook/ganbook/internal/imgio"
)

// Dataset is a set of images held in memory, channels-last, values in [-1, 1].
type Dataset struct {
	Name          string
	N, Size, Chan int
	Images        []float32 // N * Size * Size * Chan values
	Labels        []uint8   // optional class labels (MNIST, Fashion-MNIST), len N or 0
}

// Image returns the values of image i.
func (d *Dataset) Image(i int) []float32 {
	per := d.Size * d.Size * d.Chan
	return d.Images[i*per : (i+1)*per]
}

// Take returns a dataset with the first n images (sharing memory).
func (d *Dataset) Take(n int) *Dataset {
	if n >= d.N || n <= 0 {
		return d
	}
	out := *d
	out.N = n
	out.Images = d.Images[:n*d.Size*d.Size*d.Chan]
	if len(d.Labels) > 0 {
		out.Labels = d.Labels[:n]
	}
	return &out
}

// Batcher draws shuffled batches, epoch after epoch; the last incomplete batch of
// an epoch is dropped so every batch has the same shape (a new shape would
// recompile the graph).
type Batcher struct {
	ds    *Dataset
	batch int
	rng   *rand.Rand
	order []int
	pos   int
	Epoch int
}

// NewBatcher returns a Batcher; it fails if the dataset is smaller than one batch.
func NewBatcher(ds *Dataset, batch int, seed int64) (*Batcher, error) {
	if ds.N < batch {
		return nil, fmt.Errorf("%s has %d images, fewer than one batch of %d: add images or use a smaller batch", ds.Name, ds.N, batch)
	}
	b := &Batcher{ds: ds, batch: batch, rng: rand.New(rand.NewPCG(uint64(seed), 0xba7c4))}
	b.order = b.rng.Perm(ds.N)
	return b, nil
}

// Batch is one training batch: images [B, Size, Size, Chan] with values in
// [-1, 1] and, from a labelled dataset, each image's class.
type Batch struct {
	Images *tensors.Tensor
	Labels []int // one per image; nil when the dataset has no labels
}

// Next returns the next batch: images [batch, Size, Size, Chan] as a fresh
// tensor, with their labels if the dataset has them.
func (b *Batcher) Next() Batch {
	if b.pos+b.batch > len(b.order) {
		b.order = b.rng.Perm(b.ds.N)
		b.pos = 0
		b.Epoch++
	}
	per := b.ds.Size * b.ds.Size * b.ds.Chan
	flat := make([]float32, 0, b.batch*per)
	var labels []int
	for _, i := range b.order[b.pos : b.pos+b.batch] {
		flat = append(flat, b.ds.Image(i)...)
		if len(b.ds.Labels) > 0 {
			labels = append(labels, int(b.ds.Labels[i]))
		}
	}
	b.pos += b.batch
	return Batch{Images: tensors.FromFlatDataAndDimensions(flat, b.batch, b.ds.Size, b.ds.Size, b.ds.Chan), Labels: labels}
}

// Pictures returns the first n images of the dataset as images, to look at.
func (d *Dataset) Pictures(n int) ([]image.Image, error) {
	n = min(n, d.N)
	return imgio.Batch(d.Images[:n*d.Size*d.Size*d.Chan], n, d.Size, d.Size, d.Chan)
}

// SaveFolder writes the dataset's images into dir as PNG files resized to
// size x size (image-00000.png, ...): a ready-made "folder of your own images",
// e.g. MNIST digits at 64x64 to compare GANs at a higher resolution.
func (d *Dataset) SaveFolder(dir string, size int) error {
	_, err := d.SaveFolderContext(context.Background(), dir, size)
	return err
}

// SaveFolderContext is SaveFolder that stops between two images when ctx
// ends, and returns how many it wrote (each file is whole: written
// atomically).
func (d *Dataset) SaveFolderContext(ctx context.Context, dir string, size int) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("%s: cannot create folder: %w", dir, err)
	}
	pics, err := d.Pictures(d.N)
	if err != nil {
		return 0, err
	}
	for i, pic := range pics {
		if ctx.Err() != nil {
			return i, ctx.Err()
		}
		img, err := imgio.ToImage(imgio.Fit(pic, size, d.Chan), size, size, d.Chan)
		if err != nil {
			return i, err
		}
		if err := imgio.Save(filepath.Join(dir, FolderImageName(i)), img); err != nil {
			return i, err
		}
	}
	return len(pics), nil
}

// FolderImageName is the file name SaveFolder gives image i.
func FolderImageName(i int) string { return fmt.Sprintf("image-%05d.png", i) }

// notFound is a one-line "no such file" message that errors.Is matches with
// fs.ErrNotExist, so callers can add their own advice.
type notFound string

func (e notFound) Error() string        { return string(e) }
func (e notFound) Is(target error) bool { return target == fs.ErrNotExist }
