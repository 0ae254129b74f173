package connlimit_test

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/skjema/skjema/web/connlimit"
)

// fakeListener hands out the server ends of in-memory connections, each
// from the remote address it was made with.
type fakeListener struct{ conns chan net.Conn }

func (f *fakeListener) Accept() (net.Conn, error) {
	c, ok := <-f.conns
	if !ok {
		return nil, net.ErrClosed
	}
	return c, nil
}
func (f *fakeListener) Close() error   { return nil }
func (f *fakeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080} }

type fromConn struct {
	net.Conn
	remote net.Addr
}

func (c fromConn) RemoteAddr() net.Addr { return c.remote }

// dial makes a connection from host and port and answers the client's end.
func (f *fakeListener) dial(host string, port int) net.Conn {
	server, client := net.Pipe()
	f.conns <- fromConn{Conn: server, remote: &net.TCPAddr{IP: net.ParseIP(host), Port: port}}
	return client
}

// closedByServer: the client's end reads end of stream, at once.
func closedByServer(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err := c.Read(make([]byte, 1))
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe)
}

// TestPerAddressCap: past its cap an address's next connection is closed at
// once; another address is not affected; a closed connection frees its place.
func TestPerAddressCap(t *testing.T) {
	t.Parallel()
	fake := &fakeListener{conns: make(chan net.Conn, 10)}
	l := connlimit.New(fake, 2)

	fake.dial("192.0.2.1", 1001)
	fake.dial("192.0.2.1", 1002)
	third := fake.dial("192.0.2.1", 1003)
	fake.dial("198.51.100.7", 2001)

	a1, _ := l.Accept()
	a2, _ := l.Accept()
	b1, err := l.Accept() // the third from 192.0.2.1 is skipped and closed
	if err != nil {
		t.Fatal(err)
	}
	if got := b1.RemoteAddr().String(); got != "198.51.100.7:2001" {
		t.Fatalf("after two from 192.0.2.1 accepted %s, want the other address", got)
	}
	if !closedByServer(third) {
		t.Fatal("the connection over the cap was not closed")
	}
	if l.Refused() != 1 {
		t.Fatalf("Refused = %d, want 1", l.Refused())
	}

	a1.Close()
	a1.Close() // a second Close gives nothing back twice
	fake.dial("192.0.2.1", 1004)
	a4, _ := l.Accept()
	if got := a4.RemoteAddr().String(); got != "192.0.2.1:1004" {
		t.Fatalf("after one closed, accepted %s", got)
	}
	fifth := fake.dial("192.0.2.1", 1005)
	fake.dial("198.51.100.7", 2002)
	if b2, _ := l.Accept(); b2.RemoteAddr().String() != "198.51.100.7:2002" || !closedByServer(fifth) || l.Refused() != 2 {
		t.Fatalf("a double Close freed two places: accepted %s, refused %d", b2.RemoteAddr(), l.Refused())
	}
	a2.Close()
}

// TestRealConnections: the same over TCP on loopback, with the standard
// library's dialer.
func TestRealConnections(t *testing.T) {
	t.Parallel()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := connlimit.New(inner, 1)
	defer l.Close()
	accepted := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	first, err := net.Dial("tcp", inner.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	<-accepted
	second, err := net.Dial("tcp", inner.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if !closedByServer(second) {
		t.Fatal("a second connection from the same address was kept open")
	}
	if len(accepted) != 0 {
		t.Fatal("the second connection was accepted")
	}
	// Another loopback address (Linux routes all of 127/8 to lo) is
	// another client.
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	other, err := d.Dial("tcp", inner.Addr().String())
	if err != nil {
		t.Skipf("no second loopback address here: %v", err)
	}
	defer other.Close()
	select {
	case c := <-accepted:
		c.Close()
	case <-time.After(2 * time.Second):
		t.Fatal("a connection from another address was not accepted")
	}
}
