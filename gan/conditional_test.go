package gan_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/internal/nn"

	"github.com/ganbook/ganbook/internal/gantest"

	"github.com/ganbook/ganbook/gan"
)

// The projection term by hand: features f = [[1, 2, 3], [4, 5, 6]], classes
// [1, 0] one-hot, embedding rows e0 = [1, 0, -1], e1 = [0.5, 0.5, 0.5]:
// image 0 is class 1: 0.5*(1+2+3) = 3; image 1 is class 0: 4 - 6 = -2.
func TestClassProjectionByHand(t *testing.T) {
	store := model.NewStore()
	scope := store.Scope("/d")
	embed := scope.In("projection").VariableWithShape("embedding", shapes.Make(dtypes.Float32, 2, 3))
	if err := embed.SetValue(tensors.FromValue([][]float32{{1, 0, -1}, {0.5, 0.5, 0.5}})); err != nil {
		t.Fatal(err)
	}
	exec, err := model.NewExec(nn.MustBackend(), store, func(s *model.Scope, f, c *Node) *Node {
		return gan.ClassProjection(store.Scope("/d"), f, c)
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := nn.Call(exec, [][]float32{{1, 2, 3}, {4, 5, 6}}, [][]float32{{0, 1}, {1, 0}})
	if err != nil {
		t.Fatal(err)
	}
	got := tensors.MustCopyFlatData[float32](out[0])
	if len(got) != 2 || math.Abs(float64(got[0]-3)) > 1e-6 || math.Abs(float64(got[1]+2)) > 1e-6 {
		t.Errorf("projection = %v, want [3 -2]", got)
	}
}

func TestOneHotAndEvenClasses(t *testing.T) {
	hot, err := gan.OneHotClasses([]int{2, 0}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got := tensors.MustCopyFlatData[float32](hot); !slices.Equal(got, []float32{0, 0, 1, 1, 0, 0}) {
		t.Errorf("one-hot of [2 0] = %v", got)
	}
	if _, err := gan.OneHotClasses([]int{3}, 3); err == nil || !strings.Contains(err.Error(), "label 3") {
		t.Errorf("a label outside the classes must be refused, got %v", err)
	}
	if got := gan.EvenClasses(8, 5, 10); !slices.Equal(got, []int{8, 9, 0, 1, 2}) {
		t.Errorf("EvenClasses(8, 5, 10) = %v", got)
	}
}

// A conditional GAN needs labels, and says how to do without them.
func TestConditionalNeedsLabels(t *testing.T) {
	o := gantest.TinyOptions(gan.MLP)
	o.Classes = 2
	g := gantest.NewGAN(t, o)
	batch := gantest.RandomBatch(o, 1)
	batch.Labels = nil
	if _, err := g.TrainStep(batch); err == nil || !strings.Contains(err.Error(), "conditional") {
		t.Errorf("a batch without labels must be refused, got %v", err)
	}
	unlabelled := &dataset.Dataset{Name: "photos", N: 8, Size: 28, Chan: 1, Images: make([]float32, 8*28*28)}
	var ce *gan.ClassesError
	if _, err := g.Batches(unlabelled); !errors.As(err, &ce) || ce.Fit != 0 || !strings.Contains(err.Error(), "unconditional GAN (0 classes)") {
		t.Errorf("an unlabelled dataset must be refused with the fix, got %v", err)
	}
	unlabelled.Labels = []uint8{0, 1, 2, 0, 1, 0, 1, 0}
	if _, err := g.Batches(unlabelled); !errors.As(err, &ce) || ce.Fit != 3 || !strings.Contains(err.Error(), "it needs 3 classes") {
		t.Errorf("a label beyond the classes must be refused with the fix, got %v", err)
	}
	if o, _ := gan.PresetOptions(gan.PresetTuned, gan.DCGAN, true); !o.SelfConditioned() || o.Classes != gan.SelfConditionClusters {
		t.Errorf("the tuned preset for a folder (no labels) must be self-conditioned on %d clusters, got %d classes, %v", gan.SelfConditionClusters, o.Classes, o.SelfCondition)
	}
	if o, _ := gan.PresetOptions(gan.PresetLesson, gan.DCGAN, true); o.Conditional() {
		t.Errorf("the lesson's preset for a folder must stay unconditional")
	}
}

// A self-conditioned GAN needs no labels: its batches carry the pictures'
// clusters, --classes 0 turns it into the unconditional GAN, and a folder too
// small for its clusters is refused with the class count that fits.
func TestSelfConditionWithoutLabels(t *testing.T) {
	o := gantest.TinyOptions(gan.DCGAN)
	o.Classes, o.SelfCondition, o.Batch = 2, true, 4
	ds := twoTones(8)
	ds.Labels = nil
	g := gantest.NewGAN(t, o)
	batches, err := g.Batches(ds)
	if err != nil {
		t.Fatal(err)
	}
	b := batches.Next()
	if len(b.Labels) != o.Batch || ds.Labels != nil {
		t.Fatalf("batch labels %v (want %d clusters), dataset labels %v (want untouched)", b.Labels, o.Batch, ds.Labels)
	}
	imgs := tensors.MustCopyFlatData[float32](b.Images)
	per := 28 * 28
	for i, c := range b.Labels {
		for j, d := range b.Labels {
			if sameTone := imgs[i*per] == imgs[j*per]; sameTone != (c == d) {
				t.Errorf("pictures %d and %d: same tone %v, same cluster %v (clusters %v)", i, j, sameTone, c == d, b.Labels)
			}
		}
	}
	var ce *gan.ClassesError
	o.Classes = 5
	if _, err := gantest.NewGAN(t, o).Batches(ds); !errors.As(err, &ce) || ce.Fit != 0 || !strings.Contains(err.Error(), "8 pictures, too few for 5 clusters of at least 2: train the unconditional GAN") {
		t.Errorf("8 pictures for 5 clusters must be refused with the unconditional GAN as the fix, got %v", err)
	}
	o.Classes = 0
	if o.SelfConditioned() || o.Validate() != nil {
		t.Errorf("with 0 classes self-conditioning is off and valid (the unconditional GAN), got %v, %v", o.SelfConditioned(), o.Validate())
	}
	folder, _ := gan.PresetOptions(gan.PresetTuned, gan.DCGAN, true)
	for n, want := range map[int]int{100: 0, 499: 0, 500: 50, 5000: 50, 60000: 50} {
		if fit := folder.ClustersFor(n); fit.Classes != want || fit.SelfConditioned() != (want > 0) {
			t.Errorf("%d pictures: %d clusters (self-conditioned %v), want %d (none below %d)", n, fit.Classes, fit.SelfConditioned(), want, gan.SelfConditionMinPictures)
		}
	}
	folder.Classes = 100
	if got := folder.ClustersFor(600).Classes; got != 60 {
		t.Errorf("600 pictures, 100 clusters asked: %d clusters, want 60 (%d a cluster)", got, gan.ClusterPictures)
	}
	if got := gan.TunedOptions(gan.DCGAN).ClustersFor(100).Classes; got != 10 {
		t.Errorf("labelled classes must not change with the pictures, got %d", got)
	}
	o.Classes = 1
	var oe *gan.OptionError
	if err := o.Validate(); !errors.As(err, &oe) || oe.Name != "classes" {
		t.Errorf("one cluster must be refused, got %v", err)
	}
}

// twoTones is n pictures, even ones dark (-0.8), odd ones bright (+0.8),
// labelled by tone.
func twoTones(n int) *dataset.Dataset {
	ds := &dataset.Dataset{Name: "two-tones", N: n, Size: 28, Chan: 1, Images: make([]float32, n*28*28), Labels: make([]uint8, n)}
	for i := range n {
		ds.Labels[i] = uint8(i % 2)
		for p := range 28 * 28 {
			ds.Images[i*28*28+p] = 0.8 * float32(2*(i%2)-1)
		}
	}
	return ds
}

// The generator learns to draw the class it is told. Class 0 images are dark
// (-0.8), class 1 bright (+0.8): after training, the same noise must give a
// darker image for class 0 than for class 1, for both models. Without the
// labels, self-conditioned, the two clusters are the two tones in some
// order: one class must be dark and the other bright.
func TestConditionalGeneratorDrawsItsClass(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 500 steps")
	}
	for _, name := range []string{gan.MLP, gan.DCGAN, "self-conditioned"} {
		t.Run(name, func(t *testing.T) {
			ds, selfCond := twoTones(64), name == "self-conditioned"
			if selfCond {
				name, ds.Labels = gan.DCGAN, nil
			}
			o := gantest.TinyOptions(name)
			o.Classes, o.Batch, o.LRD, o.LRG, o.SelfCondition = 2, 16, 1e-3, 1e-3, selfCond
			g := gantest.NewGAN(t, o)
			batches, err := g.Batches(ds)
			if err != nil {
				t.Fatal(err)
			}
			for range 500 {
				if _, err := g.TrainStep(batches.Next()); err != nil {
					t.Fatal(err)
				}
			}
			z := gan.Noise(8, o.NoiseDim, 3)
			mean := func(class int) float64 {
				imgs, err := g.GenerateClasses(z, []int{class, class, class, class, class, class, class, class})
				if err != nil {
					t.Fatal(err)
				}
				sum := 0.0
				vals := tensors.MustCopyFlatData[float32](imgs)
				for _, v := range vals {
					sum += float64(v)
				}
				return sum / float64(len(vals))
			}
			dark, bright := mean(0), mean(1)
			if selfCond && dark > bright {
				dark, bright = bright, dark // the clusters' order is k-means', not the tones'
			}
			if !(dark < -0.3 && bright > 0.3) {
				t.Errorf("mean pixel for class 0 %.3f (want < -0.3), class 1 %.3f (want > 0.3)", dark, bright)
			}
		})
	}
}
