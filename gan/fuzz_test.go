package gan

import (
	"os"
	"testing"

	"github.com/ganbook/ganbook/internal/nn"
)

// The readers must answer any bytes with data or an error, never a panic.

func FuzzParseIDX(f *testing.F) {
	f.Add(idxBytes(0x08, []int{2, 3, 3}, make([]byte, 18)))
	f.Add(gz(idxBytes(0x08, []int{4}, []byte{1, 2, 3, 4})))
	f.Add([]byte{0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		dims, body, err := ParseIDX(data)
		if err != nil {
			return
		}
		n := 1
		for _, d := range dims {
			n *= d
		}
		if n != len(body) {
			t.Fatalf("dims %v promise %d bytes, got %d", dims, n, len(body))
		}
	})
}

func FuzzParseCheckpoint(f *testing.F) {
	g, err := New(nn.MustBackend(), tinyOptions("mlp"))
	if err != nil {
		f.Fatal(err)
	}
	if _, err := g.TrainStep(randomBatch(g.Opts, 1)); err != nil {
		f.Fatal(err)
	}
	dir := f.TempDir()
	path, err := g.SaveCheckpoint(dir, 1)
	if err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte(ckptMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parseCheckpoint(data)
		if err != nil {
			return
		}
		for _, e := range c.tensors {
			_ = c.tensor(e)
		}
	})
}
