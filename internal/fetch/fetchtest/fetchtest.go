// Package fetchtest has the servers that ganbook's network tests stall
// against.
package fetchtest

import (
	"net"
	"sync"
	"testing"
)

// SilentServer accepts connections on loopback and never answers, as a
// stalled proxy or a captive portal can; it returns "http://ADDR". It closes
// when the test ends.
func SilentServer(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	tb.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + l.Addr().String()
}
