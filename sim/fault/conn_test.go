package fault

import (
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

// wrapped stands for a TLS connection: a net.Conn around another.
type wrapped struct{ net.Conn }

func (w wrapped) NetConn() net.Conn { return w.Conn }

func TestReset(t *testing.T) {
	for _, c := range []struct {
		name  string
		close func(net.Conn) error
		want  error
	}{
		{"reset", Reset, syscall.ECONNRESET},
		{"reset through a wrapper", func(c net.Conn) error { return Reset(wrapped{c}) }, syscall.ECONNRESET},
		// The control: a plain close is a FIN, read as EOF.
		{"close", net.Conn.Close, io.EOF},
	} {
		t.Run(c.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			client, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			server, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			if err := c.close(server); err != nil {
				t.Fatalf("close: %v", err)
			}
			// The deadline only keeps a broken test from hanging.
			_ = client.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, err = client.Read(make([]byte, 1))
			if !errors.Is(err, c.want) {
				t.Errorf("peer's read = %v, want %v", err, c.want)
			}
		})
	}
}

func TestResetNotTCP(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	if err := Reset(a); err != nil {
		t.Fatalf("Reset(pipe) = %v", err)
	}
	if _, err := b.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("peer's read = %v, want EOF", err)
	}
}
