package jupyter

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ganbook/ganbook/internal/fileio"
)

// needBrowser skips when Chromium, Jupyter's server or its client is
// missing, except in CI (CI=true), whose .ci/run installs them: there a
// missing one fails. The kernel is the checkout's own, installed on first use.
func needBrowser(t *testing.T) {
	t.Helper()
	var missing []string
	for _, need := range []func() error{NeedChromium, NeedServer, NeedHeadless} {
		if err := need(); err != nil {
			missing = append(missing, err.Error())
		}
	}
	if len(missing) == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("missing in CI (.ci/run installs debian-packages.txt): %s", strings.Join(missing, "; "))
	}
	t.Skip(strings.Join(missing, "; "))
}

// Notebook 01 as a learner runs it: Jupyter's own page in headless Chromium,
// Cell > Run All pressed through the menu (quick mode), then what the page
// shows is checked: every cell ran, no error, the sample grids and the loss
// plot rendered, the frozen-discriminator check printed. The page's
// screenshot is saved in $GANBOOK_SCREENSHOTS (default: the test's temporary
// folder).
func TestRunAllInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Jupyter and Chromium and runs notebook 01 (a few minutes)")
	}
	const name = "01-gan.ipynb"
	ctx, b, server, limit := openInJupyter(t, name, 1000, nil)

	page, runErr := runAll(ctx, b, server, name, limit-time.Minute)
	shot, err := fullScreenshot(ctx, b, 1280, 16000)
	if err == nil {
		out := os.Getenv("GANBOOK_SCREENSHOTS")
		if out == "" {
			out = t.TempDir()
		}
		path := filepath.Join(out, "run-all-01-gan.png")
		if err = os.WriteFile(path, shot, 0o644); err == nil {
			t.Logf("screenshot: %s (%d KB)", path, len(shot)/1024)
		}
	}
	if err != nil {
		t.Errorf("screenshot: %v", err)
	}
	if runErr != nil {
		t.Fatalf("%v (page so far: %d of %d cells ran, errors %q)", runErr, page.Ran, page.Cells, page.Errors)
	}
	t.Logf("Run All: %d cells in %s, %d images, plots %q", page.Cells, page.Duration.Round(time.Second), page.Images, page.Plots)
	if page.Ran != page.Cells || page.Cells < 8 {
		t.Errorf("%d of %d code cells ran", page.Ran, page.Cells)
	}
	if len(page.Errors) > 0 {
		t.Errorf("the page shows errors: %q", page.Errors)
	}
	// Images: the data grid, the untrained grid, the training's grid, the GIF, two interpolations.
	if page.Images < 5 {
		t.Errorf("%d images rendered, want at least 5 (data, untrained samples, trained samples, progress GIF, interpolations)", page.Images)
	}
	hasLoss := false
	for _, p := range page.Plots {
		hasLoss = hasLoss || strings.Contains(p, "D loss") && strings.Contains(p, "G loss")
	}
	if !hasLoss {
		t.Errorf("no loss plot rendered (plots: %q)", page.Plots)
	}
	if !page.Contains("(frozen: true)") {
		t.Errorf("the frozen-discriminator check is not shown as true; outputs:\n%s", page.Text)
	}
}

