package jupyter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// JupyterServer is a classic Jupyter Notebook server on localhost, serving a
// folder with the ganbook kernel of this checkout: what a learner starts with
// `jupyter notebook notebooks/`.
type JupyterServer struct {
	URL   string // http://127.0.0.1:PORT
	token string
	cmd   *exec.Cmd
	log   *os.File
}

// StartJupyter starts `jupyter notebook` on a free port serving dir; env is
// added to the kernels' environment (GANBOOK_QUICK=1, say). Its log goes to
// dir/.ganbook-jupyter.log.
func StartJupyter(ctx context.Context, dir string, env ...string) (*JupyterServer, error) {
	if err := NeedServer(); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	tok := make([]byte, 16)
	if _, err := rand.Read(tok); err != nil {
		return nil, err
	}
	s := &JupyterServer{URL: fmt.Sprintf("http://127.0.0.1:%d", port), token: hex.EncodeToString(tok)}
	if s.log, err = os.Create(filepath.Join(dir, ".ganbook-jupyter.log")); err != nil {
		return nil, err
	}
	started := false
	defer func() {
		if !started {
			s.log.Close()
		}
	}()
	s.cmd = exec.Command("jupyter-notebook", "--no-browser", "--allow-root", "--ip=127.0.0.1",
		fmt.Sprintf("--port=%d", port), "--NotebookApp.token="+s.token, "--notebook-dir="+dir)
	s.cmd.Env = append(os.Environ(), env...)
	if root, err := Root(); err == nil { // this checkout's kernel, as RunNotebook does
		jp, err := CheckoutKernel(ctx, root, nil)
		if err != nil {
			return nil, err
		}
		s.cmd.Env = append(s.cmd.Env, "JUPYTER_PATH="+joinPath(jp, os.Getenv("JUPYTER_PATH")))
	}
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting jupyter-notebook: %w", err)
	}
	if err := waitHTTP(ctx, s.URL+"/api/status?token="+s.token, time.Minute); err != nil {
		s.Close()
		return nil, fmt.Errorf("jupyter-notebook did not start (log: %s): %w", s.log.Name(), err)
	}
	started = true
	return s, nil
}

// PageURL is the address of a notebook (a path relative to the served folder).
func (s *JupyterServer) PageURL(notebook string) string {
	return s.URL + "/notebooks/" + (&url.URL{Path: filepath.ToSlash(notebook)}).EscapedPath() + "?token=" + s.token
}

// Close stops the server and its kernels: it asks the server to shut down
// (which stops the kernels cleanly) and waits for it; a server that has not
// ended after 15 s is interrupted, then killed.
func (s *JupyterServer) Close() {
	if s.cmd != nil && s.cmd.Process != nil {
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		req, _ := http.NewRequest("POST", s.URL+"/api/shutdown?token="+s.token, nil)
		if resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req); err == nil {
			resp.Body.Close()
		}
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			if err := s.cmd.Process.Signal(os.Interrupt); err != nil { // Windows cannot interrupt
				_ = s.cmd.Process.Kill()
			}
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				_ = s.cmd.Process.Kill()
				<-done
			}
		}
	}
	if s.log != nil {
		s.log.Close()
	}
}

// Page is what a learner sees in a notebook's page after running it.
type Page struct {
	Cells    int      // code cells
	Ran      int      // code cells with an execution count
	Errors   []string // error outputs and failed shell lines, as shown
	Images   int      // rendered images in the outputs (loaded, width > 0)
	Plots    []string // titles of the SVG plots in the outputs
	Text     string   // the outputs' text
	Duration time.Duration
}

// waitNotebook waits until the notebook's page has loaded and its kernel is
// connected and idle.
func waitNotebook(ctx context.Context, b *Browser, limit time.Duration) error {
	const ready = `return typeof Jupyter !== "undefined" && !!Jupyter.notebook && !!Jupyter.notebook._fully_loaded &&
		!!Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected() &&
		!!document.querySelector("#kernel_indicator_icon.kernel_idle_icon")`
	return b.Poll(ctx, ready, limit, "the notebook page did not load with an idle ganbook kernel")
}

// runAll opens a notebook in the browser, presses Cell > Run All in the page's
// menu, waits until every code cell has run and the kernel is idle (or limit
// passes), and returns what the page shows.
func runAll(ctx context.Context, b *Browser, s *JupyterServer, notebook string, limit time.Duration) (Page, error) {
	start := time.Now()
	if err := b.Open(ctx, s.PageURL(notebook)); err != nil {
		return Page{}, err
	}
	if err := waitNotebook(ctx, b, 2*time.Minute); err != nil {
		return Page{}, err
	}
	if err := b.Click(ctx, "#celllink"); err != nil { // the "Cell" menu
		return Page{}, err
	}
	if err := b.Click(ctx, "#run_all_cells > a"); err != nil {
		return Page{}, err
	}
	// Done: no cell queued or running ("*"), every code cell numbered, kernel idle.
	const done = `const cells = Jupyter.notebook.get_cells().filter(c => c.cell_type === "code");
		return cells.every(c => typeof c.input_prompt_number === "number") &&
			!!document.querySelector("#kernel_indicator_icon.kernel_idle_icon")`
	err := b.Poll(ctx, done, limit, "Run All did not finish")
	p, rerr := ReadPage(ctx, b)
	p.Duration = time.Since(start)
	if err == nil {
		err = rerr
	}
	return p, err
}

// ReadPage reads what the open notebook page shows in its outputs.
func ReadPage(ctx context.Context, b *Browser) (Page, error) {
	const read = `const cells = Jupyter.notebook.get_cells().filter(c => c.cell_type === "code");
		const outs = Array.from(document.querySelectorAll(".output_area"));
		const errors = Array.from(document.querySelectorAll(".output_error")).map(e => e.innerText.slice(0, 300));
		for (const s of document.querySelectorAll(".output_stderr, .output_stdout")) {
			if (/^exit status [1-9]/m.test(s.innerText)) errors.push(s.innerText.slice(0, 300));
		}
		const imgs = Array.from(document.querySelectorAll(".output_subarea img")).filter(i => i.complete && i.naturalWidth > 0);
		const plots = Array.from(document.querySelectorAll(".output_subarea svg")).filter(s => s.querySelector("path, polyline")).map(s => s.textContent.trim().slice(0, 40));
		return {Cells: cells.length, Ran: cells.filter(c => typeof c.input_prompt_number === "number").length,
			Errors: errors, Images: imgs.length, Plots: plots, Text: outs.map(o => o.innerText).join("\n")}`
	return Eval[Page](ctx, b, read)
}

// fullScreenshot resizes the window to the notebook's whole height (at most
// maxHeight pixels) and returns a PNG of the page.
func fullScreenshot(ctx context.Context, b *Browser, width, maxHeight int) ([]byte, error) {
	const height = `const n = document.querySelector("#notebook"), head = document.querySelector("#header");
		return Math.ceil((n ? n.scrollHeight : document.body.scrollHeight) + (head ? head.offsetHeight : 0))`
	h, err := Eval[int](ctx, b, height)
	if err != nil {
		return nil, err
	}
	if err := b.Resize(ctx, width, min(max(h, 600), maxHeight)); err != nil {
		return nil, err
	}
	time.Sleep(500 * time.Millisecond) // let the page lay out at the new size
	return b.Screenshot(ctx)
}

// Contains reports whether the page's outputs show s.
func (p Page) Contains(s string) bool { return strings.Contains(p.Text, s) }
