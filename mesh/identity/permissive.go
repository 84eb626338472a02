package identity

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
)

// recordTypeHandshake is the first byte of every TLS connection: a
// handshake record carrying the ClientHello. No HTTP/1 method starts with
// it, nor does the HTTP/2 preface.
const recordTypeHandshake = 0x16

// PermissiveListener accepts TLS and plaintext on one port, as Istio's
// PERMISSIVE mode: it peeks each connection's first byte and hands out a
// *tls.Conn (server side, cfg) when it is a TLS handshake, the plain
// connection otherwise. Handing out the *tls.Conn itself matters: net/http
// fills Request.TLS only for connections of that type.
//
// Peeking happens off the Accept path, one goroutine per new connection,
// so a client that connects and stays silent (an idle pooled connection)
// delays nobody; no read deadline is needed, and so no clock. Close stops
// accepting, closes the connections still being peeked, and returns once
// every goroutine the listener started has ended.
func PermissiveListener(ln net.Listener, cfg *tls.Config) net.Listener {
	l := &permissiveListener{
		ln:      ln,
		cfg:     cfg,
		ready:   make(chan accepted),
		done:    make(chan struct{}),
		stopped: make(chan struct{}),
		pending: map[net.Conn]struct{}{},
	}
	l.wg.Add(1)
	go l.acceptLoop()
	return l
}

type permissiveListener struct {
	ln    net.Listener
	cfg   *tls.Config
	ready chan accepted
	done  chan struct{} // closed by Close
	wg    sync.WaitGroup

	// stopped is closed when the inner listener is closed by someone
	// other than Close; stopErr is what its Accept said.
	stopped chan struct{}
	stopErr error

	closeOnce sync.Once
	closeErr  error

	mu      sync.Mutex
	closed  bool
	pending map[net.Conn]struct{} // being peeked: closed by Close
}

type accepted struct {
	conn net.Conn
	err  error
}

func (l *permissiveListener) acceptLoop() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			// Hand every error to Accept's caller, which paces retries
			// (http.Server backs off on temporary errors), then stop once
			// closed.
			select {
			case l.ready <- accepted{err: err}:
			case <-l.done:
				return
			}
			if errors.Is(err, net.ErrClosed) {
				l.stopErr = err
				close(l.stopped)
				return
			}
			continue
		}
		if !l.track(c) {
			c.Close()
			return
		}
		l.wg.Add(1)
		go l.sniff(c)
	}
}

// track registers c as being peeked; false once closed.
func (l *permissiveListener) track(c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.pending[c] = struct{}{}
	return true
}

func (l *permissiveListener) sniff(c net.Conn) {
	defer l.wg.Done()
	var b [1]byte
	n, _ := c.Read(b[:]) // with n == 0 the client left before saying anything
	l.mu.Lock()
	delete(l.pending, c)
	closed := l.closed
	l.mu.Unlock()
	if n == 0 || closed {
		c.Close()
		return
	}
	pc := &prefixConn{Conn: c, first: b[0], hasFirst: true}
	var out net.Conn = pc
	if b[0] == recordTypeHandshake {
		out = tls.Server(pc, l.cfg)
	}
	select {
	case l.ready <- accepted{conn: out}:
	case <-l.done:
		c.Close()
	}
}

// Accept returns the next peeked connection: a *tls.Conn for TLS, the
// plain connection otherwise.
func (l *permissiveListener) Accept() (net.Conn, error) {
	select {
	case a := <-l.ready:
		return a.conn, a.err
	case <-l.done:
		return nil, fmt.Errorf("identity: permissive listener: %w", net.ErrClosed)
	case <-l.stopped:
		return nil, l.stopErr
	}
}

// Close stops the listener and waits for its goroutines.
func (l *permissiveListener) Close() error {
	l.closeOnce.Do(func() {
		l.mu.Lock()
		l.closed = true
		for c := range l.pending {
			c.Close() // unblocks its sniff goroutine
		}
		l.mu.Unlock()
		close(l.done)
		l.closeErr = l.ln.Close()
	})
	l.wg.Wait()
	return l.closeErr
}

func (l *permissiveListener) Addr() net.Addr { return l.ln.Addr() }

// prefixConn replays the peeked byte before reading on.
type prefixConn struct {
	net.Conn
	first    byte
	hasFirst bool
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if c.hasFirst && len(p) > 0 {
		p[0] = c.first
		c.hasFirst = false
		return 1, nil
	}
	return c.Conn.Read(p)
}

// CloseWrite keeps the half-close net/http uses on plaintext connections
// (it looks the method up on the connection it was given).
func (c *prefixConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Conn.Close()
}
