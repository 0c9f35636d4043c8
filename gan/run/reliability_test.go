package run

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/internal/nn"

	"github.com/ganbook/ganbook/gan"

	"github.com/ganbook/ganbook/internal/gantest"
)

// One writer per run folder: a second lock is refused with the holder's PID,
// and the first lock's holder finds the temporary files of a killed write gone.
func TestLockFolder(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, ".ckpt-00000010.safetensors.tmp-123456")
	staleSample := filepath.Join(dir, "samples", ".latest.png.tmp-99")
	keep := filepath.Join(dir, "notes.tmp-1") // not one of ganbook's temporary names
	_ = os.MkdirAll(filepath.Join(dir, "samples"), 0o755)
	for _, p := range []string{stale, staleSample, keep} {
		if err := os.WriteFile(p, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l, err := LockFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.StaleRemoved) != 2 {
		t.Errorf("removed %v, want the two stale temporary files", l.StaleRemoved)
	}
	for p, want := range map[string]bool{stale: false, staleSample: false, keep: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s exists: %v, want %v", p, err == nil, want)
		}
	}
	_, err = LockFolder(dir)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), fmt.Sprintf("PID %d", os.Getpid())) {
		t.Errorf("second writer: %v, want ErrLocked naming PID %d", err, os.Getpid())
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	l2, err := LockFolder(dir)
	if err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	_ = l2.Unlock()
}

// A metrics.csv cut mid-line, with rows written after the checkpoint, is
// repaired to the checkpoint's step, and the repair is reported.
func TestMetricsRepair(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.csv")
	m := func(step int) string { return csvLine(gan.Metrics{Step: step, DLoss: 1, GLoss: 2}) }
	content := MetricsHeader + "\n" + m(1) + "\n" + m(2) + "\n" + "3,0.5,0.7\n" + m(4) + "\n" + m(5)[:9]
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	f, repaired, err := openMetrics(path, 2)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	got, _ := os.ReadFile(path)
	if want := MetricsHeader + "\n" + m(1) + "\n" + m(2) + "\n"; string(got) != want {
		t.Errorf("repaired file:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(repaired, "dropped 1 line(s) written after") || !strings.Contains(repaired, "2 cut-off") {
		t.Errorf("report %q", repaired)
	}
	if _, repaired, _ := openMetrics(path, 2); repaired != "" {
		t.Errorf("an intact file is reported as repaired: %q", repaired)
	}
}

// A checkpoint of another run copied into a run folder, or a resume on another
// dataset, is refused (ErrOtherRun) unless adopted on purpose.
func TestOtherRunRefused(t *testing.T) {
	o := gantest.TinyOptions("mlp")
	noise := func(name string) *dataset.Dataset {
		return &dataset.Dataset{Name: name, N: 16, Size: 28, Chan: 1, Images: tensors.MustCopyFlatData[float32](gantest.RandomBatch(gan.Options{Batch: 16, Size: 28, Channels: 1}, 1).Images)}
	}
	out := t.TempDir()
	cfg := Config{Options: o, Data: noise("mnist"), Out: out, Steps: 2}
	g, _, err := Prepare(nn.MustBackend(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := Train(context.Background(), g, cfg); err != nil {
		t.Fatal(err)
	}
	// Another run's checkpoint (another batch) becomes the newest.
	other := o
	other.Batch = 4
	og := gantest.NewGAN(t, other)
	og.Step = 5
	if _, err := Save(og, out, 0); err != nil {
		t.Fatal(err)
	}
	cfg.Resume, cfg.Steps = true, 8
	r, _, err := Prepare(nn.MustBackend(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := Train(context.Background(), r, cfg); !errors.Is(err, ErrOtherRun) || !strings.Contains(err.Error(), "batch 8") {
		t.Fatalf("foreign checkpoint: %v, want ErrOtherRun naming the run's batch 8", err)
	}
	_ = os.Remove(filepath.Join(out, CheckpointName(5)))
	// The run's own checkpoint, but another dataset.
	cfg.Data = noise("fashion")
	r, _, _ = Prepare(nn.MustBackend(), cfg)
	if err := Train(context.Background(), r, cfg); !errors.Is(err, ErrOtherRun) {
		t.Fatalf("other dataset: %v, want ErrOtherRun", err)
	}
	cfg.AdoptOtherRun = true
	if err := Train(context.Background(), r, cfg); err != nil || r.Step != 8 {
		t.Fatalf("adopted: %v at step %d", err, r.Step)
	}
}

// A self-conditioned run's classes are clusters of its pictures: resumed on
// the same folder with pictures changed, the clusters regroup, and the resume
// is refused (ErrOtherRun, naming the clusters) unless adopted on purpose.
func TestSelfConditionedResumeOnOtherPictures(t *testing.T) {
	o := gantest.TinyOptions(gan.DCGAN)
	o.Classes, o.SelfCondition = 2, true
	pictures := func(seed uint64) *dataset.Dataset {
		return &dataset.Dataset{Name: "photos", N: 16, Size: 28, Chan: 1, Images: tensors.MustCopyFlatData[float32](gantest.RandomBatch(gan.Options{Batch: 16, Size: 28, Channels: 1}, seed).Images)}
	}
	out := t.TempDir()
	cfg := Config{Options: o, Data: pictures(1), Out: out, Steps: 2}
	g, _, err := Prepare(nn.MustBackend(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := Train(context.Background(), g, cfg); err != nil {
		t.Fatal(err)
	}
	cfg.Resume, cfg.Steps = true, 3
	r, _, err := Prepare(nn.MustBackend(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := Train(context.Background(), r, cfg); err != nil || r.Step != 3 {
		t.Fatalf("resumed on the same pictures: %v at step %d", err, r.Step)
	}
	cfg.Data, cfg.Steps = pictures(2), 4
	r, _, _ = Prepare(nn.MustBackend(), cfg)
	if err := Train(context.Background(), r, cfg); !errors.Is(err, ErrOtherRun) || !strings.Contains(err.Error(), "clusters") {
		t.Fatalf("other pictures: %v, want ErrOtherRun naming the clusters", err)
	}
}
