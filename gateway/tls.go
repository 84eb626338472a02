package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/baton-sim/baton/gateway/config"
)

// errNoCA is returned when a client CA file holds no certificate.
var errNoCA = errors.New("no PEM certificate found")

// buildTLS reads the files of cfg's tls block (defaults applied) and
// returns the listener's configuration. Errors name the field whose file
// failed, so `baton serve gateway` and the scenario loader say which one.
func buildTLS(t *config.TLS) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("gateway: tls.cert_file/tls.key_file: %w", err)
	}
	c := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if t.MinVersion == config.TLS13 {
		c.MinVersion = tls.VersionTLS13
	}
	if t.ClientCAFile != "" {
		pem, err := os.ReadFile(t.ClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("gateway: tls.client_ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("gateway: tls.client_ca_file: %s: %w", t.ClientCAFile, errNoCA)
		}
		c.ClientCAs = pool
	}
	switch t.ClientAuth {
	case config.ClientAuthRequest:
		// Verified when given: a route whose policy accepts mtls finds the
		// verified chain in the connection state, and the others ignore it.
		c.ClientAuth = tls.VerifyClientCertIfGiven
	case config.ClientAuthRequire:
		c.ClientAuth = tls.RequireAndVerifyClientCert
	default:
		c.ClientAuth = tls.NoClientCert
	}
	return c, nil
}

// TLSConfig returns the listener configuration built from the tls block,
// or nil when the gateway serves plain HTTP. It is shared: treat it as
// read-only (clone it to change it).
func (g *Gateway) TLSConfig() *tls.Config { return g.tls }

// TLSConfig returns the configuration for a listener that serves r, or
// nil when the first configuration has no tls block (the listener is then
// plain HTTP, and a reload that adds TLS needs a restart).
//
// Each handshake asks the current configuration (one atomic load), so a
// reload that changes certificates, the client CA bundle or client_auth
// applies to new connections; connections already open keep theirs. A
// reload that removes the tls block cannot turn a TLS listener into a
// plain one: it keeps the last TLS settings until the restart.
func (r *Reloader) TLSConfig() *tls.Config {
	first := r.initialTLS
	if first == nil {
		return nil
	}
	c := first.Clone()
	c.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) {
		if cur := r.Current().tls; cur != nil {
			return cur, nil
		}
		return nil, nil // nil: the listener's own settings, c
	}
	return c
}

// ServerOptions returns the current configuration's server settings with
// TLS following reloads (see TLSConfig).
func (r *Reloader) ServerOptions() ServerOptions {
	o := r.Current().ServerOptions()
	o.TLS = r.TLSConfig()
	return o
}

// Listener wraps ln with TLS when o.TLS is set, and returns it as is
// otherwise. Serve the result with the server NewServer built from the
// same options: net/http sees the *tls.Conn and fills Request.TLS, which
// the mtls auth kind reads.
func Listener(ln net.Listener, o ServerOptions) net.Listener {
	if o.TLS == nil {
		return ln
	}
	return tls.NewListener(ln, o.TLS)
}
