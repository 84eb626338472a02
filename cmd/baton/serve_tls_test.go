package main

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-sim/baton/gateway/tlstest"
)

// TestServeGatewayTLS serves a gateway with a tls block and a route that
// accepts client certificates: a client presenting alice's certificate is
// answered 200, one without a certificate 401.
func TestServeGatewayTLS(t *testing.T) {
	ca := tlstest.NewCA(t, "serve")
	server, alice := ca.Server(t, "gateway"), ca.Client(t, "alice")
	a := service(t, "a")
	path := filepath.Join(t.TempDir(), "gateway.yaml")
	cfg := "listen: 127.0.0.1:0\nseed: 7\nupstreams:\n  a: [" + a + "]\ngateway:\n" +
		"  tls: {cert_file: " + server.CertFile + ", key_file: " + server.KeyFile +
		", client_ca_file: " + ca.File + ", client_auth: request}\n" +
		"  auth:\n    consumers: [{name: alice, credentials: {client_certs: [{common_name: alice}]}}]\n" +
		"    policies: [{name: certs, accept: [mtls]}]\n" +
		"  routes:\n    - {name: v, prefix: /v, service: a, auth: certs}\n"
	writeFile(t, path, cfg, 1)
	s := startServe(t, path, time.Hour)
	if !strings.Contains(s.stderr.String(), "gateway serving on https://") {
		t.Errorf("log %q does not announce https", s.stderr)
	}
	url := "https://" + strings.TrimPrefix(s.url, "http://") + "/v"
	pem, err := os.ReadFile(ca.File)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	kp, err := tls.LoadX509KeyPair(alice.CertFile, alice.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		certs []tls.Certificate
		want  int
	}{
		{"with alice's certificate", []tls.Certificate{kp}, http.StatusOK},
		{"without a certificate", nil, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: tt.certs, MinVersion: tls.VersionTLS12}}
		c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
		got, _, body := fetch(t, c, url)
		tr.CloseIdleConnections()
		if got != tt.want {
			t.Errorf("%s: status %d, want %d (%s)", tt.name, got, tt.want, body)
		}
	}
}
