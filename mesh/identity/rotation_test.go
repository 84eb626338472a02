package identity

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rotationMesh is a cart server on loopback and a frontend client with
// 10s certificates renewed at 7s, on a controllable clock. Certificates
// are issued at t0: cart serial 2, frontend serial 3.
type rotationMesh struct {
	*mesh
	addr    string
	release chan struct{} // /slow waits on it
	entered chan struct{} // /slow signals it
}

func newRotationMesh(t *testing.T) *rotationMesh {
	t.Helper()
	m := &rotationMesh{
		mesh:    newMesh(t, CAOptions{TTL: 10 * time.Second, ClockSkew: -1}),
		release: make(chan struct{}),
		entered: make(chan struct{}, 1),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", echo)
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		m.entered <- struct{}{}
		<-m.release
		echo(w, r)
	})
	cfg := ServerTLS(m.cart, ModeStrict, nil, m.clock.Now)
	m.addr = serve(t, Listener(listen(t), ModeStrict, cfg), mux)
	return m
}

// tick is the engine's rotation ticker.
func (m *rotationMesh) tick(t *testing.T) {
	t.Helper()
	for _, w := range []*Workload{m.cart, m.frontend} {
		if _, err := w.Rotate(m.clock.Now()); err != nil {
			t.Fatalf("Rotate(%s): %v", w.Service(), err)
		}
	}
}

// want is the response while the cart and frontend certificates have
// serials cart and front.
func want(cart, front uint64) response {
	return response{200, fmt.Sprintf("frontend spiffe://baton.local/service/frontend %d", front), cart}
}

// TestRotationUnderTraffic: requests over a reused connection and over a
// new connection each second while the ticker rotates. None fails; every
// new handshake presents the current certificates on both sides; the
// reused connection keeps the certificates it was established with.
func TestRotationUnderTraffic(t *testing.T) {
	m := newRotationMesh(t)
	cfg := ClientTLS(m.frontend, "cart", m.clock.Now)
	reused, fresh := client(t, cfg, true), client(t, cfg, false)
	url := "https://" + m.addr + "/"
	failed := 0
	for s := 1; s <= 30; s++ {
		m.clock.Set(t0.Add(time.Duration(s) * time.Second))
		m.tick(t)
		// Renewals at 7, 14, 21 and 28s; cart renews first each time.
		k := uint64(s / 7)
		if got, want := m.cart.Cert().Serial, 2+2*k; got != want {
			t.Fatalf("%ds: cart serial %d, want %d", s, got, want)
		}
		for _, c := range []struct {
			name   string
			client *http.Client
			want   response
		}{
			{"new connection", fresh, want(2+2*k, 3+2*k)},
			// Established at 1s; it outlives its certificates, as TLS
			// connections do (nothing re-verifies an open connection).
			{"reused connection", reused, want(2, 3)},
		} {
			got, err := get(c.client, url)
			if err != nil {
				failed++
				t.Errorf("%ds %s: %v", s, c.name, err)
				continue
			}
			if got != c.want {
				t.Errorf("%ds %s: %+v, want %+v", s, c.name, got, c.want)
			}
		}
	}
	if failed != 0 {
		t.Errorf("%d failed requests, want 0", failed)
	}
	if got, want := [2]uint64{m.cart.Rotations(), m.frontend.Rotations()}, [2]uint64{4, 4}; got != want {
		t.Errorf("rotations (cart, frontend) = %v, want %v", got, want)
	}
}

