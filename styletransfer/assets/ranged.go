package assets

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ganbook/ganbook/internal/fetch"
	"github.com/ganbook/ganbook/internal/fileio"
	"github.com/ganbook/ganbook/internal/safetensors"
)

// The features-only download: VGG-19's convolutions are about 80 MB of the
// Hub file's 575 MB (the rest is the classifier, which style transfer never
// uses), so DownloadVGG19Features fetches only their byte ranges.
//
// What it can and cannot check: the Hub publishes one SHA-256, of the whole
// file, and a partial download cannot check it; no machine of this project can
// fetch the real file to pin a hash of the ranges either. So the ranges are
// trusted on first use: each response must be a 206 for exactly the bytes
// asked, each tensor's dtype, shape and byte length must agree with the
// header, and the SHA-256 of every tensor is computed when it is downloaded and
// recorded in the cached file, where every later load checks it (a corrupted
// cache is detected; a corrupt first download is not). DownloadVGG19 keeps
// the whole-file path, checked against the Hub's hash.

// VGG19FeaturesFile is the name of the features-only cache file.
const VGG19FeaturesFile = "vgg19.tv_in1k-features.safetensors"

// Metadata of the features-only file.
const (
	featuresKind      = "vgg19-features-by-range/1"
	metaKind          = "ganbook.kind"
	metaSource        = "ganbook.source"
	metaSourceBytes   = "ganbook.source_bytes"
	metaSourceHeader  = "ganbook.source_header_bytes"
	metaSourceETag    = "ganbook.source_etag"
	metaHubSHA256     = "ganbook.hub_whole_file_sha256"
	metaHubCommit     = "ganbook.hub_commit"
	metaDownloaded    = "ganbook.downloaded"
	metaNote          = "ganbook.note"
	metaSHA256Prefix  = "ganbook.sha256."  // + tensor name: SHA-256 of its bytes, recorded at download
	metaOffsetsPrefix = "ganbook.offsets." // + tensor name: its data_offsets in the source file's header
	metaRangePrefix   = "ganbook.range."   // + index: a fetched byte range and its SHA-256
	featuresNote      = "byte ranges of the source file, fetched by HTTP range requests; " +
		"the Hugging Face Hub publishes only the whole file's SHA-256, which cannot check a part of it, " +
		"so these SHA-256 were computed at the first download (trust on first use) and are checked on every load"
)

// maxRemoteHeader bounds the JSON header read over the network (VGG-19's is a
// few kB).
const maxRemoteHeader = 8 << 20

// VGG19URL is where the weights are on the Hugging Face Hub ($HF_ENDPOINT, or
// https://huggingface.co).
func VGG19URL() string {
	endpoint := strings.TrimSuffix(os.Getenv("HF_ENDPOINT"), "/")
	if endpoint == "" {
		endpoint = "https://huggingface.co"
	}
	return endpoint + "/" + VGG19Repo + "/resolve/main/" + VGG19File
}

// FeaturesCachePath is where DownloadVGG19Features keeps the convolutions:
// cacheDir, by default ~/.cache/ganbook (fetch.CacheDir), then
// VGG19FeaturesFile.
func FeaturesCachePath(cacheDir string) (string, error) {
	if cacheDir == "" {
		var err error
		if cacheDir, err = fetch.CacheDir(""); err != nil {
			return "", err
		}
	}
	return filepath.Join(cacheDir, VGG19FeaturesFile), nil
}

// DownloadVGG19Features fetches only VGG-19's convolution tensors, want (the
// network's features.* tensors, styletransfer.VGG19Tensors: about 80 MB of
// the 575 MB file), from url (default VGG19URL()) by HTTP range requests,
// checks them against the file's header and caches them as a small
// .safetensors file with the SHA-256 of every tensor (see the package notes
// above for what that does and does not prove). A cached file is checked
// against those hashes and reused without the network. client nil means a
// client with ganbook's network limits (fetch). A server that ignores range
// requests is refused rather than downloading the whole file.
func DownloadVGG19Features(ctx context.Context, cacheDir, url string, client *http.Client, want []Tensor) (string, error) {
	path, err := FeaturesCachePath(cacheDir)
	if err != nil {
		return "", err
	}
	return downloadFeatures(ctx, path, url, client, want, fetch.Default)
}

