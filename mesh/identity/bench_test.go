package identity

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"
	"time"
)

func BenchmarkIssue(b *testing.B) {
	ca := newCA(b, CAOptions{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ca.Issue("cart", t0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRotateNotDue is the ticker's common case.
func BenchmarkRotateNotDue(b *testing.B) {
	w := newWorkload(b, newCA(b, CAOptions{}), "cart", t0, WorkloadOptions{})
	now := t0.Add(time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		if ok, _ := w.Rotate(now); ok {
			b.Fatal("rotated")
		}
	}
}

func BenchmarkAllowed(b *testing.B) {
	a, err := NewAuthz([]Rule{{To: "cart", From: []string{"frontend", "checkout", "search"}}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if !a.Allowed("checkout", "cart") {
			b.Fatal("denied")
		}
	}
}

func BenchmarkPeerService(b *testing.B) {
	ca := newCA(b, CAOptions{})
	c, err := ca.Issue("cart", t0)
	if err != nil {
		b.Fatal(err)
	}
	state := tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{c.Leaf(), ca.Root()}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := PeerService(state); !ok {
			b.Fatal("no peer")
		}
	}
}

// BenchmarkHandshake is one full mTLS handshake over an in-memory pipe,
// both sides verifying.
func BenchmarkHandshake(b *testing.B) {
	m := &mesh{clock: newClock(t0), ca: newCA(b, CAOptions{})}
	cart := newWorkload(b, m.ca, "cart", t0, WorkloadOptions{})
	frontend := newWorkload(b, m.ca, "frontend", t0, WorkloadOptions{})
	scfg := ServerTLS(cart, ModeStrict, nil, m.clock.Now)
	ccfg := ClientTLS(frontend, "cart", m.clock.Now)
	b.ReportAllocs()
	for b.Loop() {
		sc, cc := net.Pipe()
		errc := make(chan error, 1)
		go func() {
			s := tls.Server(sc, scfg)
			errc <- s.Handshake()
			sc.Close() // no close_notify: net.Pipe writes block until read
		}()
		c := tls.Client(cc, ccfg)
		if err := c.Handshake(); err != nil {
			b.Fatal(err)
		}
		if err := <-errc; err != nil {
			b.Fatal(err)
		}
		cc.Close()
	}
}
