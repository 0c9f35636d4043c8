package run

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganbook/ganbook/internal/fileio"
	"github.com/ganbook/ganbook/internal/safetensors"

	"github.com/ganbook/ganbook/gan"
)

// A checkpoint is a safetensors file (ckpt-NNNNNNNN.safetensors), so any
// safetensors reader can load a ganbook generator: one tensor per variable of
// the model store, named by its path (e.g. "/generator/layer_0/dense/weights"),
// and the fixed noise as "#fixed_noise". The header's __metadata__ holds the
// rest of the run's state as strings:
//
//	format         "ganbook-checkpoint/2"
//	step           completed training steps
//	options        the Options as JSON
//	not_trainable  JSON list of the variables that are not trained (batch-norm
//	               averages, optimiser state, ...)
//	data_sha256    SHA-256 of the tensor bytes: catches corruption and
//	               truncation before anything is loaded
const (
	ckptPrefix = "ckpt-"
	ckptExt    = ".safetensors"
	ckptFormat = "ganbook-checkpoint/2"
	// fixedNoisePath stores the fixed noise beside the store's variables.
	fixedNoisePath = "#fixed_noise"
)

// ckptEntry is one tensor of a checkpoint: its byte range in the data.
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
	Options gan.Options
	tensors []ckptEntry
	data    []byte
}

// CheckpointName is the file name of the checkpoint of a step.
func CheckpointName(step int) string { return fmt.Sprintf("%s%08d%s", ckptPrefix, step, ckptExt) }

// Save writes a checkpoint of the whole model store (both networks, both optimisers'
// state, the random generator's state), the step, the options and the fixed
// noise into dir atomically, then deletes all but the newest keep checkpoints
// (keep <= 0 keeps all). It returns the file's path.
func Save(g *gan.GAN, dir string, keep int) (string, error) {
	tensorsOut := map[string]safetensors.Raw{}
	var notTrainable []string
	add := func(path string, t *tensors.Tensor, trainable bool) error {
		name, ok := safetensorsDType[t.DType()]
		if !ok {
			return fmt.Errorf("variable %s: dtype %s cannot be saved", path, t.DType())
		}
		var data []byte
		if err := t.ConstBytes(func(b []byte) { data = append([]byte(nil), b...) }); err != nil {
			return fmt.Errorf("variable %s: %w", path, err)
		}
		tensorsOut[path] = safetensors.Raw{DType: name, Shape: t.Shape().Dimensions, Data: data}
		if !trainable {
			notTrainable = append(notTrainable, path)
		}
		return nil
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
			return "", fmt.Errorf("variable %s: %w", v.Path(), err)
		}
		if err := add(v.Path(), t, v.Trainable); err != nil {
			return "", err
		}
	}
	opts, err := json.Marshal(g.Opts)
	if err != nil {
		return "", err
	}
	sort.Strings(notTrainable)
	frozen, _ := json.Marshal(notTrainable)
	meta := map[string]string{"format": ckptFormat, "step": strconv.Itoa(g.Step), "options": string(opts),
		"not_trainable": string(frozen), "data_sha256": dataSHA256(tensorsOut)}
	path := filepath.Join(dir, CheckpointName(g.Step))
	if err := fileio.WriteFileAtomic(path, func(w io.Writer) error { return safetensors.Encode(w, tensorsOut, meta) }); err != nil {
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

// dataSHA256 hashes the tensor bytes in the order safetensors.Encode writes
// them (sorted by name), i.e. the file's data section.
func dataSHA256(ts map[string]safetensors.Raw) string {
	names := make([]string, 0, len(ts))
	for n := range ts {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		h.Write(ts[n].Data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// safetensorsDType names GoMLX's dtypes as the safetensors format does.
var safetensorsDType = map[dtypes.DType]string{
	dtypes.Float32: "F32", dtypes.Float64: "F64", dtypes.Float16: "F16", dtypes.BFloat16: "BF16",
	dtypes.Int8: "I8", dtypes.Int16: "I16", dtypes.Int32: "I32", dtypes.Int64: "I64",
	dtypes.Uint8: "U8", dtypes.Uint16: "U16", dtypes.Uint32: "U32", dtypes.Uint64: "U64", dtypes.Bool: "BOOL",
}

// ListCheckpoints returns the checkpoint files in dir, oldest first.
func ListCheckpoints(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ckptPrefix) && strings.HasSuffix(name, ckptExt) && e.Type().IsRegular() {
			out = append(out, filepath.Join(dir, name))
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
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%s: no such run folder: %w", dir, fs.ErrNotExist)
		}
		return "", fmt.Errorf("%s: %w", dir, err)
	}
	if len(list) == 0 {
		return "", fmt.Errorf("%s: %w (%s*%s) in this folder", dir, ErrNoCheckpoint, ckptPrefix, ckptExt)
	}
	return list[len(list)-1], nil
}

// ReadCheckpoint reads and verifies a checkpoint file. A truncated, corrupt or
// foreign file gives one line naming it, wrapping ErrCorruptCheckpoint.
func ReadCheckpoint(path string) (*Checkpoint, error) {
	if err := fileio.CheckRegularFile(path); err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such checkpoint: %w", path, err)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ck, err := parseCheckpoint(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: delete it to resume from the previous checkpoint", path, err)
	}
	ck.Path = path
	return ck, nil
}

