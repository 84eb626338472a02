package live_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/baton-sim/baton/gateway/tlstest"
	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim/live"
)

// tlsScenario has a gateway terminating TLS and asking for client
// certificates, a route that accepts only them, and client classes as
// given.
func tlsScenario(t *testing.T, server tlstest.Pair, ca, model, clients string) *scenarios.Scenario {
	t.Helper()
	src := fmt.Sprintf(`baton: v1
name: edge-tls
duration: 1s
services:
  api: {replicas: 2, queue: 100000}
gateway:
  replicas: 2
  tls: {cert_file: %s, key_file: %s, client_ca_file: %s, client_auth: request}
  auth:
    consumers:
      - {name: partner, credentials: {client_certs: [{common_name: partner}]}}
      - {name: reader, credentials: {api_keys: [{key: reader-key-0001}]}}
    policies: [{name: edge, accept: [mtls, key]}]
  routes:
    - {prefix: /api, service: api, auth: edge}
load:
%s
  clients:
%s`, server.CertFile, server.KeyFile, ca, model, clients)
	sc, err := scenarios.Parse("edge-tls.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestTLSEdgeEndToEnd drives a gateway over TLS with a class that
// presents a client certificate and a class with an API key, in both
// load models: every request is answered 200.
func TestTLSEdgeEndToEnd(t *testing.T) {
	ca := tlstest.NewCA(t, "edge")
	server, partner := ca.Server(t, "gateway"), ca.Client(t, "partner")
	clients := fmt.Sprintf(`    - {name: partner, share: 3, client_cert: %s, client_key: %s}
    - {name: reader, api_key: reader-key-0001}
`, partner.CertFile, partner.KeyFile)
	for _, model := range []string{"  rate: 40/s", "  model: closed\n  users: 2\n  think: {dist: constant, value: 50ms}"} {
		sc := tlsScenario(t, server, ca.File, model, clients)
		s := run(t, sc).Summary
		if s.Requests == 0 || s.ByStatus["200"] != s.Requests {
			t.Errorf("%q: %d requests, by status %v; want all 200", model, s.Requests, s.ByStatus)
		}
	}
}

// TestTLSEdgeUnknownCertificate has the class present a certificate of
// another CA: its handshakes fail (status 0, counted as errors) while the
// API-key class is still served.
func TestTLSEdgeUnknownCertificate(t *testing.T) {
	ca, other := tlstest.NewCA(t, "edge"), tlstest.NewCA(t, "other")
	stranger := other.Client(t, "partner")
	clients := fmt.Sprintf(`    - {name: stranger, client_cert: %s, client_key: %s}
    - {name: reader, api_key: reader-key-0001}
`, stranger.CertFile, stranger.KeyFile)
	sc := tlsScenario(t, ca.Server(t, "gateway"), ca.File, "  rate: 40/s", clients)
	s := run(t, sc).Summary
	want := classCounts(t, sc, s.Requests)
	if got := s.ByStatus["200"]; got != want["reader"] {
		t.Errorf("200s = %d, want %d (the reader's); by status %v", got, want["reader"], s.ByStatus)
	}
	if got := s.Errors; got != want["stranger"] {
		t.Errorf("errors = %d, want %d (every stranger request fails its handshake); by status %v", got, want["stranger"], s.ByStatus)
	}
}

// TestTLSEdgeStartErrors checks that a class's certificate problems stop
// Start with the field named, before any load is sent. (A certificate
// without its key is the loader's to refuse: see the scenarios goldens.)
func TestTLSEdgeStartErrors(t *testing.T) {
	ca := tlstest.NewCA(t, "edge")
	server, partner := ca.Server(t, "gateway"), ca.Client(t, "partner")
	tests := []struct {
		name, clients, want string
	}{
		{"missing file", "    - {name: p, client_cert: /nonexistent.pem, client_key: " + partner.KeyFile + "}\n", "load.clients[0].client_cert"},
	}
	for _, tt := range tests {
		sc := tlsScenario(t, server, ca.File, "  rate: 1/s", tt.clients)
		inst, err := live.New(live.Options{}).Start(context.Background(), sc)
		if err == nil {
			inst.Close()
			t.Errorf("%s: Start succeeded, want an error naming %s", tt.name, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %q does not say %q", tt.name, err, tt.want)
		}
	}
}
