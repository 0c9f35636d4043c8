package dataset

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ganbook/ganbook/internal/fetch"
	"github.com/ganbook/ganbook/internal/fetch/fetchtest"
)

func idxBytes(magicType byte, dims []int, data []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, 0x08, byte(len(dims))})
	for _, d := range dims {
		_ = binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(data)
	return b.Bytes()
}

func gz(data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, _ = w.Write(data)
	_ = w.Close()
	return b.Bytes()
}

func TestParseIDX(t *testing.T) {
	pix := make([]byte, 2*3*3)
	for i := range pix {
		pix[i] = byte(i * 10)
	}
	raw := idxBytes(0x08, []int{2, 3, 3}, pix)
	for _, in := range [][]byte{raw, gz(raw)} {
		dims, data, err := ParseIDX(in)
		if err != nil || len(dims) != 3 || dims[0] != 2 || !bytes.Equal(data, pix) {
			t.Fatalf("dims %v, err %v", dims, err)
		}
	}
	for name, bad := range map[string][]byte{
		"truncated data": raw[:len(raw)-1],
		"bad magic":      append([]byte{1, 2, 3, 4}, raw[4:]...),
		"short":          raw[:3],
		"zero dim":       idxBytes(0x08, []int{0, 3}, nil),
		"corrupt gzip":   gz(raw)[:10],
	} {
		if _, _, err := ParseIDX(bad); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

// The embedded default: MNIST from the GoMNIST module, verified by SHA-256.
func TestLoadMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 10,000 images")
	}
	ds, err := LoadMNIST(false, 28, 1)
	if err != nil {
		t.Fatal(err)
	}
	if ds.N != 10000 || len(ds.Images) != 10000*784 || len(ds.Labels) != 10000 {
		t.Fatalf("test set: N=%d, %d values, %d labels", ds.N, len(ds.Images), len(ds.Labels))
	}
	var counts [10]int
	for _, l := range ds.Labels {
		counts[l]++
	}
	for c, n := range counts {
		if n < 800 {
			t.Errorf("class %d has only %d images", c, n)
		}
	}
	// MNIST is mostly black background: the mean pixel is about -0.74 in [-1, 1].
	var sum float64
	for _, v := range ds.Images {
		sum += float64(v)
	}
	if mean := sum / float64(len(ds.Images)); mean < -0.8 || mean > -0.7 {
		t.Errorf("mean pixel %g, want about -0.74", mean)
	}
	big, err := LoadMNIST(false, 32, 3)
	if err != nil || big.Size != 32 || len(big.Image(0)) != 32*32*3 {
		t.Fatalf("32x32 RGB MNIST: %v", err)
	}
}

// The downloader, tested against a local server: a mirror with a corrupt copy
// fails the checksum and the next mirror is used.
func TestDownloadMNIST(t *testing.T) {
	src, err := MNISTDir()
	if err != nil {
		t.Fatal(err)
	}
	good := httptest.NewServer(http.FileServer(http.Dir(src)))
	defer good.Close()
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("not mnist")) }))
	defer bad.Close()
	dir := t.TempDir()
	got, err := DownloadMNIST(context.Background(), dir, []string{bad.URL + "/", good.URL + "/"}, nil)
	if err != nil || got != dir {
		t.Fatalf("download: %v", err)
	}
	if err := VerifyMNIST(dir); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 4 {
		t.Fatalf("want exactly the 4 files, no temporary leftovers; got %d entries", len(entries))
	}
	if _, err := DownloadMNIST(context.Background(), t.TempDir(), []string{bad.URL + "/"}, nil); err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Fatalf("want a checksum error, got %v", err)
	}
}

func colourful(w, h int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	return img
}

// makeImageFolder writes n good images (PNG, JPEG, GIF, some in a subfolder)
// plus a corrupt PNG and a text file named .jpg.
func makeImageFolder(t testing.TB, n int) string {
	t.Helper()
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		var b bytes.Buffer
		img := colourful(40+i, 30)
		name := filepath.Join(dir, "img"+string(rune('a'+i%26))+string(rune('a'+i/26)))
		switch i % 3 {
		case 0:
			_ = png.Encode(&b, img)
			name += ".png"
		case 1:
			_ = jpeg.Encode(&b, img, nil)
			name = filepath.Join(sub, filepath.Base(name)+".JPG")
		case 2:
			_ = gif.Encode(&b, img, nil)
			name += ".gif"
		}
		if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_ = os.WriteFile(filepath.Join(dir, "broken.png"), []byte("\x89PNG\r\n\x1a\n broken"), 0o644)
	_ = os.WriteFile(filepath.Join(sub, "notes.jpg"), []byte("just text"), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "readme.txt"), []byte("ignored"), 0o644)
	return dir
}

