package kernel

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"time"
)

// Browser is headless Chromium driven through ChromeDriver's W3C WebDriver
// protocol (JSON over HTTP on localhost): enough of it to open a page, click,
// run a script and take a screenshot, without a browser-automation library.
// Debian's packages chromium and chromium-driver provide both programs.
type Browser struct {
	driver  *exec.Cmd
	base    string // ChromeDriver's URL
	session string
	client  *http.Client
}

// Browser programs: Debian's, overridable for other systems.
func chromiumPath() string     { return envOr("GANBOOK_CHROMIUM", "/usr/bin/chromium") }
func chromedriverPath() string { return envOr("GANBOOK_CHROMEDRIVER", "/usr/bin/chromedriver") }

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// ErrNoBrowser says Chromium or ChromeDriver is not installed.
var ErrNoBrowser = errors.New("headless Chromium is not installed: apt-get install chromium chromium-driver (or set GANBOOK_CHROMIUM and GANBOOK_CHROMEDRIVER)")

// StartBrowser starts ChromeDriver on a free localhost port and opens a
// headless Chromium session with a window of width x height pixels.
func StartBrowser(ctx context.Context, width, height int) (*Browser, error) {
	for _, p := range []string{chromiumPath(), chromedriverPath()} {
		if _, err := os.Stat(p); err != nil {
			return nil, ErrNoBrowser
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	b := &Browser{base: fmt.Sprintf("http://127.0.0.1:%d", port), client: &http.Client{Timeout: 2 * time.Minute}}
	b.driver = exec.Command(chromedriverPath(), fmt.Sprintf("--port=%d", port))
	if err := b.driver.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", chromedriverPath(), err)
	}
	if err := waitHTTP(ctx, b.base+"/status", 30*time.Second); err != nil {
		b.Close()
		return nil, fmt.Errorf("chromedriver did not answer: %w", err)
	}
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome",
		"goog:chromeOptions": map[string]any{
			"binary": chromiumPath(),
			// --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
			"args": []string{"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
				fmt.Sprintf("--window-size=%d,%d", width, height), "--hide-scrollbars"},
		},
	}}}
	var resp struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.call(ctx, "POST", "/session", caps, &resp); err != nil {
		b.Close()
		return nil, fmt.Errorf("opening Chromium: %w", err)
	}
	b.session = resp.SessionID
	return b, nil
}

// Close ends the session and ChromeDriver (and with it Chromium).
func (b *Browser) Close() {
	if b.session != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = b.call(ctx, "DELETE", "/session/"+b.session, nil, nil)
		cancel()
	}
	if b.driver != nil && b.driver.Process != nil {
		_ = b.driver.Process.Kill()
		_ = b.driver.Wait()
	}
}

// Open navigates to url and waits for the page to load.
func (b *Browser) Open(ctx context.Context, url string) error {
	return b.call(ctx, "POST", b.s("/url"), map[string]any{"url": url}, nil)
}

// Eval runs JavaScript in the page (a function body: `return ...`) and decodes
// its result into out (nil: ignore it).
func (b *Browser) Eval(ctx context.Context, script string, out any) error {
	return b.call(ctx, "POST", b.s("/execute/sync"), map[string]any{"script": script, "args": []any{}}, out)
}

// Click clicks the first element that matches a CSS selector, as a person
// would (ChromeDriver scrolls to it and fails if it is hidden).
func (b *Browser) Click(ctx context.Context, css string) error {
	var el map[string]string
	if err := b.call(ctx, "POST", b.s("/element"), map[string]any{"using": "css selector", "value": css}, &el); err != nil {
		return fmt.Errorf("finding %q: %w", css, err)
	}
	for _, id := range el { // the one key is the W3C element identifier
		return b.call(ctx, "POST", b.s("/element/"+id+"/click"), map[string]any{}, nil)
	}
	return fmt.Errorf("finding %q: no element", css)
}

// Resize sets the window's size.
func (b *Browser) Resize(ctx context.Context, width, height int) error {
	return b.call(ctx, "POST", b.s("/window/rect"), map[string]any{"width": width, "height": height}, nil)
}

// Screenshot returns the visible page as PNG.
func (b *Browser) Screenshot(ctx context.Context) ([]byte, error) {
	var b64 string
	if err := b.call(ctx, "GET", b.s("/screenshot"), nil, &b64); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(b64)
}

func (b *Browser) s(path string) string { return "/session/" + b.session + path }

// call sends one WebDriver command and decodes the reply's "value".
func (b *Browser) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		js, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var reply struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &reply); err != nil {
		return fmt.Errorf("webdriver %s %s: HTTP %d, not JSON: %.200s", method, path, resp.StatusCode, raw)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(reply.Value, &e)
		return fmt.Errorf("webdriver %s %s: %s: %.300s", method, path, e.Error, e.Message)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(reply.Value, out)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitHTTP polls url until it answers 200 OK or the time runs out.
func waitHTTP(ctx context.Context, url string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		resp, err := (&http.Client{Timeout: max(time.Until(deadline), time.Second)}).Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s: %v after %s", url, last, limit)
}
