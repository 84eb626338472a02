package identity

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// mesh is the fixture most TLS tests share: one CA on a controllable
// clock, a cart server and callers, and a second CA with the same trust
// domain that the first must not trust.
type mesh struct {
	clock    *clock
	ca       *CA
	other    *CA
	cart     *Workload
	frontend *Workload
	rogue    *Workload // "frontend", issued by other
}

func newMesh(t *testing.T, opts CAOptions) *mesh {
	t.Helper()
	m := &mesh{clock: newClock(t0), ca: newCA(t, opts), other: newCA(t, opts)}
	m.cart = newWorkload(t, m.ca, "cart", t0, WorkloadOptions{})
	m.frontend = newWorkload(t, m.ca, "frontend", t0, WorkloadOptions{})
	m.rogue = newWorkload(t, m.other, "frontend", t0, WorkloadOptions{})
	return m
}

// TestStrictHandshake checks the server side of strict mode on raw TLS
// connections, with a client that trusts any server, so each failure is
// the server's own.
func TestStrictHandshake(t *testing.T) {
	m := newMesh(t, CAOptions{TTL: 10 * time.Second})
	denyFrontend, err := NewAuthz([]Rule{{To: "cart", From: []string{"checkout"}}})
	if err != nil {
		t.Fatal(err)
	}
	twoURIs := forge(t, m.ca, func(c *x509.Certificate) {
		c.URIs = append(c.URIs, serviceURL("baton.local", "admin"))
	})
	tests := []struct {
		name       string
		authz      *Authz
		cert       *Cert
		at         time.Duration
		serverErr  string // substring
		serverIs   error
		clientErr  string // exact
		wantCaller string
	}{
		{name: "right identity", cert: m.frontend.Cert(), wantCaller: "frontend"},
		{name: "at NotAfter", cert: m.frontend.Cert(), at: 10 * time.Second, wantCaller: "frontend"},
		{name: "no client certificate", serverErr: "tls: client didn't provide a certificate",
			clientErr: "remote error: tls: certificate required"},
		{name: "other CA", cert: m.rogue.Cert(), serverErr: "x509: certificate signed by unknown authority",
			clientErr: "remote error: tls: unknown certificate authority"},
		{name: "expired", cert: m.frontend.Cert(), at: 11 * time.Second,
			serverErr: "x509: certificate has expired or is not yet valid", clientErr: "remote error: tls: expired certificate"},
		{name: "not an SVID", cert: twoURIs, serverIs: ErrNotSVID, serverErr: "2 URI SANs, want exactly 1",
			clientErr: "remote error: tls: bad certificate"},
		{name: "denied at the handshake", authz: denyFrontend, cert: m.frontend.Cert(), serverIs: ErrDenied,
			serverErr: "identity: caller not allowed: frontend may not call cart", clientErr: "remote error: tls: bad certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m.clock.Set(t0.Add(tt.at))
			res := handshake(t, ServerTLS(m.cart, ModeStrict, tt.authz, m.clock.Now), trustAll(tt.cert))
			if tt.serverErr == "" {
				if res.serverErr != nil || res.clientErr != nil {
					t.Fatalf("server error %v, client error %v; want none", res.serverErr, res.clientErr)
				}
				if got, ok := PeerService(res.state); got != tt.wantCaller || !ok {
					t.Errorf("PeerService = %q, %v; want %q, true", got, ok, tt.wantCaller)
				}
				if got, want := res.state.VerifiedChains[0][0].URIs[0].String(), m.ca.ID(tt.wantCaller); got != want {
					t.Errorf("server saw caller %q, want %q", got, want)
				}
				return
			}
			if res.serverErr == nil || !strings.Contains(res.serverErr.Error(), tt.serverErr) {
				t.Errorf("server error = %v, want it to contain %q", res.serverErr, tt.serverErr)
			}
			if tt.serverIs != nil && !errors.Is(res.serverErr, tt.serverIs) {
				t.Errorf("errors.Is(%v, %v) = false", res.serverErr, tt.serverIs)
			}
			if got := errText(res.clientErr); got != tt.clientErr {
				t.Errorf("client error = %q, want %q", got, tt.clientErr)
			}
		})
	}
}

