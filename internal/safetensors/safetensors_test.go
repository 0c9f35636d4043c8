package safetensors

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.safetensors")
	err := Write(path, map[string]Tensor{
		"a": {Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}},
		"b": {Shape: []int{3}, Data: []float32{-1, 0.5, 7}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if names := f.Names(); len(names) != 2 || names[0] != "a" {
		t.Fatalf("names %v", names)
	}
	b, err := f.Float32("b", 3)
	if err != nil || b[0] != -1 || b[2] != 7 {
		t.Fatalf("b = %v, %v", b, err)
	}
	if _, err := f.Float32("a", 4); err == nil || !strings.Contains(err.Error(), "has shape [2 2], want [4]") {
		t.Errorf("want a shape error, got %v", err)
	}
	if err := Write(path, map[string]Tensor{"c": {Shape: []int{2}, Data: []float32{1}}}); err == nil {
		t.Error("want an error for a shape that does not fit the data")
	}
	raw, _ := os.ReadFile(path)
	if err := os.WriteFile(path, raw[:len(raw)-4], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "outside the file") {
		t.Errorf("want a truncation error, got %v", err)
	}
}
