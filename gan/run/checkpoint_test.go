package run

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganbook/ganbook/internal/nn"
	"github.com/ganbook/ganbook/internal/safetensors"

	"github.com/ganbook/ganbook/gan"

	"github.com/ganbook/ganbook/internal/gantest"
)

// Resume is exact: a GAN restored from a checkpoint takes the same next step
// (same weights, Adam state, random generator state) as the original.
func TestCheckpointRoundTripResumesExactly(t *testing.T) {
	for _, name := range []string{"mlp", "dcgan", "mlp-tuned", "dcgan-msg"} {
		t.Run(name, func(t *testing.T) {
			o := gantest.TinyOptions(strings.TrimSuffix(strings.TrimSuffix(name, "-tuned"), "-msg"))
			switch name {
			case "mlp-tuned": // every piece of state the problems' fixes add
				o.FeatureMatching, o.EMA, o.DecayStart, o.DecayEnd, o.SkipDBelow = 1, 0.9, 1, 10, 0.1
			case "dcgan-msg":
				o.MultiScale, o.MinibatchStd, o.EMA = true, true, 0.9
			}
			g := gantest.NewGAN(t, o)
			for i := range 2 {
				if _, err := g.TrainStep(gantest.RandomBatch(o, uint64(i))); err != nil {
					t.Fatal(err)
				}
			}
			dir := t.TempDir()
			path, err := Save(g, dir, 3)
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
			batch := gantest.RandomBatch(o, 9)
			want, err := g.TrainStep(batch)
			if err != nil {
				t.Fatal(err)
			}
			got, err := r.TrainStep(gantest.RandomBatch(o, 9))
			if err != nil {
				t.Fatal(err)
			}
			if !sameMetrics(got, want) {
				t.Fatalf("restored step %+v, original %+v", got, want)
			}
			a, err := g.GenerateClasses(g.FixedNoise, nil)
			if err != nil {
				t.Fatal(err)
			}
			b, err := r.GenerateClasses(r.FixedNoise, nil)
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
func sameMetrics(a, b gan.Metrics) bool {
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
	o := gantest.TinyOptions("mlp")
	g := gantest.NewGAN(t, o)
	dir := t.TempDir()
	var path string
	for i := range 5 {
		if _, err := g.TrainStep(gantest.RandomBatch(o, uint64(i))); err != nil {
			t.Fatal(err)
		}
		var err error
		if path, err = Save(g, dir, 3); err != nil {
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
		p := filepath.Join(bad, name+".safetensors") // not named as a run's checkpoint: the folder holds none
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
	other := gantest.TinyOptions("dcgan")
	if err := ck.SameModel(other); err == nil || !strings.Contains(err.Error(), "model mlp (asked: dcgan)") {
		t.Errorf("want a model mismatch error, got %v", err)
	}
	if err := ck.SameModel(o); err != nil {
		t.Errorf("same options: %v", err)
	}
}

// A checkpoint is a plain safetensors file: a reader that knows nothing of
// ganbook finds the generator's weights by name, with the right shape and
// values, and the run's state in __metadata__.
func TestCheckpointIsSafetensors(t *testing.T) {
	o := gantest.TinyOptions("mlp")
	g := gantest.NewGAN(t, o)
	if _, err := g.TrainStep(gantest.RandomBatch(o, 1)); err != nil {
		t.Fatal(err)
	}
	path, err := Save(g, t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(path, ".safetensors") {
		t.Fatalf("checkpoint %s is not a .safetensors file", path)
	}
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Metadata["step"] != "1" || !strings.Contains(f.Metadata["options"], `"model":"mlp"`) {
		t.Errorf("metadata %v lacks the step or the options", f.Metadata)
	}
	found := 0
	for v := range g.Store.IterVariables() {
		if !strings.HasPrefix(v.Path(), gan.GeneratorScope+"/") || v.MustValue().DType() != dtypes.Float32 {
			continue
		}
		want := tensors.MustCopyFlatData[float32](v.MustValue())
		got, err := f.Float32(v.Path(), v.MustValue().Shape().Dimensions...)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s differs in the file", v.Path())
		}
		found++
	}
	if found < 4 {
		t.Errorf("found %d generator tensors, want every layer's", found)
	}
}

// Errors can be told apart with errors.Is, whatever their text.
func TestCheckpointSentinelErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := LatestCheckpoint(dir); !errors.Is(err, ErrNoCheckpoint) {
		t.Errorf("empty folder: %v, want ErrNoCheckpoint", err)
	}
	if _, err := LatestCheckpoint(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing folder: %v, want fs.ErrNotExist", err)
	}
	bad := filepath.Join(dir, CheckpointName(3))
	_ = os.WriteFile(bad, []byte("not a checkpoint, but long enough to be read"), 0o644)
	if _, err := ReadCheckpoint(bad); !errors.Is(err, ErrCorruptCheckpoint) {
		t.Errorf("foreign file: %v, want ErrCorruptCheckpoint", err)
	}
	o := gantest.TinyOptions("mlp")
	g := gantest.NewGAN(t, o)
	run := t.TempDir()
	if _, err := Save(g, run, 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Prepare(nn.MustBackend(), Config{Options: o, Out: run}); !errors.Is(err, ErrRunExists) {
		t.Errorf("new run over a run: %v, want ErrRunExists", err)
	}
	ck, err := ReadCheckpoint(filepath.Join(run, CheckpointName(0)))
	if err != nil {
		t.Fatal(err)
	}
	if err := ck.SameModel(gantest.TinyOptions("dcgan")); !errors.Is(err, ErrOtherModel) {
		t.Errorf("other model: %v, want ErrOtherModel", err)
	}
	// Each shape option that differs is named, the class count (which the
	// message once left out) and the multi-scale and minibatch-std layers
	// included; options that keep the shapes do not count.
	for name, change := range map[string]func(*gan.Options){
		"classes 0 (asked: 10)":             func(o *gan.Options) { o.Classes = 10 },
		"multi_scale false (asked: true)":   func(o *gan.Options) { o.MultiScale = true },
		"minibatch_std false (asked: true)": func(o *gan.Options) { o.MinibatchStd = true },
	} {
		asked := o
		change(&asked)
		err := ck.SameModel(asked)
		if !errors.Is(err, ErrOtherModel) || !strings.Contains(err.Error(), name) {
			t.Errorf("want an error naming %q, got %v", name, err)
		}
	}
	same := o
	same.LRD, same.GHidden = 1e-3, append([]int(nil), o.GHidden...)
	if err := ck.SameModel(same); err != nil {
		t.Errorf("another learning rate: %v", err)
	}
}

// A checkpoint pruned by a training running beside the reader, between the
// listing and the read, is not an error: the newest one is looked up again.
func TestReadLatestFollowsPruning(t *testing.T) {
	g := gantest.NewGAN(t, gantest.TinyOptions("mlp"))
	dir := t.TempDir()
	for range 2 {
		g.Step++
		if _, err := Save(g, dir, 0); err != nil {
			t.Fatal(err)
		}
	}
	calls := 0
	read := func(path string) (*Checkpoint, error) {
		calls++
		if calls == 1 { // the trainer writes step 3 and prunes to --keep 1 now
			g.Step++
			if _, err := Save(g, dir, 1); err != nil {
				t.Fatal(err)
			}
		}
		return ReadCheckpoint(path)
	}
	ck, err := readLatest(dir, read)
	if err != nil || ck.Step != 3 || calls != 2 {
		t.Errorf("got step %v after %d reads, %v; want step 3 after 2", ck, calls, err)
	}
}

// A checkpoint written before the run manager left package gan (commit
// fad2bdc: a tiny MLP, step 7) still loads bit for bit and trains on: the
// file format did not move with the code.
func TestCheckpointFromBeforeTheSplitLoads(t *testing.T) {
	ck, err := ReadCheckpoint(filepath.Join("testdata", "ckpt-before-split.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := Restore(nn.MustBackend(), ck)
	if err != nil {
		t.Fatal(err)
	}
	// The fingerprints the writing program printed for the same weights.
	if g.Step != 7 || g.Fingerprint(gan.GeneratorScope) != "966bcab241ec9c92" || g.Fingerprint(gan.DiscriminatorScope) != "078ad8918d5599bc" {
		t.Fatalf("step %d, fingerprints %s %s; want 7, 966bcab241ec9c92 078ad8918d5599bc",
			g.Step, g.Fingerprint(gan.GeneratorScope), g.Fingerprint(gan.DiscriminatorScope))
	}
	if _, err := g.TrainStep(gantest.RandomBatch(g.Opts, 1)); err != nil || g.Step != 8 {
		t.Fatalf("a step after the restore: step %d, %v", g.Step, err)
	}
}

// A checkpoint restored into networks of other weights (a learner's edited
// cell) is refused, naming a weight that differs; the package's own and
// equal networks of your own load it.
func TestRestoreWithOtherNetworksIsRefused(t *testing.T) {
	o := gantest.TinyOptions(gan.MLP)
	dir := t.TempDir()
	path, err := Save(gantest.NewGAN(t, o), dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	ck, err := ReadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := RestoreWith(nn.MustBackend(), ck, gan.Parts{Generator: gan.Generator}); err != nil {
		t.Errorf("the package's generator as a part: %v", err)
	}
	wider := func(scope *model.Scope, z *graph.Node, o gan.Options) *graph.Node {
		o.GHidden = []int{o.GHidden[0] * 2, o.GHidden[1]}
		return gan.Generator(scope, z, o)
	}
	_, err = RestoreWith(nn.MustBackend(), ck, gan.Parts{Generator: wider})
	if !errors.Is(err, ErrOtherModel) || !strings.Contains(err.Error(), "/generator/") {
		t.Errorf("a wider generator: %v, want ErrOtherModel naming a generator weight", err)
	}
}
