package dataset

import "testing"

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