// Notebook 06's widgets as a learner uses them: Run All in Jupyter's page (quick
// mode), then, in the Explore cell, the digit picker set to 7 and the noise
// slider to 42: the generator's pictures are redrawn for each (the picture's
// block says which class and seed it shows, and its image changes); Done ends
// the cell, and the notebook finishes without an error. A screenshot of the
// widgets goes to $GANBOOK_SCREENSHOTS (default: the test's temporary folder).
// With GANBOOK_WIDGET_RUN naming the run folder of a trained `ganbook train`
// (the notebook's model), the notebook resumes it, so the screenshot shows
// digits (docs/notebook-06-widgets.png was made so).
func TestConditionalWidgetsRedrawInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Jupyter and Chromium and runs notebook 06 (a few minutes)")
	}
	const name = "06-conditional-gan.ipynb"
	ctx, b, server, limit := openInJupyter(t, name, 900, func(dir string) {
		trained := os.Getenv("GANBOOK_WIDGET_RUN")
		if trained == "" {
			return
		}
		list, _ := filepath.Glob(filepath.Join(trained, "ckpt-*.safetensors"))
		if len(list) == 0 {
			t.Fatalf("GANBOOK_WIDGET_RUN=%s holds no checkpoint", trained)
		}
		dst := filepath.Join(dir, "runs", "06-conditional")
		if err := os.MkdirAll(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := fileio.CopyFile(list[len(list)-1], filepath.Join(dst, filepath.Base(list[len(list)-1]))); err != nil {
			t.Fatal(err)
		}
	})
	if err := b.Open(ctx, server.PageURL(name)); err != nil {
		t.Fatal(err)
	}
	if err := waitNotebook(ctx, b, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, css := range []string{"#celllink", "#run_all_cells > a"} {
		if err := b.Click(ctx, css); err != nil {
			t.Fatal(err)
		}
	}
	const picture = `const p = document.getElementById("ganbook-explore"); const img = p && p.querySelector("img");`
	if err := b.Poll(ctx, picture+`return !!img && img.complete && img.naturalWidth > 0 && p.dataset.class === "0"`, limit-2*time.Minute,
		"the Explore cell drew no picture"); err != nil {
		page, _ := ReadPage(ctx, b)
		t.Fatalf("%v; outputs so far:\n%s", err, page.Text)
	}
	src := func() string {
		s, err := Eval[string](ctx, b, picture+`return img.src`)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := src()
	move := func(css, value, attr, what string) {
		t.Helper()
		set := `const el = document.querySelector(".output_subarea ` + css + `"); if (!el) return false;
			el.value = "` + value + `"; el.dispatchEvent(new Event("input")); el.dispatchEvent(new Event("change")); return true`
		if ok, err := Eval[bool](ctx, b, set); err != nil || !ok {
			t.Fatalf("no %s widget on the page (%v)", what, err)
		}
		if err := b.Poll(ctx, picture+`return !!img && p.dataset.`+attr+` === "`+value+`" && img.complete && img.naturalWidth > 0`, time.Minute,
			"the pictures were not redrawn for "+what+" "+value); err != nil {
			t.Fatal(err)
		}
	}
	move("select", "7", "class", "the digit")
	afterClass := src()
	move("input[type='range']", "42", "seed", "the noise seed")
	if afterSeed := src(); first == afterClass || afterClass == afterSeed {
		t.Errorf("the image did not change: the same picture for digit 0 and 7 (%v), or for seeds 0 and 42 (%v)", first == afterClass, afterClass == afterSeed)
	}
	// The widgets and their pictures in view, as the learner sees them.
	if _, err := Eval[bool](ctx, b, `const sel = document.querySelector(".output_subarea select");
		if (sel) sel.scrollIntoView({block: "start"});
		const site = document.querySelector("#site"); if (site) site.scrollTop -= 140; return true`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if shot, err := b.Screenshot(ctx); err == nil {
		out := os.Getenv("GANBOOK_SCREENSHOTS")
		if out == "" {
			out = t.TempDir()
		}
		path := filepath.Join(out, "widgets-06-conditional-gan.png")
		if err := os.WriteFile(path, shot, 0o644); err == nil {
			t.Logf("screenshot: %s", path)
		}
	}
	if err := b.Click(ctx, ".output_subarea button"); err != nil { // Done
		t.Fatal(err)
	}
	const done = `const cells = Jupyter.notebook.get_cells().filter(c => c.cell_type === "code");
		return cells.every(c => typeof c.input_prompt_number === "number") &&
			!!document.querySelector("#kernel_indicator_icon.kernel_idle_icon")`
	if err := b.Poll(ctx, done, 3*time.Minute, "the notebook did not finish after Done"); err != nil {
		t.Fatal(err)
	}
	if page, err := ReadPage(ctx, b); err != nil || len(page.Errors) > 0 {
		t.Errorf("the page shows errors: %q (%v)", page.Errors, err)
	}
}

// openInJupyter copies a notebook of the course into a scratch folder
// (prepare may add files beside it), starts Jupyter there in quick mode and a
// browser of the given height, all stopped when the test ends, and returns
// them with the time left, within go test's own deadline (10 minutes by
// default) so that a hang stops Jupyter, the kernel and Chromium.
func openInJupyter(t *testing.T, name string, height int, prepare func(dir string)) (context.Context, *Browser, *JupyterServer, time.Duration) {
	t.Helper()
	needBrowser(t)
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir() // Jupyter saves the run notebook: a copy, not the source
	raw, err := os.ReadFile(filepath.Join(root, "notebooks", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if prepare != nil {
		prepare(dir)
	}
	limit := 8 * time.Minute
	if d, ok := t.Deadline(); ok {
		limit = min(limit, time.Until(d)-time.Minute)
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	t.Cleanup(cancel)
	server, err := StartJupyter(ctx, dir, "GANBOOK_QUICK=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(server.Close)
	b, err := StartBrowser(ctx, 1280, height)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return ctx, b, server, limit
}
