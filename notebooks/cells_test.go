package notebooks

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ganbook/ganbook/internal/jupyter"
)

// The lesson's code in notebook 01's cells (the MLP GAN: networks and losses)
// and notebook 02's (the DCGAN's networks) computes what package gan does:
// the cells' networks build the package's variables with the same initial
// values, and a discriminator step and a generator step on the same real
// batch give the same losses, D(x), D(G(z)) and weights. The cells are taken
// from the notebooks themselves, so a cell edited away from the package
// fails here.
func TestNotebookGANCellsMatchThePackage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs programs made of the notebooks' cells")
	}
	for _, c := range []struct {
		notebook, model, parts string
		defines                []string
	}{
		{"01-gan.ipynb", "gan.MLP", "lesson", []string{"func generator(", "func discriminator(", "func discriminatorLoss(", "func generatorLoss(", "var lesson ="}},
		{"02-dcgan.ipynb", "gan.DCGAN", "dcgan", []string{"func dcganGenerator(", "func dcganDiscriminator(", "var dcgan ="}},
	} {
		t.Run(c.notebook, func(t *testing.T) {
			decls, imports := lessonCells(t, c.notebook)
			for _, want := range c.defines {
				if !strings.Contains(decls, want) {
					t.Fatalf("%s's cells define no %s...", c.notebook, want)
				}
			}
			main := strings.NewReplacer("MODEL", c.model, "PARTS", c.parts).Replace(cellsMainGAN)
			out := runCellProgram(t, decls, imports, main, `"encoding/json"`, `"math"`, `"os"`, `"github.com/gomlx/gomlx/core/tensors"`,
				`"github.com/ganbook/ganbook/dataset"`, `"github.com/ganbook/ganbook/gan"`, `"github.com/ganbook/ganbook/internal/nn"`)
			checkSameSteps(t, out)
		})
	}
}

// checkSameSteps reads cellsMainGAN's report and fails where the cells'
// GAN and the package's differ.
func checkSameSteps(t *testing.T, out string) {
	t.Helper()
	var r struct {
		Init, After         float64 // the largest weight difference before and after the two steps
		Variables           int
		DLoss, DReal, DFake [2]float64 // the package's, the cells'
		GLoss, GFake        [2]float64
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v in %q", err, out)
	}
	t.Logf("%+v", r)
	if r.Variables < 10 || r.Init != 0 {
		t.Errorf("the cells' networks: %d variables, initial weights differ by %g; want the package's, equal", r.Variables, r.Init)
	}
	for _, m := range []struct {
		name string
		v    [2]float64
	}{{"D loss", r.DLoss}, {"D(x)", r.DReal}, {"D(G(z))", r.DFake}, {"G loss", r.GLoss}, {"D(G(z)) in the generator step", r.GFake}} {
		if d := m.v[0] - m.v[1]; !(math.Abs(d) <= 1e-6) { // NaN on either side fails too
			t.Errorf("%s: the package %.7g, the cells %.7g", m.name, m.v[0], m.v[1])
		}
	}
	if !(r.After <= 1e-6) {
		t.Errorf("after a step of each phase the weights differ by %g", r.After)
	}
}

// Notebook 06's two conditional pieces compute what package gan does: the
// generator fed the cells' latent (noise, then the one-hot class) draws what
// GenerateClasses draws for that class, and the cells' projection, given the
// embedding gan.ClassProjection created, gives its class term.
func TestNotebook06ConditionalCellsMatchThePackage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program made of the notebook's cells")
	}
	decls, imports := lessonCells(t, "06-conditional-gan.ipynb")
	for _, want := range []string{"func latent(", "func projection("} {
		if !strings.Contains(decls, want) {
			t.Fatalf("notebook 06's cells define no %s...", want)
		}
	}
	out := runCellProgram(t, decls, imports, cellsMain06, `"encoding/json"`, `"math"`, `"os"`, `"strings"`,
		`"github.com/gomlx/gomlx/ml/model"`, `"github.com/ganbook/ganbook/gan"`, `"github.com/ganbook/ganbook/internal/nn"`)
	var r struct{ Generator, Projection float64 }
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v in %q", err, out)
	}
	t.Logf("%+v", r)
	if r.Generator > 1e-6 || r.Projection > 1e-5 {
		t.Errorf("the cells against the package: pictures differ by %g, class terms by %g", r.Generator, r.Projection)
	}
}

