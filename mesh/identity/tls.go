package identity

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"time"
)

// ServerTLS is the server side of w's mTLS for mode; nil for ModeOff.
// Unknown modes fail closed, as strict.
//
// The client must present a certificate that chains to w's CA at clock's
// time (crypto/tls verifies it, so the connection state carries
// VerifiedChains for PeerService) and is an X.509-SVID of w's trust
// domain. When authz is not nil the handshake also fails for callers it
// denies, Istio's behaviour for TCP; for HTTP, prefer a nil authz here and
// RequireCaller, which answers 403 instead of breaking the connection.
//
// The certificate comes from GetCertificate, so a rotation applies from
// the next handshake on. Session tickets are off: every connection does a
// full handshake, sees the current certificate, and cannot resume past its
// peer's expiry. A nil clock means crypto/tls's and crypto/x509's own wall
// clock.
func ServerTLS(w *Workload, mode Mode, authz *Authz, clock func() time.Time) *tls.Config {
	if mode == ModeOff {
		return nil
	}
	to := w.service
	return &tls.Config{
		MinVersion: tls.VersionTLS13, // both ends are Baton's, as in Linkerd
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return &w.Cert().TLS, nil
		},
		ClientAuth:             tls.RequireAndVerifyClientCert,
		ClientCAs:              w.ca.Pool(),
		Time:                   clock,
		SessionTicketsDisabled: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.VerifiedChains) == 0 || len(cs.VerifiedChains[0]) == 0 {
				return ErrNoPeerCert
			}
			from, err := w.ca.svidService(cs.VerifiedChains[0][0])
			if err != nil {
				return err
			}
			if !authz.Allowed(from, to) {
				return fmt.Errorf("%w: %s may not call %s", ErrDenied, from, to)
			}
			return nil
		},
	}
}

// ClientTLS is the client side of w's mTLS towards service target. It
// presents w's current certificate and accepts only a server whose
// certificate chains to w's CA at clock's time, is an X.509-SVID of the
// trust domain and names target. Host names play no part (the standard
// check is off and VerifyConnection does the real one), so the config
// works for any address target's replicas listen on. One config per
// target: in net/http, one Transport per target service. A nil clock
// means crypto/x509's own wall clock.
func ClientTLS(w *Workload, target string, clock func() time.Time) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS13,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return &w.Cert().TLS, nil
		},
		InsecureSkipVerify: true, // hostname checks only; see VerifyConnection
		Time:               clock,
		VerifyConnection: func(cs tls.ConnectionState) error {
			got, err := w.ca.Verify(cs.PeerCertificates, x509.ExtKeyUsageServerAuth, at(clock))
			if err != nil {
				return err
			}
			if got != target {
				return fmt.Errorf("%w: server is %s, want %s", ErrWrongPeer, w.ca.ID(got), w.ca.ID(target))
			}
			return nil
		},
	}
}

func at(clock func() time.Time) time.Time {
	if clock == nil {
		return time.Time{}
	}
	return clock()
}

// Listener wraps ln for a server in mode: TLS only for strict, TLS and
// plaintext for permissive (see PermissiveListener), ln itself for off.
// cfg is ServerTLS's; it is ignored for off.
func Listener(ln net.Listener, mode Mode, cfg *tls.Config) net.Listener {
	switch mode {
	case ModeOff:
		return ln
	case ModePermissive:
		return PermissiveListener(ln, cfg)
	}
	return tls.NewListener(ln, cfg)
}
