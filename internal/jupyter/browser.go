package jupyter

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser is headless Chromium driven over its DevTools protocol (chromedp):
// open a page, click, run a script, wait for a condition, take a screenshot.
// Debian's package chromium is all it needs.
type Browser struct {
	ctx    context.Context // the browser's tab
	cancel func()
}

// StartBrowser starts headless Chromium with a window of width x height
// pixels. It lives until Close, whatever ctx does afterwards; ctx bounds the
// start.
func StartBrowser(ctx context.Context, width, height int) (*Browser, error) {
	if err := NeedChromium(); err != nil {
		return nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath()),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox refuses to start
		chromedp.DisableGPU,
		chromedp.WindowSize(width, height),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("disable-component-update", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tab, cancelTab := chromedp.NewContext(actx)
	b := &Browser{ctx: tab, cancel: func() { cancelTab(); cancelAlloc() }}
	// The first action starts the browser; it must run on the tab's own
	// context (a deadline there would stop the browser with it). The viewport,
	// not the window (whose frame takes some of it), is width x height.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(tab, chromedp.EmulateViewport(int64(width), int64(height))) }()
	select {
	case err := <-started:
		if err != nil {
			b.Close()
			return nil, fmt.Errorf("starting %s: %w", chromiumPath(), err)
		}
	case <-ctx.Done():
		b.Close()
		return nil, fmt.Errorf("starting %s: %w", chromiumPath(), ctx.Err())
	}
	return b, nil
}

// Close ends Chromium.
func (b *Browser) Close() { b.cancel() }

// run runs one action on the tab, stopped when ctx ends.
func run[T any](ctx context.Context, b *Browser, a chromedp.Action[T]) (T, error) {
	cctx, cancel := context.WithCancel(b.ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	v, err := chromedp.Run(cctx, a)
	if err != nil && ctx.Err() != nil {
		err = errors.Join(ctx.Err(), err)
	}
	return v, err
}

// Open navigates to url and waits for the page to load.
func (b *Browser) Open(ctx context.Context, url string) error {
	_, err := run(ctx, b, chromedp.Navigate(url))
	return err
}

// Eval runs JavaScript in the page (a function body: `return ...`) and decodes
// its result.
func Eval[T any](ctx context.Context, b *Browser, body string) (T, error) {
	return run(ctx, b, chromedp.Evaluate[T]("(() => {"+body+"})()"))
}

// Click clicks the first element that matches a CSS selector, as a person
// would (it waits for the element to be visible and scrolls to it).
func (b *Browser) Click(ctx context.Context, css string) error {
	if _, err := run(ctx, b, chromedp.Click(chromedp.CSS(css))); err != nil {
		return fmt.Errorf("clicking %q: %w", css, err)
	}
	return nil
}

// Resize sets the page's viewport.
func (b *Browser) Resize(ctx context.Context, width, height int) error {
	_, err := run(ctx, b, chromedp.EmulateViewport(int64(width), int64(height)))
	return err
}

// Screenshot returns the visible page as PNG.
func (b *Browser) Screenshot(ctx context.Context) ([]byte, error) {
	return run(ctx, b, chromedp.CaptureScreenshot())
}

// Poll waits until a function body returns a truthy value, checking every
// half second for at most limit; what says what did not happen.
func (b *Browser) Poll(ctx context.Context, body string, limit time.Duration, what string) error {
	_, err := run(ctx, b, chromedp.PollFunction[chromedp.Void]("() => {"+body+"}",
		chromedp.WithPollingInterval(500*time.Millisecond), chromedp.WithPollingTimeout(limit)))
	if err != nil {
		return fmt.Errorf("%s within %s: %w", what, limit, err)
	}
	return nil
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
