package gan

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganbook/ganbook/internal/imgio"
)

// A checkpoint file is:
//
//	"GANBOOK1" | uint64 header length | header JSON | tensor bytes | SHA-256 of all before
//
// The header holds the step, the options and, per variable, its path, dtype,
// dimensions, trainable flag and byte range. The trailing hash catches
// truncation and corruption before anything is loaded.
const (
	ckptMagic  = "GANBOOK1"
	ckptPrefix = "ckpt-"
	ckptExt    = ".gbk"
	// fixedNoisePath stores the fixed noise beside the store's variables.
	fixedNoisePath = "#fixed_noise"
)

type ckptHeader struct {
	Step    int         `json:"step"`
	Options Options     `json:"options"`
	Tensors []ckptEntry `json:"tensors"`
}

type ckptEntry struct {
	Path      string `json:"path"`
	DType     string `json:"dtype"`
	Dims      []int  `json:"dims"`
	Trainable bool   `json:"trainable"`
	Offset    int64  `json:"offset"`
	Size      int64  `json:"size"`
}

// Checkpoint is a loaded checkpoint file.
type Checkpoint struct {
	Path    string
	Step    int
	Options Options
	tensors []ckptEntry
	data    []byte
}

// CheckpointName is the file name of the checkpoint of a step.
func CheckpointName(step int) string { return fmt.Sprintf("%s%08d%s", ckptPrefix, step, ckptExt) }

// SaveCheckpoint writes the whole model store (both networks, both optimisers'
// state, the random generator's state), the step, the options and the fixed
// noise into dir atomically, then deletes all but the newest keep checkpoints
// (keep <= 0 keeps all). It returns the file's path.
func (g *GAN) SaveCheckpoint(dir string, keep int) (string, error) {
	hdr := ckptHeader{Step: g.Step, Options: g.Opts}
	var blob bytes.Buffer
	add := func(path string, t *tensors.Tensor, trainable bool) error {
		e := ckptEntry{Path: path, DType: t.DType().String(), Dims: t.Shape().Dimensions, Trainable: trainable, Offset: int64(blob.Len())}
		err := t.ConstBytes(func(b []byte) { blob.Write(b) })
		e.Size = int64(blob.Len()) - e.Offset
		hdr.Tensors = append(hdr.Tensors, e)
		return err
	}
	if err := add(fixedNoisePath, g.FixedNoise, false); err != nil {
		return "", err
	}
	for v := range g.Store.IterVariables() {
		if !v.HasValue() {
			continue
		}
		t, err := v.Value()
		if err != nil {
			return "", fmt.Errorf("variable %s: %v", v.Path(), err)
		}
		if err := add(v.Path(), t, v.Trainable); err != nil {
			return "", fmt.Errorf("variable %s: %v", v.Path(), err)
		}
	}
	js, err := json.Marshal(hdr)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, CheckpointName(g.Step))
	err = imgio.WriteFileAtomic(path, func(w io.Writer) error {
		h := sha256.New()
		mw := io.MultiWriter(w, h)
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(js)))
		for _, part := range [][]byte{[]byte(ckptMagic), n[:], js, blob.Bytes()} {
			if _, err := mw.Write(part); err != nil {
				return err
			}
		}
		_, err := w.Write(h.Sum(nil))
		return err
	})
	if err != nil {
		return "", err
	}
	if keep > 0 {
		list, _ := ListCheckpoints(dir)
		for len(list) > keep {
			_ = os.Remove(list[0])
			list = list[1:]
		}
	}
	return path, nil
}

// ListCheckpoints returns the checkpoint files in dir, oldest first.
func ListCheckpoints(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ckptPrefix) && strings.HasSuffix(e.Name(), ckptExt) && e.Type().IsRegular() {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(out) // zero-padded step numbers sort by step
	return out, nil
}

// LatestCheckpoint returns the newest checkpoint in dir, or an error saying
// there is none.
func LatestCheckpoint(dir string) (string, error) {
	list, err := ListCheckpoints(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("%s: no such run folder", dir)
		}
		return "", fmt.Errorf("%s: %v", dir, err)
	}
	if len(list) == 0 {
		return "", fmt.Errorf("%s: no checkpoint (%s*%s) in this folder: train first with `ganbook train --out %s`", dir, ckptPrefix, ckptExt, dir)
	}
	return list[len(list)-1], nil
}

// ReadCheckpoint reads and verifies a checkpoint file. A truncated, corrupt or
// foreign file gives one line naming it.
func ReadCheckpoint(path string) (*Checkpoint, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such checkpoint", path)
		}
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	ck, err := parseCheckpoint(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %v: delete it to resume from the previous checkpoint", path, err)
	}
	ck.Path = path
	return ck, nil
}

