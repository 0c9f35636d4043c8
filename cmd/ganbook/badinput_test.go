package main

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ganbook/ganbook/internal/nn"
)

// badFiles makes a folder of broken inputs for the table below.
func badFiles(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	write := func(name string, data []byte) string {
		if err := os.WriteFile(p(name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p(name)
	}
	img := image.NewRGBA(image.Rect(0, 0, 40, 40))
	var pb, jb, ob bytes.Buffer
	_ = png.Encode(&pb, img)
	_ = jpeg.Encode(&jb, img, nil)
	img.Pix[0], img.Pix[3] = 255, 255 // another picture (one red pixel), for a style image that is not the content
	_ = png.Encode(&ob, img)
	files := map[string]string{
		"good":      write("good.png", pb.Bytes()),
		"other":     write("other.png", ob.Bytes()),
		"empty":     write("empty.png", nil),
		"truncpng":  write("trunc.png", pb.Bytes()[:len(pb.Bytes())/2]),
		"truncjpg":  write("trunc.jpg", jb.Bytes()[:jb.Len()/2]),
		"text":      write("text.png", []byte("hello")),
		"huge":      write("huge.png", hugePNG(100000, 100000)),
		"dir":       dir,
		"missing":   p("missing.png"),
		"nodir":     filepath.Join(dir, "no", "out.png"),
		"badst":     write("bad.safetensors", []byte("not safetensors at all")),
		"notebook":  p("missing.ipynb"),
		"txtfolder": filepath.Join(dir, "txt"),
		"loop":      filepath.Join(dir, "loop"),
		"few":       filepath.Join(dir, "few"),
	}
	for _, d := range []string{"txt", "loop", "few"} {
		_ = os.Mkdir(p(d), 0o755)
	}
	_ = os.WriteFile(filepath.Join(files["txtfolder"], "a.txt"), []byte("x"), 0o644)
	_ = os.Symlink(files["loop"], filepath.Join(files["loop"], "self"))
	_ = os.WriteFile(filepath.Join(files["few"], "a.png"), pb.Bytes(), 0o644)
	return files
}

func hugePNG(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2
	chunk := append([]byte("IHDR"), ihdr...)
	_ = binary.Write(&b, binary.BigEndian, uint32(13))
	b.Write(chunk)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

// Every bad input gets one line that names the problem, the right exit code,
// and no panic trace.
func TestBadInputs(t *testing.T) {
	f := badFiles(t)
	out := filepath.Join(t.TempDir(), "out.png")
	style := func(content, styleImg, output string, extra ...string) []string {
		return append([]string{"style", "--content", content, "--style", styleImg, "--out", output, "--size", "64", "--steps", "1", "--weights", "random"}, extra...)
	}
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing content file", style(f["missing"], f["good"], out), 2, "missing.png: no such file"},
		{"directory as content", style(f["dir"], f["good"], out), 2, "is a directory"},
		{"empty style file", style(f["good"], f["empty"], out), 2, "empty file"},
		{"truncated PNG", style(f["truncpng"], f["good"], out), 2, "truncated"},
		{"truncated JPEG", style(f["good"], f["truncjpg"], out), 2, "truncated"},
		{"text named .png", style(f["text"], f["good"], out), 2, "not a PNG, JPEG or GIF"},
		{"100000x100000 header", style(f["huge"], f["good"], out), 2, "megapixel limit"},
		{"output in a missing folder", style(f["good"], f["good"], f["nodir"]), 2, "does not exist"},
		{"unsupported output type", style(f["good"], f["good"], out+".bmp"), 2, "unsupported output"},
		{"style size too small", style(f["good"], f["good"], out, "--size", "32"), 2, "size must be between 64"},
		{"unknown init", style(f["good"], f["other"], out, "--init", "paint"), 2, "unknown init"},
		{"the same picture twice", style(f["good"], f["good"], out), 2, "are the same picture: there is no style to transfer"},
		{"unknown layer", style(f["good"], f["other"], out, "--style-layers", "conv9_9"), 2, "unknown VGG-19 layer"},
		{"corrupt weights file", style(f["good"], f["other"], out, "--weights", f["badst"]), 1, "bad.safetensors: not a safetensors file"},
		{"missing weights file", style(f["good"], f["other"], out, "--weights", f["missing"]), 1, "no such weights file"},
		{"negative steps", []string{"train", "--steps", "-1"}, 2, "--steps must be positive"},
		{"profile in a missing folder", []string{"train", "--steps", "1", "--cpuprofile", f["nodir"], "--out", t.TempDir()}, 1, "--cpuprofile: open " + f["nodir"]},
		{"non-numeric steps", []string{"train", "--steps", "ten"}, 2, "invalid value"},
		{"unknown model", []string{"train", "--model", "vae"}, 2, "unknown model"},
		{"unsupported size", []string{"train", "--size", "48"}, 2, "size 48 is not supported"},
		{"bad channels", []string{"train", "--channels", "4"}, 2, "channels must be 1 or 3"},
		{"batch of one", []string{"train", "--batch", "1"}, 2, "batch must be between"},
		{"negative learning rate", []string{"train", "--lr-d", "-0.1"}, 2, "learning rate must be in (0, 1]"},
		{"label smoothing too large", []string{"train", "--label-smoothing", "0.9"}, 2, "label smoothing"},
		{"missing dataset folder", []string{"train", "--dataset", f["missing"]}, 2, "not mnist, fashion or an existing folder"},
		{"folder of non-images", []string{"train", "--dataset", f["txtfolder"], "--out", t.TempDir()}, 1, "no PNG, JPEG or GIF images"},
		{"symlink loop, no images", []string{"train", "--dataset", f["loop"], "--out", t.TempDir()}, 1, "no PNG, JPEG or GIF images"},
		{"fewer images than a batch", []string{"train", "--dataset", f["few"], "--out", t.TempDir()}, 1, "fewer than one batch"},
		{"unknown command", []string{"paint"}, 2, "unknown command"},
		{"stray argument", []string{"train", "now"}, 2, "unexpected argument"},
		{"sample without run", []string{"sample"}, 2, "--run RUN_DIR is required"},
		{"sample from a missing run", []string{"sample", "--run", f["missing"]}, 1, "no such run folder"},
		{"sample count zero", []string{"sample", "--run", f["dir"], "--n", "0"}, 2, "--n must be"},
		{"missing notebook", []string{"notebooks", "run", f["notebook"]}, 2, "no such notebook"},
		{"kernel subcommand", []string{"kernel", "reinstall"}, 2, "ganbook kernel install"},
		{"data subcommand", []string{"data", "cifar"}, 2, "ganbook data mnist"},
	}
	for _, tc := range cases {
		code, stderr := capture(t, tc.args...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		last := lines[len(lines)-1]
		if code != tc.code || !strings.Contains(last, tc.want) || !strings.HasPrefix(last, "ganbook: ") ||
			strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
			t.Errorf("%s: exit %d, last line %q; want exit %d and a line with %q", tc.name, code, last, tc.code, tc.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed style run left an output file")
	}
	if len(cases) < 30 {
		t.Errorf("only %d bad inputs", len(cases))
	}
}

// Options the data cannot serve are refused before any data is loaded or any
// folder made (exit 2), and a run refused later (memory, too few images)
// leaves no run folder, run.lock or samples/ behind; -h says what --keep 0
// does.
func TestRefusedRunsLeaveNothing(t *testing.T) {
	f := badFiles(t)
	folder := t.TempDir()
	writeImages(t, folder, 12)
	t.Setenv(nn.MemoryLimitEnv, "8G") // a smaller machine, whatever this one has
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"classes on a folder", []string{"--dataset", folder, "--preset", "lesson", "--classes", "10"}, 2, "a folder of images has none: add --self-condition (clusters for labels), or use --classes 0"},
		{"more clusters than pictures allow", []string{"--dataset", folder, "--classes", "10", "--batch", "8"}, 1, "12 pictures, too few for 10 clusters of at least 2: train the unconditional GAN (0 classes)"},
		{"three classes on MNIST", []string{"--classes", "3"}, 2, "mnist has 10 classes"},
		{"limit under a batch", []string{"--limit", "1"}, 2, "fewer images than one batch (64)"},
		{"fewer images than a batch", []string{"--dataset", f["few"]}, 1, "fewer than one batch"},
		{"a batch that needs too much memory", []string{"--dataset", folder, "--model", "dcgan", "--size", "64", "--batch", "4096"}, 1, "the largest batch that fits is 256 (--batch 256)"},
	} {
		out := filepath.Join(t.TempDir(), "run")
		code, stderr := capture(t, append([]string{"train", "--out", out}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "loaded ") && tc.code == 2 {
			t.Errorf("%s: exit %d, %q; want exit %d with %q, before loading data", tc.name, code, stderr, tc.code, tc.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s: the refused run left %s", tc.name, out)
		}
	}
	_, help := runWithin(t, time.Minute, nil, "train", "-h")
	if !strings.Contains(help, "0: keep every one") {
		t.Errorf("train -h does not say what --keep 0 does:\n%s", help)
	}
}