// TryVGG19Features is DownloadVGG19Features for a default that must not keep
// an offline learner waiting: the server must connect and send the file's
// header (two range requests, and the Hub's redirect) within answer in all,
// else the error comes back and the caller goes on without the weights. Once
// the server has answered, the tensors are fetched with the usual limits
// (fetch.Default).
func TryVGG19Features(ctx context.Context, cacheDir, url string, client *http.Client, want []Tensor, answer time.Duration) (string, error) {
	path, err := FeaturesCachePath(cacheDir)
	if err != nil {
		return "", err
	}
	return downloadFeatures(ctx, path, url, client, want, fetch.Timeouts{Connect: answer, FirstByte: answer, Idle: answer})
}

// VerifyFeatures checks every tensor of a file written by
// DownloadVGG19Features against the SHA-256 recorded when it was downloaded.
func VerifyFeatures(path string) error {
	st, err := safetensors.Open(path)
	if err != nil {
		return fmt.Errorf("%w: %s", err, featuresFix)
	}
	defer st.Close()
	if st.Metadata[metaKind] != featuresKind {
		return fmt.Errorf("%s: not a features file written by ganbook (no recorded hashes): %s", path, featuresFix)
	}
	for _, name := range st.Names() {
		if err := checkRecorded(st, path, name); err != nil {
			return err
		}
	}
	return nil
}

const featuresFix = "delete it and download the features again"

// CheckTensor checks a tensor of the open weights file at path against the
// SHA-256 recorded when DownloadVGG19Features fetched it. A file it did not
// write (the Hub's whole file, a file of the user's) records no hashes and
// passes.
func CheckTensor(st *safetensors.File, path, name string) error {
	if st.Metadata[metaKind] != featuresKind {
		return nil
	}
	return checkRecorded(st, path, name)
}

