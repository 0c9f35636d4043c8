package dataset

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
)

// clusterSide is the side of the blurred copy each image is clustered by:
// blurring keeps the shape and drops the stroke-level detail that would
// otherwise split one kind of picture into many clusters.
const clusterSide = 16

// clusterFit is how many images k-means fits its centres on; every image is
// then assigned to its nearest centre. 10,000 fit in a few seconds on 2 cores.
const clusterFit = 10000

// Cluster groups the dataset's images into k clusters by k-means (k-means++
// seeding, Arthur & Vassilvitskii 2007; then Lloyd's iterations) on a blurred
// copy of each image, and returns each image's cluster, 0 to k-1.
//
// The clusters stand in for labels a folder does not have: a conditional GAN
// trained on them is the self-conditioned GAN of Liu et al. 2020 ("Diverse
// Image Generation via Self-Conditioned GANs"), which they found to cover the
// data's modes better than the unconditional GAN. Only pixels are used, never
// a dataset's own labels.
//
// The last result is kept, so that a run, the timing of its steps
// (--minutes) and its run.json cluster once; each caller gets its own copy.
func Cluster(d *Dataset, k int, seed int64) []uint8 {
	if k < 1 || k > MaxClusters || d.N == 0 {
		panic("dataset.Cluster: k must be 1 to MaxClusters, and the dataset not empty")
	}
	key := clusterKey{sample(d), d.N, d.Size, d.Chan, k, seed}
	lastClusters.Lock()
	defer lastClusters.Unlock()
	if lastClusters.key != key {
		lastClusters.key, lastClusters.labels = key, kMeans(d, k, seed)
	}
	return slices.Clone(lastClusters.labels)
}

// MaxClusters is the most clusters Cluster makes: a label is a byte.
const MaxClusters = 256

// clusterKey names a dataset (by a hash of its pixels), k and the seed.
type clusterKey struct {
	pixels            [sha256.Size]byte
	n, size, chans, k int
	seed              int64
}

// sample is a hash of about 64,000 of the dataset's values, spread evenly
// over it: enough to tell two datasets apart, cheap beside k-means.
func sample(d *Dataset) [sha256.Size]byte {
	stride := max(1, len(d.Images)/65536)
	buf := make([]byte, 0, 4*(len(d.Images)/stride+1))
	for i := 0; i < len(d.Images); i += stride {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(d.Images[i]))
	}
	return sha256.Sum256(buf)
}

// lastClusters is Cluster's last answer.
var lastClusters struct {
	sync.Mutex
	key    clusterKey
	labels []uint8
}

// kMeans is Cluster's work.
func kMeans(d *Dataset, k int, seed int64) []uint8 {
	feats, dim := blurred(d)
	rng := rand.New(rand.NewPCG(uint64(seed), 0xc1a55))
	fitOn := rng.Perm(d.N)[:min(d.N, clusterFit)]
	fit := make([]float32, 0, len(fitOn)*dim)
	for _, i := range fitOn {
		fit = append(fit, feats[i*dim:(i+1)*dim]...)
	}
	centres := seedCentres(fit, dim, k, rng)
	assign := make([]int, len(fitOn))
	for iter := 0; iter < 50; iter++ {
		if !nearest(fit, dim, centres, assign) && iter > 0 {
			break // no image changed cluster
		}
		recentre(fit, dim, centres, assign)
	}
	all := make([]int, d.N)
	nearest(feats, dim, centres, all)
	labels := make([]uint8, d.N)
	for i, c := range all {
		labels[i] = uint8(c)
	}
	return labels
}

// blurred returns every image averaged down to at most clusterSide x
// clusterSide (blocks of size/side pixels), flat, and its length.
func blurred(d *Dataset) ([]float32, int) {
	block := (d.Size + clusterSide - 1) / clusterSide
	side := d.Size / block
	dim := side * side * d.Chan
	out := make([]float32, d.N*dim)
	scale := 1 / float32(block*block)
	for i := range d.N {
		img, f := d.Image(i), out[i*dim:(i+1)*dim]
		for y := range side * block {
			for x := range side * block {
				for c := range d.Chan {
					f[((y/block)*side+x/block)*d.Chan+c] += img[(y*d.Size+x)*d.Chan+c] * scale
				}
			}
		}
	}
	return out, dim
}

// seedCentres picks k centres from the points by k-means++: each next centre
// is a point drawn with probability proportional to its squared distance
// from the nearest centre so far.
func seedCentres(pts []float32, dim, k int, rng *rand.Rand) []float32 {
	n := len(pts) / dim
	centres := append([]float32(nil), pts[rng.IntN(n)*dim:][:dim]...)
	dist := make([]float64, n)
	for i := range dist {
		dist[i] = math.Inf(1)
	}
	for len(centres)/dim < k {
		last := centres[len(centres)-dim:]
		total := 0.0
		for i := range n {
			dist[i] = min(dist[i], sqDist(pts[i*dim:(i+1)*dim], last))
			total += dist[i]
		}
		pick := rng.IntN(n)
		if total > 0 {
			r := rng.Float64() * total
			for i, v := range dist {
				if r -= v; r <= 0 {
					pick = i
					break
				}
			}
		}
		centres = append(centres, pts[pick*dim:(pick+1)*dim]...)
	}
	return centres
}

// nearest sets assign[i] to the centre nearest point i, on all cores, and
// reports whether any assignment changed.
func nearest(pts []float32, dim int, centres []float32, assign []int) bool {
	n, k := len(pts)/dim, len(centres)/dim
	workers := runtime.GOMAXPROCS(0)
	changed := make([]bool, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				p, best, bestD := pts[i*dim:(i+1)*dim], 0, math.Inf(1)
				for c := range k {
					if d := sqDist(p, centres[c*dim:(c+1)*dim]); d < bestD {
						best, bestD = c, d
					}
				}
				if assign[i] != best {
					assign[i], changed[w] = best, true
				}
			}
		})
	}
	wg.Wait()
	for _, c := range changed {
		if c {
			return true
		}
	}
	return false
}

// recentre moves each centre to the mean of its points; an empty cluster
// (seeding can pick one picture twice, where pictures repeat) takes the
// point farthest from its own centre, so that k clusters remain.
func recentre(pts []float32, dim int, centres []float32, assign []int) {
	k := len(centres) / dim
	sums := make([]float64, k*dim)
	counts := make([]int, k)
	for i, c := range assign {
		counts[c]++
		for j, v := range pts[i*dim : (i+1)*dim] {
			sums[c*dim+j] += float64(v)
		}
	}
	for c := range k {
		if counts[c] == 0 {
			far, farD := 0, -1.0
			for i, a := range assign {
				if d := sqDist(pts[i*dim:(i+1)*dim], centres[a*dim:(a+1)*dim]); d > farD {
					far, farD = i, d
				}
			}
			copy(centres[c*dim:(c+1)*dim], pts[far*dim:(far+1)*dim])
			counts[c], assign[far] = 1, c // taken: the next empty cluster picks another
			continue
		}
		for j := range dim {
			centres[c*dim+j] = float32(sums[c*dim+j] / float64(counts[c]))
		}
	}
}

func sqDist(a, b []float32) float64 {
	var s float32
	for i, v := range a {
		d := v - b[i]
		s += d * d
	}
	return float64(s)
}
