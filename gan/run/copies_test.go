package run

import (
	"math"
	"testing"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/gan"
	"github.com/ganbook/ganbook/internal/gantest"
)

// Nearest neighbours by hand: in 2 dimensions, (0,0) is nearest to (0,1), at
// RMS distance sqrt(1/2); (3,3) to (3,4) likewise; within one set a vector
// does not count as its own neighbour.
func TestNearestNeighboursByHand(t *testing.T) {
	train := []float32{0, 1, 3, 4, 10, 10}
	d, idx := nearestNeighbours([]float32{0, 0, 3, 3}, train, 2, false)
	if idx[0] != 0 || idx[1] != 1 || math.Abs(d[0]-math.Sqrt(0.5)) > 1e-12 || math.Abs(d[1]-math.Sqrt(0.5)) > 1e-12 {
		t.Errorf("distances %v, nearest %v: want sqrt(1/2) twice, nearest 0 and 1", d, idx)
	}
	self, idx := nearestNeighbours(train, train, 2, true)
	if idx[0] != 1 || idx[1] != 0 || math.Abs(self[2]-math.Sqrt((36+49)/2.0)) > 1e-12 {
		t.Errorf("within the set: %v, nearest %v", self, idx)
	}
	// 2x2 averaging: a 64-pixel picture of alternating columns averages to flat grey.
	pic := make([]float32, 64*64)
	for i := range pic {
		pic[i] = float32(i%2*2 - 1)
	}
	small := shrinkForCopies(pic, 1, 64, 1)
	if len(small) != 32*32 || small[0] != 0 || small[len(small)-1] != 0 {
		t.Errorf("shrunk to %d values, first %g: want 32x32 zeros", len(small), small[0])
	}
}

// A "GAN" whose samples are training pictures is caught; an untrained one,
// drawing its own noise, is not.
func TestCopyCheck(t *testing.T) {
	o := gantest.TinyOptions(gan.DCGAN)
	g := gantest.NewGAN(t, o)
	flat, err := g.GenerateN(64, 4242)
	if err != nil {
		t.Fatal(err)
	}
	copies := &dataset.Dataset{Name: "copies", N: 64, Size: o.Size, Chan: o.Channels, Images: flat}
	c, err := CheckCopies(g, copies, 64, 4)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Copying() || c.SampleMin > 1e-6 || c.Closer < 0.9 || c.Pairs == nil {
		t.Errorf("samples that are the training pictures: %s", c)
	}
	other, err := g.GenerateN(64, 99) // other noise: pictures of the same generator, not the same pictures
	if err != nil {
		t.Fatal(err)
	}
	real := &dataset.Dataset{Name: "mnist", N: 64, Size: o.Size, Chan: o.Channels, Images: other}
	if c, err := CheckCopies(g, real, 64, 4); err != nil || c.Copying() {
		t.Errorf("samples of other noise than the training pictures': %s (%v)", c, err)
	}
	one := &dataset.Dataset{Name: "one", N: 1, Size: o.Size, Chan: o.Channels, Images: other[:o.Size*o.Size*o.Channels]}
	if _, err := CheckCopies(g, one, 64, 4); err == nil {
		t.Error("a copy check against one training picture: want an error, not a verdict")
	}
}
