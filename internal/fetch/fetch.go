// Package fetch is how ganbook reads from the network: every request has a
// connect timeout, a time-to-first-byte timeout and an idle timeout on its
// body, and stops at once when its context ends (Ctrl-C), so a stalled proxy,
// a captive portal or a server that accepts and never answers costs seconds,
// not a hung program.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// Timeouts are the limits of one request. A learner's network may be slow, but
// a server that sends nothing for this long is not coming back.
type Timeouts struct {
	Connect   time.Duration // TCP connect and TLS handshake
	FirstByte time.Duration // from the request sent to the response's headers
	Idle      time.Duration // between two reads of the body that bring data
}

// Default are the timeouts of every download (tests shorten them).
var Default = Timeouts{Connect: 10 * time.Second, FirstByte: 30 * time.Second, Idle: 30 * time.Second}

// ErrStalled marks a request that hit one of the timeouts.
var ErrStalled = errors.New("the server stopped answering")

// Client is an HTTP client with t's connect and first-byte timeouts; pair it
// with Do or Get for the idle timeout.
func Client(t Timeouts) *http.Client {
	tr := &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true, MaxIdleConns: 100, IdleConnTimeout: 90 * time.Second}
	if def, ok := http.DefaultTransport.(*http.Transport); ok {
		tr = def.Clone()
	}
	limit(tr, t)
	return &http.Client{Transport: tr}
}

// limit gives a transport t's connect and first-byte timeouts.
func limit(tr *http.Transport, t Timeouts) {
	tr.DialContext = (&net.Dialer{Timeout: t.Connect, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = t.Connect
	tr.ResponseHeaderTimeout = t.FirstByte
}

var setDefaultOnce sync.Once

// SetDefaultTransport gives http.DefaultTransport the Default connect and
// first-byte timeouts, for libraries that build their own clients on it (the
// Hugging Face Hub client does).
func SetDefaultTransport() {
	setDefaultOnce.Do(func() {
		if tr, ok := http.DefaultTransport.(*http.Transport); ok {
			limit(tr, Default)
		}
	})
}

// Response is an answer whose body fails with ErrStalled when no data comes
// for the idle timeout. Close it.
type Response struct {
	*http.Response
	cancel func()
}

// Close closes the body and releases the request.
func (r *Response) Close() error {
	err := r.Body.Close()
	r.cancel()
	return err
}

// Do sends req (its context still applies) with t's timeouts. Errors say
// which limit was hit, or that ctx ended.
func Do(client *http.Client, req *http.Request, t Timeouts) (*Response, error) {
	if client == nil {
		client = Client(t)
	}
	ctx, cancel := context.WithCancel(req.Context())
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, explain(req, err, t)
	}
	w := &idleWatch{idle: t.Idle, cancel: cancel, req: req, parent: req.Context()}
	w.timer = time.AfterFunc(t.Idle, w.expire)
	resp.Body = &idleBody{ReadCloser: resp.Body, w: w}
	return &Response{Response: resp, cancel: func() { w.timer.Stop(); cancel() }}, nil
}

// Get is Do for a GET of url under ctx.
func Get(ctx context.Context, client *http.Client, url string, t Timeouts) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	return Do(client, req, t)
}

// explain names the limit a failed request hit.
func explain(req *http.Request, err error, t Timeouts) error {
	if ctxErr := req.Context().Err(); ctxErr != nil {
		return fmt.Errorf("%s: %w", req.URL.Redacted(), ctxErr)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%s: no answer within %s (connect) or %s (first byte): %w", req.URL.Redacted(), t.Connect, t.FirstByte, errors.Join(ErrStalled, err))
	}
	return err
}

// idleWatch cancels a request whose body brings no data for idle.
type idleWatch struct {
	idle    time.Duration
	cancel  func()
	timer   *time.Timer
	req     *http.Request
	parent  context.Context
	expired atomic.Bool
}

func (w *idleWatch) expire() {
	w.expired.Store(true)
	w.cancel()
}

type idleBody struct {
	io.ReadCloser
	w *idleWatch
}

func (b *idleBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.w.timer.Reset(b.w.idle)
	}
	if err != nil && err != io.EOF {
		if b.w.parent.Err() != nil {
			return n, b.w.parent.Err()
		}
		if b.w.expired.Load() {
			return n, fmt.Errorf("%s: no data for %s: %w", b.w.req.URL.Redacted(), b.w.idle, ErrStalled)
		}
	}
	return n, err
}

// Abandon runs f and returns its error, or ctx's error as soon as ctx ends,
// leaving f to finish on its own: for libraries that do not stop on every
// path when their context ends (the Hub client fetches a repository's info
// with a background context). The process is expected to exit soon after.
func Abandon(ctx context.Context, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// WatchFolder is a context that ends, with cause ErrStalled, when the files
// under dir stop growing for idle: the idle limit for a library that writes
// its download to disk and offers no hook on its reads. Call stop when done.
func WatchFolder(ctx context.Context, dir string, idle time.Duration) (watched context.Context, stop func()) {
	watched, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		last, since := folderBytes(dir), time.Now()
		tick := time.NewTicker(min(idle/4, time.Second))
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-watched.Done():
				return
			case <-tick.C:
				if n := folderBytes(dir); n != last {
					last, since = n, time.Now()
				} else if time.Since(since) >= idle {
					cancel(fmt.Errorf("no data for %s: %w", idle, ErrStalled))
					return
				}
			}
		}
	}()
	return watched, func() { close(done); cancel(nil) }
}

// folderBytes is the total size of the regular files under dir.
func folderBytes(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