// checkRecorded compares a tensor's bytes with the SHA-256 recorded at download.
func checkRecorded(st *safetensors.File, path, name string) error {
	want, ok := st.Metadata[metaSHA256Prefix+name]
	if !ok {
		return fmt.Errorf("%s: no SHA-256 recorded for tensor %q, the cached file is damaged: %s", path, name, featuresFix)
	}
	data, err := st.Bytes(name)
	if err != nil {
		return fmt.Errorf("%w: %s", err, featuresFix)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != want {
		return fmt.Errorf("%s: tensor %q has SHA-256 %s, not the %s recorded at download: the cached file is corrupt; %s", path, name, got, want, featuresFix)
	}
	return nil
}

// Tensor is a float32 tensor to fetch from the weights file: its name there
// and its shape.
type Tensor struct {
	Name  string
	Shape []int
}

// bytes is the tensor's size in the file (float32: 4 bytes a value).
func (t Tensor) bytes() int {
	size := 4
	for _, d := range t.Shape {
		size *= d
	}
	return size
}

// wantTensor is a tensor to fetch, located in the source file: its
// data_offsets in the header and its absolute byte range [start, end).
type wantTensor struct {
	Tensor
	offsets    [2]int
	start, end int64
}

// byteRange is a run of adjacent tensors fetched by one request.
type byteRange struct {
	start, end int64
	tensors    []wantTensor
}

// downloadFeatures fetches the tensors want of the file at url into path, or
// checks the copy already there.
// first limits the requests for the header, which tell whether the server is
// there at all.
func downloadFeatures(ctx context.Context, path, url string, client *http.Client, want []Tensor, first fetch.Timeouts) (string, error) {
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		if err := VerifyFeatures(path); err != nil {
			return "", err
		}
		return path, nil
	}
	if url == "" {
		url = VGG19URL()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	// The header's requests run with the first limits (the transport's own
	// timeouts too, unless the caller gave a client), the tensors' with the usual.
	f := &rangeFetcher{ctx: ctx, client: client, url: url, limits: first}
	if client == nil {
		f.client = fetch.Client(first)
	}
	if first != fetch.Default { // the header's requests all within one limit
		hctx, cancel := context.WithTimeout(ctx, first.FirstByte)
		defer cancel()
		f.ctx = hctx
	}
	src, err := f.header()
	if err != nil {
		return "", err
	}
	f.ctx, f.limits = ctx, fetch.Default
	if client == nil {
		f.client = fetch.Client(fetch.Default)
	}
	// Every tensor is checked against the header before any is fetched.
	wants, err := src.locate(want)
	if err != nil {
		return "", err
	}
	ranges, err := mergeRanges(wants)
	if err != nil {
		return "", fmt.Errorf("%s: %w", url, err)
	}
	raws, meta, err := f.fetchTensors(src, ranges)
	if err != nil {
		return "", err
	}
	if err := writeFeatures(path, raws, meta); err != nil {
		return "", err
	}
	return path, nil
}

// remoteHeader is the source file's safetensors header, read by two range
// requests (its size, then the JSON), and the first answer, which identifies
// the file's version for every later request.
type remoteHeader struct {
	url     string
	first   *rangeResponse
	dataAt  int64 // where the tensors' data starts in the file
	entries map[string]safetensors.Entry
}

// header reads the source file's header.
func (f *rangeFetcher) header() (*remoteHeader, error) {
	first, err := f.get(0, 8)
	if err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint64(first.body)
	if n == 0 || n > maxRemoteHeader || (first.total >= 0 && 8+n > uint64(first.total)) {
		return nil, fmt.Errorf("%s: not a safetensors file (header size %d, file size %d)", f.url, n, first.total)
	}
	hdr, err := f.get(8, int64(n))
	if err != nil {
		return nil, err
	}
	if err := first.sameFile(hdr, f.url); err != nil {
		return nil, err
	}
	h := &remoteHeader{url: f.url, first: first, dataAt: 8 + int64(n)}
	dataSize := int64(-1)
	if first.total >= 0 {
		dataSize = first.total - h.dataAt
	}
	if h.entries, _, err = safetensors.ParseHeader(hdr.body, dataSize); err != nil {
		return nil, fmt.Errorf("%s: %w", f.url, err)
	}
	return h, nil
}

// locate finds each wanted tensor in the header, refusing one that is
// missing, not float32, of another shape, or whose byte range contradicts its
// shape.
func (h *remoteHeader) locate(want []Tensor) ([]wantTensor, error) {
	var wants []wantTensor
	for _, t := range want {
		e, ok := h.entries[t.Name]
		if !ok {
			return nil, fmt.Errorf("%s: the header has no tensor %q (is this VGG-19's torchvision checkpoint?)", h.url, t.Name)
		}
		if e.DType != "F32" {
			return nil, fmt.Errorf("%s: tensor %q has dtype %s, want F32", h.url, t.Name, e.DType)
		}
		if fmt.Sprint(e.Shape) != fmt.Sprint(t.Shape) {
			return nil, fmt.Errorf("%s: tensor %q has shape %v, want %v", h.url, t.Name, e.Shape, t.Shape)
		}
		if got := e.Offsets[1] - e.Offsets[0]; got != t.bytes() {
			return nil, fmt.Errorf("%s: the header contradicts itself: tensor %q of shape %v needs %d bytes, its byte range %v holds %d", h.url, t.Name, e.Shape, t.bytes(), e.Offsets, got)
		}
		wants = append(wants, wantTensor{Tensor: t, offsets: e.Offsets,
			start: h.dataAt + int64(e.Offsets[0]), end: h.dataAt + int64(e.Offsets[1])})
	}
	return wants, nil
}

// metadata is what the cached file records of its source (see featuresNote).
func (h *remoteHeader) metadata() map[string]string {
	meta := map[string]string{
		metaKind:         featuresKind,
		metaSource:       h.url,
		metaSourceBytes:  strconv.FormatInt(h.first.total, 10),
		metaSourceHeader: strconv.FormatInt(h.dataAt, 10),
		metaDownloaded:   time.Now().UTC().Format(time.RFC3339),
		metaNote:         featuresNote,
	}
	for k, v := range map[string]string{metaSourceETag: h.first.etag, metaHubSHA256: h.first.linkedETag, metaHubCommit: h.first.commit} {
		if v != "" {
			meta[k] = v
		}
	}
	return meta
}

// fetchTensors fetches the ranges (each from the same version of the file as
// the header) and returns their tensors with the metadata to cache: the
// source, and the SHA-256 of every range and tensor.
func (f *rangeFetcher) fetchTensors(src *remoteHeader, ranges []byteRange) (map[string]safetensors.Raw, map[string]string, error) {
	raws := map[string]safetensors.Raw{}
	meta := src.metadata()
	for i, r := range ranges {
		resp, err := f.get(r.start, r.end-r.start)
		if err != nil {
			return nil, nil, err
		}
		if err := src.first.sameFile(resp, f.url); err != nil {
			return nil, nil, err
		}
		sum := sha256.Sum256(resp.body)
		meta[fmt.Sprintf("%s%d", metaRangePrefix, i)] = fmt.Sprintf("bytes=%d-%d sha256=%x", r.start, r.end-1, sum)
		for _, w := range r.tensors {
			data := resp.body[w.start-r.start : w.end-r.start]
			raws[w.Name] = safetensors.Raw{DType: "F32", Shape: w.Shape, Data: data}
			ts := sha256.Sum256(data)
			meta[metaSHA256Prefix+w.Name] = hex.EncodeToString(ts[:])
			meta[metaOffsetsPrefix+w.Name] = fmt.Sprintf("[%d,%d]", w.offsets[0], w.offsets[1])
		}
	}
	return raws, meta, nil
}

// writeFeatures caches the tensors at path, then reads them back through the
// recorded hashes (a file that fails is removed rather than kept).
func writeFeatures(path string, raws map[string]safetensors.Raw, meta map[string]string) error {
	if err := fileio.WriteFileAtomic(path, func(w io.Writer) error { return safetensors.Encode(w, raws, meta) }); err != nil {
		return err
	}
	if err := VerifyFeatures(path); err != nil {
		_ = os.Remove(path)
		return err
	}
	return nil
}

// mergeRanges sorts the tensors by position and joins adjacent ones into one
// request each (torchvision's features.* are one contiguous run).
func mergeRanges(wants []wantTensor) ([]byteRange, error) {
	sort.Slice(wants, func(i, j int) bool { return wants[i].start < wants[j].start })
	var ranges []byteRange
	for i, w := range wants {
		if i > 0 && w.start < wants[i-1].end {
			return nil, fmt.Errorf("the header contradicts itself: tensors %q and %q overlap", wants[i-1].Name, w.Name)
		}
		if n := len(ranges); n > 0 && ranges[n-1].end == w.start {
			ranges[n-1].end = w.end
			ranges[n-1].tensors = append(ranges[n-1].tensors, w)
			continue
		}
		ranges = append(ranges, byteRange{start: w.start, end: w.end, tensors: []wantTensor{w}})
	}
	return ranges, nil
}

type rangeFetcher struct {
	ctx    context.Context
	client *http.Client
	url    string
	limits fetch.Timeouts // of each request
}

// rangeResponse is the body of a 206 answer and what identifies the file.
type rangeResponse struct {
	body       []byte
	total      int64 // the whole file's size from Content-Range; -1 if the server did not say
	etag       string
	linkedETag string // the Hub's X-Linked-Etag: the whole file's SHA-256 (unchecked here)
	commit     string // the Hub's X-Repo-Commit
}

// sameFile refuses answers that come from different versions of the file.
func (a *rangeResponse) sameFile(b *rangeResponse, url string) error {
	if a.total != b.total || a.etag != b.etag || a.linkedETag != b.linkedETag || a.commit != b.commit {
		return fmt.Errorf("%s: the file changed on the server between two range requests (size %d/%d, ETag %s/%s): try again", url, a.total, b.total, a.etag, b.etag)
	}
	return nil
}

// get fetches length bytes from start and checks that the answer is exactly
// those bytes.
func (f *rangeFetcher) get(start, length int64) (*rangeResponse, error) {
	end := start + length - 1
	req, err := http.NewRequestWithContext(f.ctx, http.MethodGet, f.url, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.url, err)
	}
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", start, end))
	// The Hub answers with a redirect to its CDN; its own headers (the file's
	// commit and whole-file SHA-256) are on the redirect.
	c := *f.client
	var hub http.Header
	prev := c.CheckRedirect
	c.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if hub == nil && r.Response != nil {
			hub = r.Response.Header
		}
		if prev != nil {
			return prev(r, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	resp, err := fetch.Do(&c, req, f.limits) // connect, first-byte and idle limits
	if err != nil {
		return nil, fmt.Errorf("range request for bytes %d-%d failed: %w", start, end, err)
	}
	defer resp.Close()
	switch resp.StatusCode {
	case http.StatusPartialContent:
	case http.StatusOK:
		return nil, fmt.Errorf("%s ignored the range request for bytes %d-%d (it answered 200 OK with the whole file, %d bytes): refusing to download it all here; the whole-file download (DownloadVGG19) fetches it and checks it against the Hub's SHA-256", f.url, start, end, resp.ContentLength)
	default:
		return nil, fmt.Errorf("%s: bytes %d-%d: the server answered %s", f.url, start, end, resp.Status)
	}
	cr := resp.Header.Get("Content-Range")
	a, b, total, ok := parseContentRange(cr)
	if !ok || a != start || b != end || (total >= 0 && b >= total) {
		return nil, fmt.Errorf("%s: asked for bytes %d-%d, the server sent Content-Range %q", f.url, start, end, cr)
	}
	if resp.ContentLength >= 0 && resp.ContentLength != length {
		return nil, fmt.Errorf("%s: asked for %d bytes (%d-%d), the server announced %d", f.url, length, start, end, resp.ContentLength)
	}
	body := make([]byte, length)
	if got, err := io.ReadFull(resp.Body, body); err != nil {
		if errors.Is(err, fetch.ErrStalled) || f.ctx.Err() != nil {
			return nil, fmt.Errorf("bytes %d-%d, after %d of %d bytes: %w; nothing was cached", start, end, got, length, err)
		}
		return nil, fmt.Errorf("%s: bytes %d-%d: the answer ended after %d of %d bytes (truncated download: %w); nothing was cached, try again", f.url, start, end, got, length, err)
	}
	if extra, _ := io.Copy(io.Discard, io.LimitReader(resp.Body, 1)); extra > 0 {
		return nil, fmt.Errorf("%s: bytes %d-%d: the server sent more than the %d bytes asked", f.url, start, end, length)
	}
	r := &rangeResponse{body: body, total: total, etag: resp.Header.Get("ETag")}
	for _, h := range []http.Header{hub, resp.Header} {
		if r.linkedETag == "" {
			r.linkedETag = strings.Trim(h.Get("X-Linked-Etag"), `"`)
		}
		if r.commit == "" {
			r.commit = h.Get("X-Repo-Commit")
		}
	}
	return r, nil
}

// parseContentRange reads "bytes a-b/total" (total "*": unknown, -1).
func parseContentRange(s string) (a, b, total int64, ok bool) {
	rest, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, 0, false
	}
	rng, tot, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, 0, false
	}
	as, bs, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, 0, false
	}
	var err1, err2, err3 error
	a, err1 = strconv.ParseInt(as, 10, 64)
	b, err2 = strconv.ParseInt(bs, 10, 64)
	total = -1
	if tot != "*" {
		total, err3 = strconv.ParseInt(tot, 10, 64)
	}
	if err1 != nil || err2 != nil || err3 != nil || a < 0 || b < a {
		return 0, 0, 0, false
	}
	return a, b, total, true
}