// TestRotationInFlight: a request whose handshake used the old
// certificates completes after both sides rotate.
func TestRotationInFlight(t *testing.T) {
	m := newRotationMesh(t)
	c := client(t, ClientTLS(m.frontend, "cart", m.clock.Now), false)
	m.clock.Set(t0.Add(6 * time.Second))
	type result struct {
		r   response
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := get(c, "https://"+m.addr+"/slow")
		done <- result{r, err}
	}()
	<-m.entered // handshake done with serials 2 and 3
	m.clock.Set(t0.Add(7 * time.Second))
	m.tick(t)
	close(m.release)
	if res := <-done; res.err != nil || res.r != want(2, 3) {
		t.Errorf("in-flight request = %+v, %v; want %+v", res.r, res.err, want(2, 3))
	}
	if got, err := get(c, "https://"+m.addr+"/"); err != nil || got != want(4, 5) {
		t.Errorf("next request = %+v, %v; want %+v", got, err, want(4, 5))
	}
}

// TestRotationConcurrent: one goroutine sends requests over a reused and
// new connections without pause while the test advances the clock and
// rotates between every five of them. Exactly zero may fail (run with
// -race: handshakes read the certificate while Rotate replaces it).
func TestRotationConcurrent(t *testing.T) {
	m := newRotationMesh(t)
	cfg := ClientTLS(m.frontend, "cart", m.clock.Now)
	reused, fresh := client(t, cfg, true), client(t, cfg, false)
	const steps, perStep = 20, 5
	results := make(chan error, perStep)
	go func() {
		for i := range steps * perStep {
			c := fresh
			if i%2 == 0 {
				c = reused
			}
			r, err := get(c, "https://"+m.addr+"/")
			if err == nil && r.status != 200 {
				err = fmt.Errorf("status %d", r.status)
			}
			results <- err
		}
	}()
	var failed, sent int
	for s := 1; s <= steps; s++ {
		for range perStep {
			if err := <-results; err != nil {
				failed++
				t.Errorf("request %d: %v", sent, err)
			}
			sent++
		}
		m.clock.Set(t0.Add(time.Duration(s) * time.Second))
		m.tick(t)
	}
	if failed != 0 || sent != steps*perStep {
		t.Errorf("%d of %d requests failed, want 0 of %d", failed, sent, steps*perStep)
	}
	if got, want := [2]uint64{m.cart.Rotations(), m.frontend.Rotations()}, [2]uint64{2, 2}; got != want {
		t.Errorf("rotations (cart, frontend) = %v, want %v", got, want)
	}
}

// TestExpiredWithoutRotation: with the ticker stopped, new handshakes
// fail once the clock passes NotAfter, on whichever side sees an expired
// peer, and work again once both sides rotate.
func TestExpiredWithoutRotation(t *testing.T) {
	m := newRotationMesh(t)
	c := client(t, ClientTLS(m.frontend, "cart", m.clock.Now), false)
	url := "https://" + m.addr + "/"
	steps := []struct {
		at     time.Duration
		rotate []*Workload
		want   response
		err    string // substring
	}{
		{at: 10 * time.Second, want: want(2, 3)}, // NotAfter itself is still valid
		// The client checks the server first.
		{at: 11 * time.Second, err: "x509: certificate has expired or is not yet valid"},
		// A renewed server still refuses the expired client.
		{at: 11 * time.Second, rotate: []*Workload{m.cart}, err: "remote error: tls: expired certificate"},
		{at: 11 * time.Second, rotate: []*Workload{m.frontend}, want: want(4, 5)},
	}
	for i, s := range steps {
		m.clock.Set(t0.Add(s.at))
		for _, w := range s.rotate {
			if ok, err := w.Rotate(m.clock.Now()); !ok || err != nil {
				t.Fatalf("step %d: Rotate(%s) = %v, %v", i, w.Service(), ok, err)
			}
		}
		got, err := get(c, url)
		if s.err != "" {
			if err == nil || !strings.Contains(err.Error(), s.err) {
				t.Errorf("step %d (%v): %+v, %v; want an error containing %q", i, s.at, got, err, s.err)
			}
			continue
		}
		if err != nil || got != s.want {
			t.Errorf("step %d (%v): %+v, %v; want %+v", i, s.at, got, err, s.want)
		}
	}
}
