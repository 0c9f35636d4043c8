package jupyter

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	needBrowser(t)
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir() // Jupyter saves the run notebook: a copy, not the source
	const name = "01-gan.ipynb"
	raw, err := os.ReadFile(filepath.Join(root, "notebooks", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	// Within go test's own deadline (10 minutes by default), so the deferred
	// Close calls run and stop Jupyter, the kernel and Chromium on a hang.
	limit := 8 * time.Minute
	if d, ok := t.Deadline(); ok {
		limit = min(limit, time.Until(d)-time.Minute)
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	server, err := StartJupyter(ctx, dir, "GANBOOK_QUICK=1")
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	b, err := StartBrowser(ctx, 1280, 1000)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

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