// parseCheckpoint reads a checkpoint from its bytes; errors wrap
// ErrCorruptCheckpoint.
func parseCheckpoint(raw []byte) (*Checkpoint, error) {
	ck, err := parseSafetensorsCheckpoint(raw)
	if err != nil {
		return nil, corrupt{err}
	}
	if err := ck.Options.Validate(); err != nil {
		return nil, corrupt{fmt.Errorf("checkpoint options are invalid: %v", err)} // %v: not an option the user can fix by a setting
	}
	if ck.Step < 0 {
		return nil, corrupt{fmt.Errorf("checkpoint step %d is invalid", ck.Step)}
	}
	for _, e := range ck.tensors {
		dt, err := dtypes.DTypeString(e.DType)
		if err != nil || e.Offset < 0 || e.Size < 0 || e.Offset+e.Size > int64(len(ck.data)) {
			return nil, corrupt{fmt.Errorf("checkpoint entry %q is corrupt", e.Path)}
		}
		if shapes.Make(dt, e.Dims...).ByteSize() != e.Size {
			return nil, corrupt{fmt.Errorf("checkpoint entry %q: %d bytes do not fit %s%v", e.Path, e.Size, e.DType, e.Dims)}
		}
	}
	return ck, nil
}

// corrupt marks an error as ErrCorruptCheckpoint while keeping its text.
type corrupt struct{ err error }

func (c corrupt) Error() string   { return c.err.Error() }
func (c corrupt) Unwrap() []error { return []error{c.err, ErrCorruptCheckpoint} }

// errTruncated is the message of a checkpoint whose bytes do not add up.
var errTruncated = errors.New("checkpoint is truncated or corrupt")

func parseSafetensorsCheckpoint(raw []byte) (*Checkpoint, error) {
	f, err := safetensors.OpenBytes("checkpoint", raw)
	if err != nil {
		if len(raw) >= 8 && binary.LittleEndian.Uint64(raw) < uint64(len(raw)) && raw[8] == '{' {
			return nil, fmt.Errorf("%w (%w)", errTruncated, err)
		}
		return nil, errors.New("not a ganbook checkpoint")
	}
	meta := f.Metadata
	if meta["format"] != ckptFormat {
		return nil, errors.New("not a ganbook checkpoint (a safetensors file without ganbook's metadata)")
	}
	data := raw[f.HeaderSize():]
	if int64(len(data)) != f.DataSize() {
		return nil, fmt.Errorf("%w (%d data bytes, the header promises %d)", errTruncated, len(data), f.DataSize())
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != meta["data_sha256"] {
		return nil, fmt.Errorf("%w (checksum mismatch)", errTruncated)
	}
	ck := &Checkpoint{data: data}
	if ck.Step, err = strconv.Atoi(meta["step"]); err != nil {
		return nil, fmt.Errorf("%w: step %q", errTruncated, meta["step"])
	}
	if err := json.Unmarshal([]byte(meta["options"]), &ck.Options); err != nil {
		return nil, fmt.Errorf("%w: options: %w", errTruncated, err)
	}
	var notTrainable []string
	if err := json.Unmarshal([]byte(meta["not_trainable"]), &notTrainable); err != nil {
		return nil, fmt.Errorf("%w: not_trainable: %w", errTruncated, err)
	}
	goName := map[string]dtypes.DType{}
	for dt, name := range safetensorsDType {
		goName[name] = dt
	}
	for _, name := range f.Names() {
		e := f.Entries[name]
		dt, ok := goName[e.DType]
		if !ok {
			return nil, fmt.Errorf("%w: tensor %q has dtype %s", errTruncated, name, e.DType)
		}
		ck.tensors = append(ck.tensors, ckptEntry{Path: name, DType: dt.String(), Dims: e.Shape,
			Trainable: !slices.Contains(notTrainable, name), Offset: int64(e.Offsets[0]), Size: int64(e.Offsets[1] - e.Offsets[0])})
	}
	return ck, nil
}

func (c *Checkpoint) tensor(e ckptEntry) *tensors.Tensor {
	dt, _ := dtypes.DTypeString(e.DType)
	t := tensors.FromShape(shapes.Make(dt, e.Dims...))
	t.MutableBytes(func(b []byte) { copy(b, c.data[e.Offset:e.Offset+e.Size]) })
	return t
}

// SameModel returns an error when o would build networks of other shapes than
// the checkpoint's (so its weights cannot be loaded): an *OtherModelError that
// names each shape option that differs.
func (c *Checkpoint) SameModel(o gan.Options) error {
	var diffs []OptionDiff
	have, want := reflect.ValueOf(c.Options), reflect.ValueOf(o)
	for i, f := range reflect.VisibleFields(reflect.TypeFor[gan.Options]()) {
		name := gan.JSONName(f)
		// fmt.Sprint: a nil and an empty width list are the same networks.
		if h, w := fmt.Sprint(have.Field(i)), fmt.Sprint(want.Field(i)); slices.Contains(shapeOptions, name) && h != w {
			diffs = append(diffs, OptionDiff{Name: name, Checkpoint: h, Asked: w})
		}
	}
	if len(diffs) > 0 {
		return &OtherModelError{Path: c.Path, Diffs: diffs}
	}
	return nil
}

// Restore builds a GAN from a checkpoint: the same options (a caller may change
// the ones that do not change shapes, such as learning rates, before training),
// variables, step and fixed noise.
func Restore(backend compute.Backend, c *Checkpoint) (*gan.GAN, error) {
	return RestoreWith(backend, c, gan.Parts{})
}

// RestoreWith is Restore with networks or losses of your own (gan.Parts); the
// networks must build the variables the checkpoint holds.
func RestoreWith(backend compute.Backend, c *Checkpoint, parts gan.Parts) (*gan.GAN, error) {
	g, err := gan.NewWith(backend, c.Options, parts)
	if err != nil {
		return nil, err
	}
	if err := sameNetworks(g, c); err != nil {
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
				return nil, fmt.Errorf("%s: variable %s: %w", c.Path, e.Path, err)
			}
			continue
		}
		v, err := g.Store.CreateVariable(e.Path, t)
		if err != nil {
			return nil, fmt.Errorf("%s: variable %s: %w", c.Path, e.Path, err)
		}
		v.SetTrainable(e.Trainable)
	}
	if got := g.FixedNoise.Shape().Dimensions; len(got) != 2 || got[1] != c.Options.NoiseDim {
		return nil, fmt.Errorf("%s: fixed noise has shape %v, want [N, %d]", c.Path, got, c.Options.NoiseDim)
	}
	return g, nil
}

