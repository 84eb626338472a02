package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/baton-sim/baton/gateway/auth"
	"github.com/baton-sim/baton/gateway/config"
	"github.com/baton-sim/baton/gateway/tlstest"
)

// tlsGateway is a gateway terminating TLS with client_auth mode, whose
// /api route accepts only client certificates and /open none.
func tlsGateway(t testing.TB, server tlstest.Pair, clientCA, mode string) config.Gateway {
	t.Helper()
	return parseConfig(t, `
tls:
  cert_file: `+server.CertFile+`
  key_file: `+server.KeyFile+`
  client_ca_file: `+clientCA+`
  client_auth: `+mode+`
  min_version: "1.3"
auth:
  consumers:
    - {name: alice, credentials: {client_certs: [{common_name: alice}]}}
  policies: [{name: certs, accept: [mtls]}]
routes:
  - {name: api, prefix: /api, service: echo, auth: certs}
  - {name: open, prefix: /open, service: echo}
`)
}

// tlsClient trusts roots and, with a pair, always presents it: Go's client
// would otherwise withhold a certificate the server's CA list does not
// name, and the test wants the server to see (and refuse) it.
func tlsClient(t testing.TB, roots string, pair *tlstest.Pair) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(roots)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if pair != nil {
		kp, err := tls.LoadX509KeyPair(pair.CertFile, pair.KeyFile)
		if err != nil {
			t.Fatal(err)
		}
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &kp, nil }
	}
	tr := &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func getTLS(c *http.Client, addr, path string) (*http.Response, []byte, error) {
	resp, err := c.Get("https://" + addr + path)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func TestTLSClientCertificates(t *testing.T) {
	ca := newTestCA(t)
	other := tlstest.NewCA(t, "other")
	server := ca.Server(t, "gateway")
	alice := ca.Client(t, "alice")
	bob := ca.Client(t, "bob") // valid chain, no consumer
	mallory := other.Client(t, "alice")

	for _, mode := range []string{config.ClientAuthRequest, config.ClientAuthRequire} {
		g, err := New(tlsGateway(t, server, ca.File, mode), Options{Seed: 1})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		if g.TLSConfig() == nil || g.TLSConfig().MinVersion != tls.VersionTLS13 {
			t.Fatalf("%s: TLSConfig() = %+v, want TLS 1.3 minimum", mode, g.TLSConfig())
		}
		hs := newHarness(t, g, newUpstream(t, "echo", nil))
		tests := []struct {
			name     string
			pair     *tlstest.Pair
			path     string
			status   int // 0: the handshake fails
			consumer string
		}{
			{"cert names a consumer", &alice, "/api/x", 200, "alice"},
			{"cert names no consumer", &bob, "/api/x", 401, ""},
			{"no cert", nil, "/api/x", 401, ""},
			{"no cert on an open route", nil, "/open/x", 200, ""},
			{"cert from another ca", &mallory, "/api/x", 0, ""},
		}
		for _, tt := range tests {
			want := tt.status
			if mode == config.ClientAuthRequire && tt.pair == nil {
				want = 0 // require refuses the connection itself
			}
			resp, b, err := getTLS(tlsClient(t, ca.File, tt.pair), hs.addr, tt.path)
			if want == 0 {
				if err == nil {
					t.Errorf("%s/%s: got %d, want a failed handshake", mode, tt.name, resp.StatusCode)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s/%s: %v", mode, tt.name, err)
			}
			if got := resp.StatusCode; got != want {
				t.Errorf("%s/%s: status = %d, want %d (%s)", mode, tt.name, got, want, b)
				continue
			}
			if want == 200 {
				if got := decodeEcho(t, b).Header.Get(auth.HeaderConsumerName); got != tt.consumer {
					t.Errorf("%s/%s: upstream %s = %q, want %q", mode, tt.name, auth.HeaderConsumerName, got, tt.consumer)
				}
			}
		}
	}
}

// newTestCA makes the tests' usual CA.
func newTestCA(t testing.TB) *tlstest.CA { return tlstest.NewCA(t, "baton-test") }

func TestTLSPlainClientRefused(t *testing.T) {
	ca := newTestCA(t)
	g, err := New(tlsGateway(t, ca.Server(t, "gateway"), ca.File, config.ClientAuthRequest), Options{})
	if err != nil {
		t.Fatal(err)
	}
	hs := newHarness(t, g, newUpstream(t, "echo", nil))
	resp, _ := hs.get(t, "/open/x", nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("plain HTTP to a TLS gateway: status %d, want 400 (net/http's answer to HTTP on a TLS port)", resp.StatusCode)
	}
}

func TestTLSBuildErrorsNameTheField(t *testing.T) {
	ca := newTestCA(t)
	server := ca.Server(t, "gateway")
	notPEM := t.TempDir() + "/empty.pem"
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		tls  config.TLS
		want string
		is   error
	}{
		{"missing cert", config.TLS{CertFile: "/nonexistent/c.pem", KeyFile: server.KeyFile}, "tls.cert_file", fs.ErrNotExist},
		{"key of another cert", config.TLS{CertFile: server.CertFile, KeyFile: ca.Client(t, "x").KeyFile}, "tls.cert_file/tls.key_file", nil},
		{"missing ca", config.TLS{CertFile: server.CertFile, KeyFile: server.KeyFile, ClientCAFile: "/nonexistent/ca.pem", ClientAuth: "request"}, "tls.client_ca_file", fs.ErrNotExist},
		{"ca without pem", config.TLS{CertFile: server.CertFile, KeyFile: server.KeyFile, ClientCAFile: notPEM, ClientAuth: "request"}, "tls.client_ca_file", errNoCA},
		{"invalid", config.TLS{CertFile: server.CertFile}, "tls.key_file", config.ErrInvalid},
	}
	for _, tt := range tests {
		cfg := parseConfig(t, minimalRoutes)
		tc := tt.tls
		cfg.TLS = &tc
		_, err := New(cfg, Options{})
		if err == nil {
			t.Errorf("%s: New succeeded, want an error naming %s", tt.name, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %q does not name %s", tt.name, err, tt.want)
		}
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("%s: errors.Is(%v, %v) = false", tt.name, err, tt.is)
		}
	}
}

const minimalRoutes = `
routes:
  - {name: open, prefix: /open, service: echo}
`

func TestTLSPlainGatewayHasNoTLSConfig(t *testing.T) {
	g := newGateway(t, minimalRoutes, 1)
	if g.TLSConfig() != nil || g.ServerOptions().TLS != nil {
		t.Errorf("a gateway without tls has a TLS config")
	}
	rl, err := NewReloader(parseConfig(t, minimalRoutes), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rl.TLSConfig() != nil {
		t.Errorf("a reloader without tls has a TLS config")
	}
}

// tlsStep is one request of a TLS test: the client's roots and
// certificate, and the status (0: the handshake fails).
type tlsStep struct {
	name   string
	roots  string
	pair   *tlstest.Pair
	status int
}

// TestTLSReloadSwapsCertificates checks that new connections see a
// reloaded certificate and client CA without a restart.
func TestTLSReloadSwapsCertificates(t *testing.T) {
	ca1, ca2 := tlstest.NewCA(t, "one"), tlstest.NewCA(t, "two")
	rl, err := NewReloader(tlsGateway(t, ca1.Server(t, "gateway"), ca1.File, config.ClientAuthRequest), Options{})
	if err != nil {
		t.Fatal(err)
	}
	hs := newHarness(t, rl, newUpstream(t, "echo", nil))
	alice1, alice2 := ca1.Client(t, "alice"), ca2.Client(t, "alice")
	steps := []tlsStep{
		{"before: ca1 server and client", ca1.File, &alice1, 200},
		{"before: ca2 root does not trust the server", ca2.File, &alice2, 0},
	}
	check := func(steps []tlsStep) {
		t.Helper()
		for _, s := range steps {
			resp, b, err := getTLS(tlsClient(t, s.roots, s.pair), hs.addr, "/api/x")
			switch {
			case s.status == 0 && err == nil:
				t.Errorf("%s: got %d, want a failed handshake", s.name, resp.StatusCode)
			case s.status != 0 && err != nil:
				t.Errorf("%s: %v", s.name, err)
			case s.status != 0 && resp.StatusCode != s.status:
				t.Errorf("%s: status %d, want %d (%s)", s.name, resp.StatusCode, s.status, b)
			}
		}
	}
	check(steps)
	if err := rl.Reload(tlsGateway(t, ca2.Server(t, "gateway"), ca2.File, config.ClientAuthRequest)); err != nil {
		t.Fatal(err)
	}
	check([]tlsStep{
		{"after: ca2 server and client", ca2.File, &alice2, 200},
		{"after: ca1 root no longer trusts the server", ca1.File, &alice1, 0},
	})
}
