package score

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/internal/nn"
)

func mnistTest(t *testing.T) *dataset.Dataset {
	t.Helper()
	d, err := dataset.LoadMNIST(false, 28, 1)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The shipped MNIST classifier is accurate, and the scores behave as
// documented: real images against themselves score a distance of ~0; one image
// repeated scores class entropy 0.
func TestShippedClassifierAndScores(t *testing.T) {
	b := nn.MustBackend()
	c, err := Shipped(b, "mnist")
	if err != nil {
		t.Fatal(err)
	}
	test := mnistTest(t)
	part := test.Take(1000)
	acc, err := c.Accuracy(part)
	if err != nil || acc < 0.95 {
		t.Fatalf("accuracy %.3f (%v), want >= 0.95", acc, err)
	}
	ref, err := c.Reference(test, 500)
	if err != nil {
		t.Fatal(err)
	}
	same, err := c.Evaluate(test.Images[:500*784], 500, 1, ref)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(same.Frechet) > 1e-3 || same.Entropy < 0.95 || same.Confidence < 0.9 || math.Abs(same.Diversity-1) > 1e-9 {
		t.Errorf("real vs itself: %s", same)
	}
	var repeated []float32
	for range 200 {
		repeated = append(repeated, test.Image(0)...)
	}
	one, err := c.Evaluate(repeated, 200, 1, ref)
	if err != nil {
		t.Fatal(err)
	}
	if one.Entropy != 0 || one.Frechet < 10 || one.Diversity > 1e-3 {
		t.Errorf("one repeated image: %s", one)
	}
	if _, err := Shipped(b, "cifar"); err == nil {
		t.Error("want an error for a dataset without a classifier")
	}
}

// Training learns, and Save/Load gives the same predictions.
func TestTrainSaveLoad(t *testing.T) {
	b := nn.MustBackend()
	test := mnistTest(t)
	train, held := test.Take(5000), &dataset.Dataset{Name: "held", N: 1000, Size: 28, Chan: 1,
		Images: test.Images[5000*784 : 6000*784], Labels: test.Labels[5000:6000]}
	c, err := TrainClassifier(b, train, 300, 1)
	if err != nil {
		t.Fatal(err)
	}
	acc, _ := c.Accuracy(held)
	if acc < 0.8 {
		t.Fatalf("held-out accuracy %.3f after 300 steps, want >= 0.8", acc)
	}
	path := filepath.Join(t.TempDir(), "c.safetensors")
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	c2, err := LoadClassifier(b, path)
	if err != nil {
		t.Fatal(err)
	}
	_, p1, _ := c.Predict(held.Images[:784], 1, 1)
	_, p2, _ := c2.Predict(held.Images[:784], 1, 1)
	for i := range p1[0] {
		if p1[0][i] != p2[0][i] {
			t.Fatalf("loaded classifier predicts %v, saved one %v", p2[0], p1[0])
		}
	}
}

// Digits written as a 64x64 folder, read back and shrunk to 28x28 for the
// classifier, must still be recognised: the path a 64x64 GAN's samples take.
func TestDigitsAt64Pixels(t *testing.T) {
	b := nn.MustBackend()
	c, err := Shipped(b, "mnist")
	if err != nil {
		t.Fatal(err)
	}
	test := mnistTest(t).Take(300)
	dir := t.TempDir()
	if err := test.SaveFolder(dir, 64); err != nil {
		t.Fatal(err)
	}
	big, _, err := dataset.LoadFolder(dir, 64, 1)
	if err != nil || big.N != 300 {
		t.Fatalf("read back: %v", err)
	}
	small, err := resize(big.Images, big.N, 64, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := c.Reference(test, 300)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Evaluate(small, big.N, 1, ref)
	if err != nil {
		t.Fatal(err)
	}
	if s.Confidence < 0.9 || s.Entropy < 0.95 || s.Frechet > 10 || s.Diversity < 0.9 {
		t.Errorf("digits through 64x64 and back: %s", s)
	}
}