// sameNetworks checks that g's networks (built by New: every weight) are the
// checkpoint's: the same weights by path and shape. Networks of your own
// (gan.Parts) that were changed since the checkpoint was written would
// otherwise keep a new layer's random weights, or take a weight of another
// shape.
func sameNetworks(g *gan.GAN, c *Checkpoint) error {
	network := func(path string) bool {
		return strings.HasPrefix(path, gan.GeneratorScope+"/") || strings.HasPrefix(path, gan.DiscriminatorScope+"/")
	}
	saved := map[string][]int{}
	for _, e := range c.tensors {
		if e.Trainable && network(e.Path) {
			saved[e.Path] = e.Dims
		}
	}
	var diffs []string
	for v := range g.Store.IterVariables() {
		if !v.Trainable || !network(v.Path()) {
			continue
		}
		dims, ok := saved[v.Path()]
		switch {
		case !ok:
			diffs = append(diffs, v.Path()+" is not in the checkpoint")
		case !slices.Equal(dims, v.Shape().Dimensions):
			diffs = append(diffs, fmt.Sprintf("%s is %v there, %v here", v.Path(), dims, v.Shape().Dimensions))
		}
		delete(saved, v.Path())
	}
	for path := range saved {
		diffs = append(diffs, path+" is only in the checkpoint")
	}
	if len(diffs) == 0 {
		return nil
	}
	sort.Strings(diffs)
	return fmt.Errorf("%s holds other networks than these (%s): %w; train them in a new run folder", c.Path, strings.Join(diffs[:min(3, len(diffs))], "; "), ErrOtherModel)
}

// RestoreLatest restores the GAN of the newest checkpoint in a run folder and
// returns the checkpoint's path.
//
// A training that runs beside it may delete the newest checkpoint between the
// listing and the read (keep 1, with a new one just written): the newest is
// then looked up again, a few times.
func RestoreLatest(backend compute.Backend, runDir string) (*gan.GAN, string, error) {
	ck, err := readLatest(runDir, ReadCheckpoint)
	if err != nil {
		return nil, "", err
	}
	g, err := Restore(backend, ck)
	return g, ck.Path, err
}

// readLatest reads the newest checkpoint with read, looking it up again when
// it vanished before it could be read.
func readLatest(runDir string, read func(string) (*Checkpoint, error)) (*Checkpoint, error) {
	var err error
	for range 5 {
		var path string
		if path, err = LatestCheckpoint(runDir); err != nil {
			return nil, err
		}
		ck, rerr := read(path)
		if !errors.Is(rerr, fs.ErrNotExist) {
			return ck, rerr
		}
		err = rerr
	}
	return nil, err
}