func parseCheckpoint(raw []byte) (*Checkpoint, error) {
	const minLen = len(ckptMagic) + 8 + sha256.Size
	if len(raw) < minLen || string(raw[:len(ckptMagic)]) != ckptMagic {
		return nil, errors.New("not a ganbook checkpoint")
	}
	body, sum := raw[:len(raw)-sha256.Size], raw[len(raw)-sha256.Size:]
	if h := sha256.Sum256(body); !bytes.Equal(h[:], sum) {
		return nil, errors.New("checkpoint is truncated or corrupt (checksum mismatch)")
	}
	n := binary.LittleEndian.Uint64(body[len(ckptMagic):])
	rest := body[len(ckptMagic)+8:]
	if n > uint64(len(rest)) {
		return nil, errors.New("checkpoint header is truncated")
	}
	var hdr ckptHeader
	if err := json.Unmarshal(rest[:n], &hdr); err != nil {
		return nil, fmt.Errorf("checkpoint header is corrupt: %v", err)
	}
	data := rest[n:]
	for _, e := range hdr.Tensors {
		dt, err := dtypes.DTypeString(e.DType)
		if err != nil || e.Offset < 0 || e.Size < 0 || e.Offset+e.Size > int64(len(data)) {
			return nil, fmt.Errorf("checkpoint entry %q is corrupt", e.Path)
		}
		if shapes.Make(dt, e.Dims...).ByteSize() != e.Size {
			return nil, fmt.Errorf("checkpoint entry %q: %d bytes do not fit %s%v", e.Path, e.Size, e.DType, e.Dims)
		}
	}
	if err := hdr.Options.Validate(); err != nil {
		return nil, fmt.Errorf("checkpoint options are invalid: %v", err)
	}
	if hdr.Step < 0 {
		return nil, fmt.Errorf("checkpoint step %d is invalid", hdr.Step)
	}
	return &Checkpoint{Step: hdr.Step, Options: hdr.Options, tensors: hdr.Tensors, data: data}, nil
}

func (c *Checkpoint) tensor(e ckptEntry) *tensors.Tensor {
	dt, _ := dtypes.DTypeString(e.DType)
	t := tensors.FromShape(shapes.Make(dt, e.Dims...))
	t.MutableBytes(func(b []byte) { copy(b, c.data[e.Offset:e.Offset+e.Size]) })
	return t
}

// SameModel returns an error when o would build networks of other shapes than
// the checkpoint's (so its weights cannot be loaded).
func (c *Checkpoint) SameModel(o Options) error {
	co := c.Options
	if co.Model != o.Model || co.Size != o.Size || co.Channels != o.Channels || co.NoiseDim != o.NoiseDim ||
		!slices.Equal(co.GHidden, o.GHidden) || !slices.Equal(co.DHidden, o.DHidden) || co.GBase != o.GBase || co.DBase != o.DBase {
		return fmt.Errorf("%s holds a %s model (size %d, %d channels); the options ask for a %s model (size %d, %d channels): use another --out folder, or the checkpoint's options",
			c.Path, co.Model, co.Size, co.Channels, o.Model, o.Size, o.Channels)
	}
	return nil
}

// Restore builds a GAN from a checkpoint: the same options (a caller may change
// the ones that do not change shapes, such as learning rates, before training),
// variables, step and fixed noise.
func Restore(backend compute.Backend, c *Checkpoint) (*GAN, error) {
	g, err := New(backend, c.Options)
	if err != nil {
		return nil, err
	}
	g.Step = c.Step
	for _, e := range c.tensors {
		t := c.tensor(e)
		if e.Path == fixedNoisePath {
			g.FixedNoise = t
			continue
		}
		if v := g.Store.GetVariable(e.Path); v != nil {
			// Variables made by New (the random generator's state) take the saved value.
			if err := v.SetValue(t); err != nil {
				return nil, fmt.Errorf("%s: variable %s: %v", c.Path, e.Path, err)
			}
			continue
		}
		v, err := g.Store.CreateVariable(e.Path, t)
		if err != nil {
			return nil, fmt.Errorf("%s: variable %s: %v", c.Path, e.Path, err)
		}
		v.SetTrainable(e.Trainable)
	}
	if got := g.FixedNoise.Shape().Dimensions; len(got) != 2 || got[1] != c.Options.NoiseDim {
		return nil, fmt.Errorf("%s: fixed noise has shape %v, want [N, %d]", c.Path, got, c.Options.NoiseDim)
	}
	return g, nil
}

// RestoreLatest restores the GAN of the newest checkpoint in a run folder and
// returns the checkpoint's path.
func RestoreLatest(backend compute.Backend, runDir string) (*GAN, string, error) {
	path, err := LatestCheckpoint(runDir)
	if err != nil {
		return nil, "", err
	}
	ck, err := ReadCheckpoint(path)
	if err != nil {
		return nil, "", err
	}
	g, err := Restore(backend, ck)
	return g, path, err
}