func TestLoadFolder(t *testing.T) {
	dir := makeImageFolder(t, 6)
	ds, rep, err := LoadFolder(dir, 32, 3)
	if err != nil {
		t.Fatal(err)
	}
	if ds.N != 6 || rep.Loaded != 6 || len(rep.Skipped) != 2 {
		t.Fatalf("loaded %d, skipped %v", ds.N, rep.Skipped)
	}
	if !strings.Contains(rep.Summary(dir), "skipped 2") {
		t.Errorf("summary %q does not count the skipped files", rep.Summary(dir))
	}
	for _, v := range ds.Images {
		if v < -1 || v > 1 {
			t.Fatalf("value %g outside [-1, 1]", v)
		}
	}
	if _, err := NewBatcher(ds, 8, 1); err == nil || !strings.Contains(err.Error(), "fewer than one batch") {
		t.Errorf("want a too-few-images error, got %v", err)
	}

	empty := t.TempDir()
	_ = os.WriteFile(filepath.Join(empty, "a.txt"), []byte("x"), 0o644)
	onlyBad := t.TempDir()
	_ = os.WriteFile(filepath.Join(onlyBad, "a.png"), []byte("x"), 0o644)
	file := filepath.Join(empty, "a.txt")
	for name, tc := range map[string]struct{ dir, want string }{
		"missing":    {filepath.Join(empty, "nope"), "no such folder"},
		"a file":     {file, "not a folder"},
		"no images":  {empty, "no PNG, JPEG or GIF"},
		"only a bad": {onlyBad, "could be read"},
	} {
		_, _, err := LoadFolder(tc.dir, 32, 3)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.dir) {
			t.Errorf("%s: got %v, want an error naming %s with %q", name, err, tc.dir, tc.want)
		}
	}
}

