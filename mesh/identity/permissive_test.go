package identity

import (
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestPermissiveHTTP: plaintext and mTLS both succeed on one port, and
// the handler can tell them apart.
func TestPermissiveHTTP(t *testing.T) {
	m := newMesh(t, CAOptions{})
	ln := listen(t)
	l := Listener(ln, ModePermissive, ServerTLS(m.cart, ModePermissive, nil, m.clock.Now))
	addr := serve(t, l, http.HandlerFunc(echo))

	// A silent connection (an idle pooled plaintext connection) must not
	// hold up the others.
	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()

	mtls := client(t, ClientTLS(m.frontend, "cart", m.clock.Now), true)
	plain := client(t, nil, true)
	tests := []struct {
		name string
		c    *http.Client
		url  string
		want response
	}{
		{"mTLS", mtls, "https://" + addr + "/", response{200, "frontend spiffe://baton.local/service/frontend 3", 2}},
		{"plaintext", plain, "http://" + addr + "/", response{200, "plaintext", 0}},
		{"mTLS again, reused", mtls, "https://" + addr + "/", response{200, "frontend spiffe://baton.local/service/frontend 3", 2}},
		{"plaintext again, reused", plain, "http://" + addr + "/", response{200, "plaintext", 0}},
	}
	for _, tt := range tests {
		got, err := get(tt.c, tt.url)
		if err != nil || got != tt.want {
			t.Errorf("%s: %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
}

// TestPermissiveHandshake: the TLS side of permissive is still mutual and
// still checks the CA; only plaintext is let through without identity.
func TestPermissiveHandshake(t *testing.T) {
	m := newMesh(t, CAOptions{})
	cfg := ServerTLS(m.cart, ModePermissive, nil, m.clock.Now)
	tests := []struct {
		name string
		cert *Cert
		want string // client error, exact
	}{
		{"right identity", m.frontend.Cert(), ""},
		{"one-way TLS", nil, "remote error: tls: certificate required"},
		{"other CA", m.rogue.Cert(), "remote error: tls: unknown certificate authority"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln := PermissiveListener(listen(t), cfg)
			defer ln.Close()
			errc := make(chan error, 1)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					errc <- err
					return
				}
				defer c.Close()
				tc, ok := c.(*tls.Conn)
				if !ok {
					errc <- errors.New("accepted a plain connection for a TLS client")
					return
				}
				if err := tc.Handshake(); err != nil {
					errc <- err
					return
				}
				_, err = tc.Write([]byte{1})
				errc <- err
			}()
			c, err := tls.Dial("tcp", ln.Addr().String(), trustAll(tt.cert))
			if err == nil {
				var b [1]byte
				_, err = c.Read(b[:])
				c.Close()
			}
			if got := errText(err); got != tt.want {
				t.Errorf("client error = %q, want %q", got, tt.want)
			}
			if serr := <-errc; (serr == nil) != (tt.want == "") {
				t.Errorf("server error = %v", serr)
			}
		})
	}
}

// TestPermissiveListenerClose: Close ends Accept and every goroutine,
// including those peeking at silent connections (goleak checks the rest).
func TestPermissiveListenerClose(t *testing.T) {
	ln := listen(t)
	l := PermissiveListener(ln, &tls.Config{})
	var silent []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		silent = append(silent, c)
	}
	// One connection that did speak is accepted before Close.
	talker, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := talker.Write([]byte("GET / HTTP/1.1\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if _, isTLS := c.(*tls.Conn); isTLS {
		t.Errorf("accepted %T for plaintext, want a plain connection", c)
	}
	buf := make([]byte, 3)
	if n, err := c.Read(buf); err != nil || string(buf[:n]) != "G" {
		// The peeked byte is replayed on its own first.
		t.Errorf("first read = %q, %v; want the peeked \"G\"", buf[:n], err)
	}
	if n, err := c.Read(buf); err != nil || string(buf[:n]) != "ET " {
		t.Errorf("second read = %q, %v; want \"ET \"", buf[:n], err)
	}
	c.Close()
	talker.Close()

	if err := l.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if c, err := l.Accept(); c != nil || !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close = %v, %v; want net.ErrClosed", c, err)
	}
	// The peeked silent connections were closed by the listener.
	for i, s := range silent {
		if _, err := s.Read(make([]byte, 1)); err == nil {
			t.Errorf("silent connection %d still open", i)
		}
		s.Close()
	}
}

// TestPermissiveListenerInnerClosed: when someone else closes the inner
// listener, Accept reports it and keeps reporting it.
func TestPermissiveListenerInnerClosed(t *testing.T) {
	ln := listen(t)
	l := PermissiveListener(ln, &tls.Config{})
	defer l.Close()
	ln.Close()
	for i := range 2 {
		if c, err := l.Accept(); c != nil || !errors.Is(err, net.ErrClosed) {
			t.Errorf("Accept %d = %v, %v; want net.ErrClosed", i, c, err)
		}
	}
}

// TestPermissiveDropsSilentClosers: a client that connects and leaves
// without a byte is never handed to Accept.
func TestPermissiveDropsSilentClosers(t *testing.T) {
	ln := listen(t)
	l := PermissiveListener(ln, &tls.Config{})
	defer l.Close()
	quitter, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	quitter.Close()
	talker, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer talker.Close()
	if _, err := talker.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got, want := c.RemoteAddr().String(), talker.LocalAddr().String(); got != want {
		t.Errorf("accepted %s, want the talker %s", got, want)
	}
	if !strings.HasPrefix(c.LocalAddr().String(), "127.0.0.1:") {
		t.Errorf("LocalAddr = %s", c.LocalAddr())
	}
}
