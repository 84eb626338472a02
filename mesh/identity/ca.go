package identity

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net/url"
	"sync/atomic"
	"time"
)

// CA is an in-memory certificate authority for one trust domain: a
// self-signed ECDSA P-256 root that signs workload leaves directly (no
// intermediates, as Istio's self-signed istiod CA). It is safe for
// concurrent use.
type CA struct {
	opts CAOptions // resolved
	root *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool // never handed out: Pool returns clones

	// serial counts certificates; the root is 1. A counter rather than
	// random serials makes serials unique by construction and readable in
	// tests and telemetry; a private CA signing with SHA-256 has no
	// chosen-prefix collision to defend against with serial entropy.
	serial atomic.Uint64
}

// Cert is an issued X.509-SVID with its key. Treat it as read-only: the
// Workload shares it with every handshake.
type Cert struct {
	Service   string
	ID        string // spiffe://<trust-domain>/service/<Service>
	Serial    uint64
	NotBefore time.Time // UTC, as encoded
	NotAfter  time.Time // UTC, as encoded
	// TLS is the certificate as handshakes serve it: the leaf (no root,
	// which peers already hold) with Leaf parsed and the private key.
	TLS tls.Certificate
}

// Leaf is the parsed certificate.
func (c *Cert) Leaf() *x509.Certificate { return c.TLS.Leaf }

// Lifetime is NotAfter - NotBefore, the span RotateAt is a fraction of.
func (c *Cert) Lifetime() time.Duration { return c.NotAfter.Sub(c.NotBefore) }

// NewCA creates the root for opts.TrustDomain, valid from opts.Now minus
// the clock skew to opts.Now plus RootTTL.
func NewCA(opts CAOptions) (*CA, error) {
	o, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("identity: root key: %w", err)
	}
	ca := &CA{opts: o, key: key}
	base := o.Now.Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber:          new(big.Int).SetUint64(ca.serial.Add(1)),
		Subject:               pkix.Name{Organization: []string{o.TrustDomain}, CommonName: "Baton mesh root CA"},
		NotBefore:             base.Add(-o.ClockSkew),
		NotAfter:              base.Add(o.RootTTL),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		// Leaves hang off the root directly; forbid intermediates so a
		// leaf key can never sign a certificate that verifies.
		MaxPathLen:     0,
		MaxPathLenZero: true,
		// A signing certificate carries the trust domain's own ID, as
		// SPIRE's do (X509-SVID §3.2).
		URIs: []*url.URL{{Scheme: "spiffe", Host: o.TrustDomain}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("identity: create root: %w", err)
	}
	if ca.root, err = x509.ParseCertificate(der); err != nil {
		return nil, fmt.Errorf("identity: parse root: %w", err)
	}
	ca.pool = x509.NewCertPool()
	ca.pool.AddCert(ca.root)
	return ca, nil
}

// TrustDomain is the CA's trust domain.
func (ca *CA) TrustDomain() string { return ca.opts.TrustDomain }

// Options are the options the CA runs with, defaults applied.
func (ca *CA) Options() CAOptions { return ca.opts }

// Root is the trust anchor. Do not modify it.
func (ca *CA) Root() *x509.Certificate { return ca.root }

// Pool is a new pool holding the trust anchors, the caller's to modify.
func (ca *CA) Pool() *x509.CertPool { return ca.pool.Clone() }

// ID is service's SPIFFE ID in this CA's trust domain.
func (ca *CA) ID(service string) string { return ServiceID(ca.opts.TrustDomain, service) }

// Issue signs a new leaf for service at now: a fresh P-256 key, the only
// URI SAN spiffe://<trust-domain>/service/<service>, usable for both
// server and client authentication, valid from now minus the clock skew
// to now plus TTL (now is first truncated to the second, the resolution
// x509 encodes). It fails with ErrOutsideRoot when the root would not
// cover that span.
func (ca *CA) Issue(service string, now time.Time) (*Cert, error) {
	if err := ValidateService(service); err != nil {
		return nil, err
	}
	base := now.Truncate(time.Second)
	nb, na := base.Add(-ca.opts.ClockSkew), base.Add(ca.opts.TTL)
	if nb.Before(ca.root.NotBefore) || na.After(ca.root.NotAfter) {
		return nil, fmt.Errorf("identity: issue %s valid %s to %s, root valid %s to %s: %w",
			service, nb.UTC().Format(time.RFC3339), na.UTC().Format(time.RFC3339),
			ca.root.NotBefore.Format(time.RFC3339), ca.root.NotAfter.Format(time.RFC3339), ErrOutsideRoot)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("identity: key for %s: %w", service, err)
	}
	serial := ca.serial.Add(1)
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetUint64(serial),
		Subject:      pkix.Name{Organization: []string{ca.opts.TrustDomain}, CommonName: service},
		NotBefore:    nb,
		NotAfter:     na,
		// X509-SVID §4.3: a leaf has digitalSignature and neither
		// keyCertSign nor cRLSign; keyEncipherment is for RSA only.
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  false,
		URIs:                  []*url.URL{serviceURL(ca.opts.TrustDomain, service)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.root, &key.PublicKey, ca.key)
	if err != nil {
		return nil, fmt.Errorf("identity: sign %s: %w", service, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("identity: parse %s: %w", service, err)
	}
	return &Cert{
		Service:   service,
		ID:        ca.ID(service),
		Serial:    serial,
		NotBefore: leaf.NotBefore,
		NotAfter:  leaf.NotAfter,
		TLS:       tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf},
	}, nil
}

// Verify checks a peer's chain (leaf first, as tls.ConnectionState's
// PeerCertificates) against the root at now, for usage, then checks the
// leaf is an X.509-SVID of this trust domain, and returns its service. A
// zero now makes crypto/x509 use its own wall clock.
func (ca *CA) Verify(chain []*x509.Certificate, usage x509.ExtKeyUsage, now time.Time) (string, error) {
	if len(chain) == 0 {
		return "", ErrNoPeerCert
	}
	opts := x509.VerifyOptions{Roots: ca.pool, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{usage}}
	if len(chain) > 1 {
		opts.Intermediates = x509.NewCertPool()
		for _, c := range chain[1:] {
			opts.Intermediates.AddCert(c)
		}
	}
	if _, err := chain[0].Verify(opts); err != nil {
		return "", fmt.Errorf("identity: verify peer: %w", err)
	}
	return ca.svidService(chain[0])
}

// svidService applies the X.509-SVID leaf rules (§4, §5.2) to a leaf that
// already chains to the root, and returns its service.
func (ca *CA) svidService(leaf *x509.Certificate) (string, error) {
	switch {
	case leaf.IsCA:
		return "", fmt.Errorf("%w: leaf is a CA", ErrNotSVID)
	case leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0:
		return "", fmt.Errorf("%w: leaf lacks digitalSignature key usage", ErrNotSVID)
	case leaf.KeyUsage&(x509.KeyUsageCertSign|x509.KeyUsageCRLSign) != 0:
		return "", fmt.Errorf("%w: leaf has keyCertSign or cRLSign key usage", ErrNotSVID)
	case len(leaf.URIs) != 1:
		// Validators MUST reject more than one URI SAN (§2).
		return "", fmt.Errorf("%w: %d URI SANs, want exactly 1", ErrNotSVID, len(leaf.URIs))
	}
	td, svc, err := ParseServiceID(leaf.URIs[0].String())
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNotSVID, err)
	}
	if td != ca.opts.TrustDomain {
		return "", fmt.Errorf("%w: trust domain %q, want %q", ErrNotSVID, td, ca.opts.TrustDomain)
	}
	return svc, nil
}
