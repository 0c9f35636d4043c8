package gan

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganbook/ganbook/internal/nn"
)

// Resume is exact: a GAN restored from a checkpoint takes the same next step
// (same weights, Adam state, random generator state) as the original.
func TestCheckpointRoundTripResumesExactly(t *testing.T) {
	for _, name := range []string{"mlp", "dcgan", "mlp-tuned", "dcgan-msg"} {
		t.Run(name, func(t *testing.T) {
			o := tinyOptions(strings.TrimSuffix(strings.TrimSuffix(name, "-tuned"), "-msg"))
			switch name {
			case "mlp-tuned": // every piece of state the problems' fixes add
				o.FeatureMatching, o.EMA, o.DecayStart, o.DecayEnd, o.SkipDBelow = 1, 0.9, 1, 10, 0.1
			case "dcgan-msg":
				o.MultiScale, o.MinibatchStd, o.EMA = true, true, 0.9
			}
			g := newTestGAN(t, o)
			for i := range 2 {
				if _, err := g.TrainStep(randomBatch(o, uint64(i))); err != nil {
					t.Fatal(err)
				}
			}
			dir := t.TempDir()
			path, err := g.SaveCheckpoint(dir, 3)
			if err != nil {
				t.Fatal(err)
			}
			ck, err := ReadCheckpoint(path)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Restore(nn.MustBackend(), ck)
			if err != nil {
				t.Fatal(err)
			}
			if r.Step != 2 || !sameTensor(r.FixedNoise, g.FixedNoise) {
				t.Fatalf("restored step %d, fixed noise equal %v", r.Step, sameTensor(r.FixedNoise, g.FixedNoise))
			}
			batch := randomBatch(o, 9)
			want, err := g.TrainStep(batch)
			if err != nil {
				t.Fatal(err)
			}
			got, err := r.TrainStep(randomBatch(o, 9))
			if err != nil {
				t.Fatal(err)
			}
			if !sameMetrics(got, want) {
				t.Fatalf("restored step %+v, original %+v", got, want)
			}
			a, err := g.Generate(g.FixedNoise)
			if err != nil {
				t.Fatal(err)
			}
			b, err := r.Generate(r.FixedNoise)
			if err != nil {
				t.Fatal(err)
			}
			if !sameTensor(a, b) {
				t.Fatal("restored samples differ")
			}
		})
	}
}

// sameMetrics compares two steps' metrics, NaN (a skipped phase) equal to NaN.
func sameMetrics(a, b Metrics) bool {
	same := func(x, y float64) bool { return x == y || (math.IsNaN(x) && math.IsNaN(y)) }
	return a.Step == b.Step && a.DSkipped == b.DSkipped && same(a.DLoss, b.DLoss) && same(a.GLoss, b.GLoss) &&
		same(a.DReal, b.DReal) && same(a.DFake, b.DFake)
}

func sameTensor(a, b *tensors.Tensor) bool {
	var x, y []byte
	a.ConstBytes(func(d []byte) { x = append(x, d...) })
	b.ConstBytes(func(d []byte) { y = append(y, d...) })
	return a.Shape().Equal(b.Shape()) && string(x) == string(y)
}

func TestCheckpointKeepAndErrors(t *testing.T) {
	o := tinyOptions("mlp")
	g := newTestGAN(t, o)
	dir := t.TempDir()
	var path string
	for i := range 5 {
		if _, err := g.TrainStep(randomBatch(o, uint64(i))); err != nil {
			t.Fatal(err)
		}
		var err error
		if path, err = g.SaveCheckpoint(dir, 3); err != nil {
			t.Fatal(err)
		}
	}
	list, _ := ListCheckpoints(dir)
	if len(list) != 3 || filepath.Base(list[2]) != CheckpointName(5) {
		t.Fatalf("kept %v, want the newest 3 ending at step 5", list)
	}
	if latest, _ := LatestCheckpoint(dir); latest != path {
		t.Fatalf("latest %s, want %s", latest, path)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Fatalf("%d files in the run folder, want 3 (no temporary files)", len(entries))
	}

	raw, _ := os.ReadFile(path)
	flipped := append([]byte(nil), raw...)
	flipped[len(flipped)/2] ^= 1
	bad := t.TempDir()
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"truncated": {raw[:len(raw)-100], "truncated or corrupt"},
		"flipped":   {flipped, "truncated or corrupt"},
		"foreign":   {[]byte("PK\x03\x04 a zip file, not a checkpoint at all, padded to be long enough"), "not a ganbook checkpoint"},
		"empty":     {nil, "not a ganbook checkpoint"},
	} {
		p := filepath.Join(bad, name+".gbk")
		_ = os.WriteFile(p, tc.data, 0o644)
		_, err := ReadCheckpoint(p)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: got %v, want an error naming the file with %q", name, err, tc.want)
		}
	}
	if _, err := LatestCheckpoint(bad); err == nil || !strings.Contains(err.Error(), "no checkpoint") {
		t.Errorf("want a no-checkpoint error, got %v", err)
	}

	ck, _ := ReadCheckpoint(path)
	other := tinyOptions("dcgan")
	if err := ck.SameModel(other); err == nil || !strings.Contains(err.Error(), "mlp model") {
		t.Errorf("want a model mismatch error, got %v", err)
	}
	if err := ck.SameModel(o); err != nil {
		t.Errorf("same options: %v", err)
	}
}