// cellsMain06 compares the cells' latent and projection with the package.
const cellsMain06 = `
func main() {
	b := nn.MustBackend()
	o := gan.TunedOptions(gan.DCGAN)
	g, err := gan.New(b, o)
	check(err)
	noise := tensors.MustCopyFlatData[float32](gan.Noise(2, o.NoiseDim, 5))
	want, err := g.GenerateClasses(tensors.FromFlatDataAndDimensions(noise, 2, o.NoiseDim), []int{3, 7})
	check(err)
	z := append(latent(noise[:o.NoiseDim], 3, o.Classes), latent(noise[o.NoiseDim:], 7, o.Classes)...)
	gen, err := model.NewExec(b, g.Store, func(scope *model.Scope, z *Node) *Node {
		g.Store.SetTraining(z.Graph(), false)
		return gan.Generator(g.Store.Scope(gan.GeneratorScope), z, o)
	})
	check(err)
	have, err := nn.Call(gen, tensors.FromFlatDataAndDimensions(z, 2, o.LatentDim()))
	check(err)
	r := map[string]float64{"Generator": maxAbs(want, have[0])}

	store := model.NewStore()
	features := gan.Noise(4, 6, 8)
	classes, err := gan.OneHotClasses([]int{0, 2, 1, 2}, 3)
	check(err)
	pkg, err := model.NewExec(b, store, func(scope *model.Scope, f, c *Node) *Node {
		return gan.ClassProjection(scope.At("d"), f, c)
	})
	check(err)
	term, err := nn.Call(pkg, features, classes)
	check(err)
	var embedding *tensors.Tensor
	for v := range store.IterVariables() {
		if strings.HasSuffix(v.Path(), "/embedding") {
			embedding = v.MustValue()
		}
	}
	mine := MustExecOnce(b, projection, features, classes, embedding)
	r["Projection"] = maxAbs(term[0], mine)
	js, _ := json.Marshal(r)
	os.Stdout.Write(js)
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}

func maxAbs(a, b *tensors.Tensor) float64 {
	x, y := tensors.MustCopyFlatData[float32](a), tensors.MustCopyFlatData[float32](b)
	if len(x) != len(y) {
		return 1e9
	}
	worst := 0.0
	for i := range x {
		worst = math.Max(worst, math.Abs(float64(x[i]-y[i])))
	}
	return worst
}
`

// Notebook 03's gramMatrix cell computes what styletransfer.GramMatrix does: on
// the notebook's hand-worked example ([[5 7] [7 10]]), and on random
// features of one picture and of two (the package computes the two cases
// differently).
func TestNotebook03GramMatrixMatchesThePackage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program made of the notebook's cells")
	}
	decls, imports := lessonCells(t, "03-style-transfer.ipynb")
	if !strings.Contains(decls, "func gramMatrix(") {
		t.Fatal("notebook 03's cells define no gramMatrix")
	}
	out := runCellProgram(t, decls, imports, cellsMain03, `"encoding/json"`, `"math"`, `"math/rand/v2"`, `"os"`,
		`"github.com/gomlx/compute/dtypes"`, `"github.com/gomlx/compute/shapes"`, `"github.com/gomlx/gomlx/core/tensors"`,
		`"github.com/ganbook/ganbook/internal/nn"`, `"github.com/ganbook/ganbook/styletransfer"`)
	var r struct {
		Tiny       []float32
		One, Two   float64 // largest difference from the package's
		OneN, TwoN int
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v in %q", err, out)
	}
	if fmt.Sprint(r.Tiny) != "[5 7 7 10]" {
		t.Errorf("gramMatrix of the hand-worked example: %v, want [5 7 7 10]", r.Tiny)
	}
	if r.OneN != 16*16 || r.TwoN != 2*8*8 || r.One > 1e-4 || r.Two > 1e-4 {
		t.Errorf("against styletransfer.GramMatrix: %d values differ by up to %g (one picture), %d by %g (two)", r.OneN, r.One, r.TwoN, r.Two)
	}
}

// cellsMain03 runs the cells' gramMatrix and the package's on the same features.
const cellsMain03 = `
func main() {
	b := nn.MustBackend()
	tiny := tensors.FromValue([][][][]float32{{{{1, 2}, {3, 4}}}})
	r := map[string]any{"Tiny": tensors.MustCopyFlatData[float32](MustExecOnce(b, gramMatrix, tiny))}
	for _, c := range []struct {
		name string
		dims []int
	}{{"One", []int{1, 6, 5, 16}}, {"Two", []int{2, 4, 3, 8}}} {
		feats := tensors.FromShape(shapes.Make(dtypes.Float32, c.dims...))
		tensors.MutableFlatData(feats, func(x []float32) {
			for i := range x {
				x[i] = rand.Float32()*2 - 1
			}
		})
		mine := tensors.MustCopyFlatData[float32](MustExecOnce(b, gramMatrix, feats))
		theirs := tensors.MustCopyFlatData[float32](MustExecOnce(b, styletransfer.GramMatrix, feats))
		worst := 0.0
		for i := range mine {
			worst = math.Max(worst, math.Abs(float64(mine[i]-theirs[i])))
		}
		if len(mine) != len(theirs) {
			worst = 1e9
		}
		r[c.name], r[c.name+"N"] = worst, len(mine)
	}
	js, _ := json.Marshal(r)
	os.Stdout.Write(js)
}
`