// TestClientVerifiesServer: ClientTLS accepts only the expected service
// from the mesh CA, at the clock's time.
func TestClientVerifiesServer(t *testing.T) {
	m := newMesh(t, CAOptions{TTL: 10 * time.Second})
	payments := newWorkload(t, m.ca, "payments", t0, WorkloadOptions{})
	rogueCart := newWorkload(t, m.other, "cart", t0, WorkloadOptions{})
	tests := []struct {
		name      string
		server    *Workload
		target    string
		at        time.Duration
		clientErr string // substring
		clientIs  error
	}{
		{name: "expected service", server: m.cart, target: "cart"},
		{name: "another service's certificate", server: payments, target: "cart", clientIs: ErrWrongPeer,
			clientErr: "identity: peer is not the expected service: server is spiffe://baton.local/service/payments, want spiffe://baton.local/service/cart"},
		{name: "another CA", server: rogueCart, target: "cart", clientErr: "x509: certificate signed by unknown authority"},
		{name: "expired server certificate", server: m.cart, target: "cart", at: 11 * time.Second,
			clientErr: "x509: certificate has expired or is not yet valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m.clock.Set(t0.Add(tt.at))
			// The server trusts the client's CA in every case, so only the
			// client's check can fail.
			server := ServerTLS(tt.server, ModeStrict, nil, m.clock.Now)
			server.ClientCAs = m.ca.Pool()
			server.Time = func() time.Time { return t0 }
			res := handshake(t, server, ClientTLS(m.frontend, tt.target, m.clock.Now))
			if tt.clientErr == "" {
				if res.clientErr != nil || res.serverErr != nil {
					t.Fatalf("client error %v, server error %v; want none", res.clientErr, res.serverErr)
				}
				return
			}
			if res.clientErr == nil || !strings.Contains(res.clientErr.Error(), tt.clientErr) {
				t.Errorf("client error = %v, want it to contain %q", res.clientErr, tt.clientErr)
			}
			if tt.clientIs != nil && !errors.Is(res.clientErr, tt.clientIs) {
				t.Errorf("errors.Is(%v, %v) = false", res.clientErr, tt.clientIs)
			}
			if got, want := errText(res.serverErr), "remote error: tls: bad certificate"; got != want {
				t.Errorf("server error = %q, want %q", got, want)
			}
		})
	}
}

// TestStrictHTTP is strict mode end to end over HTTP on loopback.
func TestStrictHTTP(t *testing.T) {
	m := newMesh(t, CAOptions{})
	calls := 0
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		echo(w, r)
	})
	cfg := ServerTLS(m.cart, ModeStrict, nil, m.clock.Now)
	addr := serve(t, Listener(listen(t), ModeStrict, cfg), h)

	// The right identity: the handler sees the caller's SPIFFE ID.
	got, err := get(client(t, ClientTLS(m.frontend, "cart", m.clock.Now), true), "https://"+addr+"/")
	if err != nil {
		t.Fatalf("mTLS request: %v", err)
	}
	if want := (response{status: 200, body: "frontend spiffe://baton.local/service/frontend 3", serverSerial: 2}); got != want {
		t.Errorf("mTLS request = %+v, want %+v", got, want)
	}

	// Plaintext: net/http's TLS server answers 400 and the handler never
	// runs.
	got, err = get(client(t, nil, false), "http://"+addr+"/")
	if err != nil {
		t.Fatalf("plaintext request: %v", err)
	}
	if got.status != http.StatusBadRequest || !strings.Contains(got.body, "Client sent an HTTP request to an HTTPS server") {
		t.Errorf("plaintext request = %+v, want 400 and net/http's HTTPS message", got)
	}

	// Another CA's certificate for the same name: the request fails.
	rogue := ClientTLS(m.rogue, "cart", m.clock.Now)
	rogue.VerifyConnection = nil // trust the server, so the failure is the server's
	if got, err := get(client(t, rogue, false), "https://"+addr+"/"); err == nil ||
		!strings.Contains(err.Error(), "remote error: tls: unknown certificate authority") {
		t.Errorf("rogue request = %+v, %v; want the server's unknown-CA alert", got, err)
	}
	if calls != 1 {
		t.Errorf("handler ran %d times, want 1 (the mTLS request only)", calls)
	}
}

func TestModeOff(t *testing.T) {
	m := newMesh(t, CAOptions{})
	if cfg := ServerTLS(m.cart, ModeOff, nil, m.clock.Now); cfg != nil {
		t.Fatalf("ServerTLS(off) = %v, want nil", cfg)
	}
	ln := listen(t)
	if got := Listener(ln, ModeOff, nil); got != ln {
		t.Fatalf("Listener(off) = %T, want the listener itself", got)
	}
	addr := serve(t, ln, http.HandlerFunc(echo))
	if got, err := get(client(t, nil, false), "http://"+addr+"/"); err != nil || got.body != "plaintext" {
		t.Errorf("plaintext request = %+v, %v; want plaintext", got, err)
	}
}

// TestUnknownModeFailsClosed: an out-of-range mode is served as strict.
func TestUnknownModeFailsClosed(t *testing.T) {
	m := newMesh(t, CAOptions{})
	res := handshake(t, ServerTLS(m.cart, Mode(9), nil, m.clock.Now), trustAll(nil))
	if res.serverErr == nil || !strings.Contains(res.serverErr.Error(), "didn't provide a certificate") {
		t.Errorf("server error = %v, want a required client certificate", res.serverErr)
	}
	ln := listen(t)
	l := Listener(ln, Mode(9), &tls.Config{})
	defer l.Close()
	if _, permissive := l.(*permissiveListener); l == ln || permissive {
		t.Errorf("Listener(mode 9) = %T, want a TLS-only listener", l)
	}
}
