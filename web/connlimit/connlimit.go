// Package connlimit caps the connections one client address may hold open
// at once, as a net.Listener that wraps the server's. A connection over the
// cap is closed as soon as it is accepted, before any of it is read, so one
// address cannot hold thousands of idle keep-alive connections and run the
// process out of file descriptors (security review H3 and V6).
//
// It knows nothing of HTTP; requests in flight are capped in package web.
package connlimit

import (
	"net"
	"sync"
	"sync/atomic"
)

// Listener accepts at most perAddr open connections from one remote host
// (the address without its port).
type Listener struct {
	net.Listener
	perAddr int
	refused atomic.Int64

	mu   sync.Mutex
	open map[string]int
}

// New wraps l. perAddr must be at least 1.
func New(l net.Listener, perAddr int) *Listener {
	return &Listener{Listener: l, perAddr: max(perAddr, 1), open: map[string]int{}}
}

// Accept answers the next connection whose host is under its cap; the
// others are closed on the way.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		host := hostOf(c.RemoteAddr())
		l.mu.Lock()
		ok := l.open[host] < l.perAddr
		if ok {
			l.open[host]++
		}
		l.mu.Unlock()
		if ok {
			return &conn{Conn: c, l: l, host: host}, nil
		}
		l.refused.Add(1)
		c.Close()
	}
}

// Refused is how many connections were closed for being over the cap.
func (l *Listener) Refused() int64 { return l.refused.Load() }

func (l *Listener) release(host string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[host] <= 1 {
		delete(l.open, host)
		return
	}
	l.open[host]--
}

// conn gives its place back when it is closed, once however often Close is
// called.
type conn struct {
	net.Conn
	l      *Listener
	host   string
	closed sync.Once
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.closed.Do(func() { c.l.release(c.host) })
	return err
}

func hostOf(a net.Addr) string {
	if tcp, ok := a.(*net.TCPAddr); ok {
		return tcp.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}
