package bench

import "testing"

// Rounds reports each workload's median round and its fastest and slowest.
func TestRounds(t *testing.T) {
	r := Rounds{}
	r.Add(map[string]Timing{"a": {MS: 30, Cores: 1}, "b": {MS: 5, Cores: 2}})
	r.Add(map[string]Timing{"a": {MS: 10, Cores: 2}, "b": {MS: 7, Cores: 2}})
	r.Add(map[string]Timing{"a": {MS: 20, Cores: 1.5}, "b": {MS: 6, Cores: 1}})
	m := r.Median()
	if m["a"] != (Timing{MS: 20, Cores: 1.5}) || m["b"] != (Timing{MS: 6, Cores: 2}) {
		t.Errorf("medians %+v", m)
	}
	if lo, hi := r.Range("a"); lo != 10 || hi != 30 {
		t.Errorf("range of a: %g-%g, want 10-30", lo, hi)
	}
}
