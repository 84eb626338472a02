package live

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// classHeader marks a request of a client class that presents a
// certificate, so the driver's transport can send it on that class's
// connections; the transport removes it before the request leaves.
const classHeader = "X-Baton-Load-Class"

var errPinned = errors.New("live: the gateway presented a certificate other than its tls.cert_file")

// loadClassCerts reads the client certificates of the load's client
// classes, so a bad file fails Start rather than every request.
func (in *Instance) loadClassCerts() error {
	for i, c := range in.sc.Load.Clients {
		if c.ClientCert == "" && c.ClientKey == "" {
			continue
		}
		at := fmt.Sprintf("live: load.clients[%d]", i)
		if c.ClientCert == "" || c.ClientKey == "" {
			return fmt.Errorf("%s: client_cert and client_key go together", at)
		}
		if in.gw.TLSConfig() == nil {
			return fmt.Errorf("%s: client_cert needs a gateway tls block to present it to", at)
		}
		kp, err := tls.LoadX509KeyPair(c.ClientCert, c.ClientKey)
		if err != nil {
			return fmt.Errorf("%s.client_cert: %w", at, err)
		}
		if in.classCerts == nil {
			in.classCerts = map[string]tls.Certificate{}
		}
		in.classCerts[c.Name] = kp
	}
	return nil
}

// clientTLS is the driver's TLS configuration for the gateway, presenting
// cert when it is not nil.
//
// The driver pins the gateway's own certificate (the leaf of
// tls.cert_file) rather than verifying a chain: it dials a listener this
// engine just started with that very certificate, so the pin proves what
// matters whether the certificate is self-signed or issued by a CA the
// scenario does not name, and a test CA needs no installing.
func (in *Instance) clientTLS(cert *tls.Certificate) *tls.Config {
	leaf := in.gw.TLSConfig().Certificates[0].Leaf
	c := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // replaced by the pin below
		VerifyConnection: func(cs tls.ConnectionState) error {
			if leaf == nil || len(cs.PeerCertificates) == 0 || !bytes.Equal(cs.PeerCertificates[0].Raw, leaf.Raw) {
				return errPinned
			}
			return nil
		},
	}
	if cert != nil {
		// Always present it: Go's client otherwise withholds a
		// certificate whose issuer the server's CA list does not name,
		// and a misconfigured class should fail its handshakes loudly,
		// not turn into anonymous 401s.
		c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
	return c
}

// newTransport is one pool of connections to the gateway.
func (in *Instance) newTransport(tlsCfg *tls.Config) *http.Transport {
	return &http.Transport{
		MaxIdleConnsPerHost: 10000,
		DisableCompression:  true,
		IdleConnTimeout:     90 * time.Second,
		TLSClientConfig:     tlsCfg,
	}
}

// classTransport sends each request on its client class's transport (one
// per class with a certificate) and the rest on base.
type classTransport struct {
	base    *http.Transport
	byClass map[string]*http.Transport
}

// transports builds the driver's round tripper: plain when the gateway
// serves HTTP, and with one transport per certificate-bearing class when
// it serves TLS.
func (in *Instance) transports() *classTransport {
	ct := &classTransport{}
	if in.gw.TLSConfig() == nil {
		ct.base = in.newTransport(nil)
		return ct
	}
	ct.base = in.newTransport(in.clientTLS(nil))
	for name, kp := range in.classCerts {
		if ct.byClass == nil {
			ct.byClass = map[string]*http.Transport{}
		}
		ct.byClass[name] = in.newTransport(in.clientTLS(&kp))
	}
	return ct
}

func (ct *classTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	class := r.Header.Get(classHeader)
	if class == "" {
		return ct.base.RoundTrip(r)
	}
	// A RoundTripper must not change its request: send a shallow copy
	// whose header lacks the marker.
	r2 := *r
	r2.Header = r.Header.Clone()
	r2.Header.Del(classHeader)
	t, ok := ct.byClass[class]
	if !ok {
		t = ct.base
	}
	return t.RoundTrip(&r2)
}

func (ct *classTransport) CloseIdleConnections() {
	ct.base.CloseIdleConnections()
	for _, t := range ct.byClass {
		t.CloseIdleConnections()
	}
}
