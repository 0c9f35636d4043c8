package run

import (
	"os"
	"testing"

	"github.com/ganbook/ganbook/internal/nn"

	"github.com/ganbook/ganbook/gan"

	"github.com/ganbook/ganbook/internal/gantest"
)

// The readers must answer any bytes with data or an error, never a panic.

func FuzzParseCheckpoint(f *testing.F) {
	g, err := gan.New(nn.MustBackend(), gantest.TinyOptions("mlp"))
	if err != nil {
		f.Fatal(err)
	}
	if _, err := g.TrainStep(gantest.RandomBatch(g.Opts, 1)); err != nil {
		f.Fatal(err)
	}
	dir := f.TempDir()
	path, err := Save(g, dir, 1)
	if err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("GANBOOK1"))
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