func TestBatcherCoversEveryImagePerEpoch(t *testing.T) {
	ds := &Dataset{Name: "t", N: 10, Size: 1, Chan: 1, Images: []float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
		Labels: []uint8{10, 11, 12, 13, 14, 15, 16, 17, 18, 19}}
	b, err := NewBatcher(ds, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[float32]bool{}
	for range 3 { // 3 batches of 3 = one epoch, one image dropped
		batch := b.Next()
		for i, v := range batch.Images.Value().([][][][]float32) {
			seen[v[0][0][0]] = true
			if want := int(v[0][0][0]) + 10; batch.Labels[i] != want { // each label stays with its image
				t.Fatalf("image %g has label %d, want %d", v[0][0][0], batch.Labels[i], want)
			}
		}
	}
	if len(seen) != 9 || b.Epoch != 0 {
		t.Fatalf("one epoch saw %d distinct images (epoch %d), want 9", len(seen), b.Epoch)
	}
	b.Next()
	if b.Epoch != 1 {
		t.Fatalf("epoch %d after the fourth batch, want 1", b.Epoch)
	}
}

// Fashion-MNIST is read from a folder of IDX .gz files (Debian's package layout);
// the test writes a tiny one.
func TestLoadFashionMNISTFromFolder(t *testing.T) {
	dir := t.TempDir()
	pix := make([]byte, 3*28*28)
	for i := range pix {
		pix[i] = byte(i % 256)
	}
	files := map[string][]byte{
		"train-images-idx3-ubyte.gz": gz(idxBytes(0x08, []int{3, 28, 28}, pix)),
		"train-labels-idx1-ubyte.gz": gz(idxBytes(0x08, []int{3}, []byte{0, 9, 4})),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ds, err := LoadFashionMNIST(dir, true, 28, 1)
	if err != nil {
		t.Fatal(err)
	}
	if ds.N != 3 || ds.Labels[1] != 9 || ds.Images[0] != -1 || ds.Images[255] != 1 {
		t.Fatalf("N=%d labels %v first %g, 255th %g", ds.N, ds.Labels, ds.Images[0], ds.Images[255])
	}
	if _, err := LoadFashionMNIST(filepath.Join(dir, "nope"), true, 28, 1); err == nil || !strings.Contains(err.Error(), "apt-get install dataset-fashion-mnist") {
		t.Errorf("want an install hint, got %v", err)
	}
	// Labels that do not match the images are refused.
	_ = os.WriteFile(filepath.Join(dir, "train-labels-idx1-ubyte.gz"), gz(idxBytes(0x08, []int{2}, []byte{0, 1})), 0o644)
	if _, err := LoadFashionMNIST(dir, true, 28, 1); err == nil || !strings.Contains(err.Error(), "want 3 labels") {
		t.Errorf("want a label-count error, got %v", err)
	}
}

// A mirror that accepts the connection and never answers is given up on
// within the network limits, and the next mirror is used; Ctrl-C (the
// context) stops the download at once.
func TestDownloadMNISTStalledMirror(t *testing.T) {
	src, err := MNISTDir()
	if err != nil {
		t.Fatal(err)
	}
	good := httptest.NewServer(http.FileServer(http.Dir(src)))
	defer good.Close()
	silent := fetchtest.SilentServer(t) + "/"
	old := fetch.Default
	fetch.Default = fetch.Timeouts{Connect: time.Second, FirstByte: 300 * time.Millisecond, Idle: 300 * time.Millisecond}
	defer func() { fetch.Default = old }()
	start := time.Now()
	if _, err := DownloadMNIST(context.Background(), t.TempDir(), []string{silent, good.URL + "/"}, nil); err != nil {
		t.Fatalf("a silent first mirror: %v", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the silent mirror cost %s (4 files, limit 300 ms each)", took)
	}
	fetch.Default = fetch.Timeouts{Connect: time.Minute, FirstByte: time.Minute, Idle: time.Minute}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start = time.Now()
	_, err = DownloadMNIST(ctx, t.TempDir(), []string{silent}, nil)
	if !errors.Is(err, context.Canceled) || time.Since(start) > 2*time.Second {
		t.Errorf("Ctrl-C: %v after %s, want context.Canceled at once", err, time.Since(start))
	}
}

// Pictures a phone or a download leaves in a folder: WebP and HEIC files are
// counted and named (a WebP named .jpg too, with its format), a 1x5000 strip
// and a tiny picture are kept but reported, and a file name with a line
// break does not split the one-line summary.
func TestFolderReportsWhatItCannotUse(t *testing.T) {
	dir := t.TempDir()
	save := func(name string, w, h int) {
		var b bytes.Buffer
		_ = png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h)))
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	save("a.png", 40, 40)
	save("strip.png", 1, 5000)
	save("tiny.png", 4, 4)
	webp := []byte("RIFF\x10\x00\x00\x00WEBPVP8 ")
	heic := []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00")
	for name, data := range map[string][]byte{"p.webp": webp, "q.heic": heic, "r.jpg": webp, "line\nbreak.png": []byte("not a png")} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ds, rep, err := LoadFolder(dir, 32, 1)
	if err != nil {
		t.Fatal(err)
	}
	sum := rep.Summary(dir)
	if ds.N != 3 || len(rep.Other) != 2 || len(rep.Skipped) != 2 || len(rep.Stretched) != 2 {
		t.Errorf("loaded %d, other %q, skipped %q, stretched %q", ds.N, rep.Other, rep.Skipped, rep.Stretched)
	}
	for _, want := range []string{"skipped 2 pictures in formats ganbook cannot read", "convert them to PNG or JPEG", "2 pictures are far from square or tiny", "keeps 0% of it"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
	if strings.Contains(sum, "\n") {
		t.Errorf("the summary spans lines: %q", sum)
	}
	webpSkipped := false
	for _, s := range rep.Skipped {
		webpSkipped = webpSkipped || strings.Contains(s, "r.jpg: a WebP image, which ganbook cannot read")
	}
	if !webpSkipped {
		t.Errorf("the WebP named .jpg is not named as WebP: %q", rep.Skipped)
	}
	only := t.TempDir()
	_ = os.WriteFile(filepath.Join(only, "x.heic"), heic, 0o644)
	if _, _, err := LoadFolder(only, 32, 1); err == nil || !strings.Contains(err.Error(), "in formats ganbook cannot read") {
		t.Errorf("a folder of HEIC pictures: %v", err)
	}
}