// cellsMainGAN trains one step of each phase with the package's GAN and with
// the cells' (PARTS), from the same seed on the same batch, and prints the
// comparison as JSON.
const cellsMainGAN = `
func main() {
	b := nn.MustBackend()
	o := gan.DefaultOptions(MODEL)
	pkg, err := gan.New(b, o)
	check(err)
	cell, err := gan.NewWith(b, o, PARTS)
	check(err)
	r := map[string]any{}
	r["Init"], r["Variables"] = maxDiff(pkg, cell)
	data, err := dataset.LoadMNIST(true, 28, 1)
	check(err)
	batches, err := pkg.Batches(data)
	check(err)
	real := batches.Next()
	dp, err := pkg.TrainDiscriminator(real)
	check(err)
	dc, err := cell.TrainDiscriminator(real)
	check(err)
	gp, err := pkg.TrainGenerator()
	check(err)
	gc, err := cell.TrainGenerator()
	check(err)
	r["DLoss"], r["DReal"], r["DFake"] = []float64{dp.Loss, dc.Loss}, []float64{dp.DReal, dc.DReal}, []float64{dp.DFake, dc.DFake}
	r["GLoss"], r["GFake"] = []float64{gp.Loss, gc.Loss}, []float64{gp.DFake, gc.DFake}
	r["After"], _ = maxDiff(pkg, cell)
	js, _ := json.Marshal(r)
	os.Stdout.Write(js)
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}

// maxDiff is the largest difference between the two GANs' float32 variables,
// and how many there are; a variable one lacks counts as a difference of 1e9.
func maxDiff(a, b *gan.GAN) (float64, int) {
	worst, n := 0.0, 0
	for v := range a.Store.IterVariables() {
		if !v.HasValue() || v.MustValue().DType().String() != "Float32" {
			continue
		}
		n++
		w := b.Store.GetVariable(v.Path())
		if w == nil {
			worst = 1e9
			continue
		}
		x, y := tensors.MustCopyFlatData[float32](v.MustValue()), tensors.MustCopyFlatData[float32](w.MustValue())
		if len(x) != len(y) {
			worst = 1e9
			continue
		}
		for i := range x {
			worst = math.Max(worst, math.Abs(float64(x[i]-y[i])))
		}
	}
	return worst, n
}
`

// lessonCells returns a notebook's declarations (the code cells that are
// neither %% programs nor shell commands, without their imports) and the
// imports those cells name.
func lessonCells(t *testing.T, name string) (decls string, imports []string) {
	t.Helper()
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	cells, err := jupyter.CodeCells(raw)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var body strings.Builder
	for _, src := range cells {
		if strings.HasPrefix(strings.TrimSpace(src), "%%") || strings.Contains(src, "\n!") || strings.HasPrefix(src, "!") {
			continue // a program of its own, or a shell command
		}
		const head = "package main\n"
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, head+src, parser.ParseComments)
		if err != nil {
			t.Fatalf("%s: a cell is not Go declarations: %v", name, err)
		}
		// The cell without its import declarations (cut at their offsets, last
		// first), and the imports they name.
		text := src
		for i := len(f.Decls) - 1; i >= 0; i-- {
			g, ok := f.Decls[i].(*ast.GenDecl)
			if !ok || g.Tok != token.IMPORT {
				continue
			}
			from, to := fset.Position(g.Pos()).Offset-len(head), fset.Position(g.End()).Offset-len(head)
			text = text[:from] + text[to:]
			for _, s := range g.Specs {
				spec := s.(*ast.ImportSpec)
				imp := spec.Path.Value
				if spec.Name != nil {
					imp = spec.Name.Name + " " + imp
				}
				imports = append(imports, imp)
			}
		}
		body.WriteString(text + "\n\n")
	}
	return body.String(), imports
}

// runCellProgram builds a program of the cells' declarations and main (in a
// folder under testdata, inside the module, so it imports the checkout's
// packages) and returns its standard output.
func runCellProgram(t *testing.T, decls string, imports []string, main string, need ...string) string {
	t.Helper()
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("testdata", "cells-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// The program's own imports (need), then the cells' that the program uses.
	code := decls + main
	for _, imp := range imports {
		path, _ := strconv.Unquote(imp[strings.LastIndex(imp, " ")+1:])
		if strings.Contains(imp, " ") && !strings.HasPrefix(imp, "\"") {
			name := imp[:strings.Index(imp, " ")]
			if name == "." || strings.Contains(code, name+".") {
				need = append(need, imp)
			}
			continue
		}
		if q := strconv.Quote(path); strings.Contains(code, filepath.Base(path)+".") && !slices.Contains(need, q) {
			need = append(need, q)
		}
	}
	src := "// Code generated from notebook cells by the notebooks' cell tests; DO NOT EDIT.\n\npackage main\n\nimport (\n\t" +
		strings.Join(need, "\n\t") + "\n)\n\n" + code
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "run", "./"+filepath.ToSlash(dir))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the cells' program: %v\n%s\n%s", err, stderr.String(), numbered(src))
	}
	return string(out)
}

// numbered is src with line numbers, for a compile error's message.
func numbered(src string) string {
	var b strings.Builder
	for i, l := range strings.Split(src, "\n") {
		fmt.Fprintf(&b, "%4d %s\n", i+1, l)
	}
	return b.String()
}
