package identity

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"math/big"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCAOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		opts CAOptions
		want string // "" for valid; else the error text
	}{
		{"defaults", CAOptions{Now: t0}, ""},
		{"seconds TTL", CAOptions{Now: t0, TTL: 2 * time.Second}, ""},
		{"no backdating", CAOptions{Now: t0, TTL: time.Second, ClockSkew: -1}, ""},
		{"no now", CAOptions{}, "identity: CAOptions.Now: must be set to the engine's clock"},
		{"bad trust domain", CAOptions{Now: t0, TrustDomain: "Baton.Local"},
			`identity: CAOptions.TrustDomain: identity: invalid trust domain "Baton.Local": byte 'B' at 0 (want a-z, 0-9, '.', '-', '_')`},
		{"short TTL", CAOptions{Now: t0, TTL: 500 * time.Millisecond},
			"identity: CAOptions.TTL: must be at least 1s, got 500ms"},
		{"negative TTL", CAOptions{Now: t0, TTL: -time.Hour},
			"identity: CAOptions.TTL: must be at least 1s, got -1h0m0s"},
		{"fractional TTL", CAOptions{Now: t0, TTL: 1500 * time.Millisecond},
			"identity: CAOptions.TTL: must be a whole number of seconds (x509 validity has one-second resolution), got 1.5s"},
		{"fractional skew", CAOptions{Now: t0, ClockSkew: 1500 * time.Millisecond},
			"identity: CAOptions.ClockSkew: must be a whole number of seconds (x509 validity has one-second resolution), got 1.5s"},
		{"skew as long as TTL", CAOptions{Now: t0, TTL: 10 * time.Second, ClockSkew: 10 * time.Second},
			"identity: CAOptions.ClockSkew: must be less than TTL 10s, got 10s"},
		{"root shorter than leaves", CAOptions{Now: t0, RootTTL: time.Minute},
			"identity: CAOptions.RootTTL: must be at least 1h0m0s, got 1m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opts.Validate()
			if got := errText(err); got != tt.want {
				t.Fatalf("Validate() = %q, want %q", got, tt.want)
			}
			if err != nil {
				if !errors.Is(err, ErrInvalidOptions) {
					t.Errorf("errors.Is(%v, ErrInvalidOptions) = false, want true", err)
				}
				if _, nerr := NewCA(tt.opts); errText(nerr) != tt.want {
					t.Errorf("NewCA error = %v, want %q", nerr, tt.want)
				}
			}
		})
	}
}

func TestCAOptionsDefaults(t *testing.T) {
	tests := []struct {
		name string
		opts CAOptions
		want CAOptions
	}{
		{"zero", CAOptions{Now: t0},
			CAOptions{Now: t0, TrustDomain: "baton.local", TTL: time.Hour, ClockSkew: time.Minute, RootTTL: 87600 * time.Hour}},
		{"skew is a tenth of a short TTL", CAOptions{Now: t0, TTL: 30 * time.Second},
			CAOptions{Now: t0, TrustDomain: "baton.local", TTL: 30 * time.Second, ClockSkew: 3 * time.Second, RootTTL: 87600 * time.Hour}},
		{"skew rounds down to seconds", CAOptions{Now: t0, TTL: 5 * time.Second},
			CAOptions{Now: t0, TrustDomain: "baton.local", TTL: 5 * time.Second, ClockSkew: 0, RootTTL: 87600 * time.Hour}},
		{"negative skew is none", CAOptions{Now: t0, TrustDomain: "mesh.test", ClockSkew: -time.Second, RootTTL: 48 * time.Hour},
			CAOptions{Now: t0, TrustDomain: "mesh.test", TTL: time.Hour, ClockSkew: 0, RootTTL: 48 * time.Hour}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := newCA(t, tt.opts).Options(); got != tt.want {
				t.Errorf("Options() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRoot(t *testing.T) {
	ca := newCA(t, CAOptions{Now: t0.Add(300 * time.Millisecond)}) // truncated to t0
	r := ca.Root()
	if got, want := r.SerialNumber.Uint64(), uint64(1); got != want {
		t.Errorf("root serial = %d, want %d", got, want)
	}
	if !r.IsCA || !r.BasicConstraintsValid || r.MaxPathLen != 0 || !r.MaxPathLenZero {
		t.Errorf("root constraints: IsCA %v, valid %v, MaxPathLen %d zero %v; want a CA with path length 0",
			r.IsCA, r.BasicConstraintsValid, r.MaxPathLen, r.MaxPathLenZero)
	}
	if got, want := r.KeyUsage, x509.KeyUsageCertSign|x509.KeyUsageCRLSign; got != want {
		t.Errorf("root KeyUsage = %v, want %v", got, want)
	}
	if got, want := r.NotBefore, t0.Add(-time.Minute); !got.Equal(want) {
		t.Errorf("root NotBefore = %v, want %v", got, want)
	}
	if got, want := r.NotAfter, t0.Add(DefaultRootTTL); !got.Equal(want) {
		t.Errorf("root NotAfter = %v, want %v", got, want)
	}
	if got, want := urls(r.URIs), []string{"spiffe://baton.local"}; !slices.Equal(got, want) {
		t.Errorf("root URIs = %q, want %q", got, want)
	}
	if err := r.CheckSignatureFrom(r); err != nil {
		t.Errorf("root is not self-signed: %v", err)
	}
	if _, ok := r.PublicKey.(*ecdsa.PublicKey); !ok || r.PublicKey.(*ecdsa.PublicKey).Curve != elliptic.P256() {
		t.Errorf("root key %T, want ECDSA P-256", r.PublicKey)
	}
	// Pool hands out clones: adding to one does not touch the CA's.
	p := ca.Pool()
	p.AddCert(newCA(t, CAOptions{}).Root())
	want := x509.NewCertPool()
	want.AddCert(r)
	if !ca.Pool().Equal(want) || ca.Pool().Equal(p) {
		t.Errorf("CA pool changed after a caller added a root to its clone, want the root alone")
	}
}

func urls(us []*url.URL) []string {
	var s []string
	for _, u := range us {
		s = append(s, u.String())
	}
	return s
}

func TestIssue(t *testing.T) {
	tests := []struct {
		name      string
		opts      CAOptions
		service   string
		at        time.Time
		wantID    string
		wantNB    time.Time
		wantNA    time.Time
		wantCN    string
		wantOrgTD string
	}{
		{"defaults", CAOptions{}, "cart", t0,
			"spiffe://baton.local/service/cart", t0.Add(-time.Minute), t0.Add(time.Hour), "cart", "baton.local"},
		{"later, sub-second now truncated", CAOptions{}, "checkout", t0.Add(90*time.Second + 999*time.Millisecond),
			"spiffe://baton.local/service/checkout", t0.Add(30 * time.Second), t0.Add(time.Hour + 90*time.Second), "checkout", "baton.local"},
		{"seconds TTL", CAOptions{TTL: 10 * time.Second}, "a.b-c_D9", t0,
			"spiffe://baton.local/service/a.b-c_D9", t0.Add(-time.Second), t0.Add(10 * time.Second), "a.b-c_D9", "baton.local"},
		{"no skew, own trust domain", CAOptions{TrustDomain: "prod.example", TTL: 24 * time.Hour, ClockSkew: -1}, "frontend", t0,
			"spiffe://prod.example/service/frontend", t0, t0.Add(24 * time.Hour), "frontend", "prod.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca := newCA(t, tt.opts)
			c, err := ca.Issue(tt.service, tt.at)
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			l := c.Leaf()
			if got := urls(l.URIs); !slices.Equal(got, []string{tt.wantID}) {
				t.Errorf("URI SANs = %q, want exactly [%q]", got, tt.wantID)
			}
			if c.ID != tt.wantID || c.Service != tt.service {
				t.Errorf("ID, Service = %q, %q; want %q, %q", c.ID, c.Service, tt.wantID, tt.service)
			}
			if len(l.DNSNames)+len(l.IPAddresses)+len(l.EmailAddresses) != 0 {
				t.Errorf("other SANs: DNS %q IP %v email %q, want none", l.DNSNames, l.IPAddresses, l.EmailAddresses)
			}
			if !l.NotBefore.Equal(tt.wantNB) || !c.NotBefore.Equal(tt.wantNB) {
				t.Errorf("NotBefore = %v (Cert %v), want %v", l.NotBefore, c.NotBefore, tt.wantNB)
			}
			if !l.NotAfter.Equal(tt.wantNA) || !c.NotAfter.Equal(tt.wantNA) {
				t.Errorf("NotAfter = %v (Cert %v), want %v", l.NotAfter, c.NotAfter, tt.wantNA)
			}
			if got, want := c.Lifetime(), tt.wantNA.Sub(tt.wantNB); got != want {
				t.Errorf("Lifetime() = %v, want %v", got, want)
			}
			if l.IsCA || !l.BasicConstraintsValid {
				t.Errorf("IsCA %v, BasicConstraintsValid %v; want a leaf with basic constraints CA:false", l.IsCA, l.BasicConstraintsValid)
			}
			if got, want := l.KeyUsage, x509.KeyUsageDigitalSignature; got != want {
				t.Errorf("KeyUsage = %v, want %v", got, want)
			}
			if got, want := l.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}; !slices.Equal(got, want) {
				t.Errorf("ExtKeyUsage = %v, want %v", got, want)
			}
			if l.Subject.CommonName != tt.wantCN || !slices.Equal(l.Subject.Organization, []string{tt.wantOrgTD}) {
				t.Errorf("Subject = %v, want CN=%s O=%s", l.Subject, tt.wantCN, tt.wantOrgTD)
			}
			if err := l.CheckSignatureFrom(ca.Root()); err != nil {
				t.Errorf("leaf not signed by the root: %v", err)
			}
			if k, ok := c.TLS.PrivateKey.(*ecdsa.PrivateKey); !ok || k.Curve != elliptic.P256() {
				t.Errorf("private key %T, want ECDSA P-256", c.TLS.PrivateKey)
			}
			if got, want := len(c.TLS.Certificate), 1; got != want {
				t.Errorf("TLS chain length = %d, want %d (the leaf alone)", got, want)
			}
			svc, err := ca.Verify([]*x509.Certificate{l}, x509.ExtKeyUsageClientAuth, tt.at)
			if svc != tt.service || err != nil {
				t.Errorf("Verify = %q, %v; want %q, nil", svc, err, tt.service)
			}
		})
	}
}

func TestIssueSerialsUnique(t *testing.T) {
	ca := newCA(t, CAOptions{TTL: 10 * time.Second})
	const n = 20
	seen := map[uint64]bool{}
	for i := range n {
		c, err := ca.Issue("cart", t0)
		if err != nil {
			t.Fatal(err)
		}
		// The root is serial 1, so leaves count from 2.
		if got, want := c.Serial, uint64(i+2); got != want {
			t.Errorf("issue %d: serial %d, want %d", i, got, want)
		}
		if got := c.Leaf().SerialNumber; got.Cmp(new(big.Int).SetUint64(c.Serial)) != 0 {
			t.Errorf("issue %d: leaf serial %v, Cert.Serial %d", i, got, c.Serial)
		}
		seen[c.Serial] = true
	}
	if got := len(seen); got != n {
		t.Errorf("%d distinct serials in %d issues, want %d", got, n, n)
	}
}

func TestIssueErrors(t *testing.T) {
	ca := newCA(t, CAOptions{TTL: time.Hour, RootTTL: 2 * time.Hour})
	tests := []struct {
		name    string
		service string
		at      time.Time
		want    error
		text    string
	}{
		{"empty service", "", t0, ErrInvalidService, "identity: invalid service name: empty"},
		{"slash", "a/b", t0, ErrInvalidService, `identity: invalid service name "a/b": byte '/' at 1 (want letters, digits, '.', '-', '_')`},
		{"dot dot", "..", t0, ErrInvalidService, `identity: invalid service name "..": a relative path segment`},
		{"before the root", "cart", t0.Add(-time.Second), ErrOutsideRoot,
			"identity: issue cart valid 2026-03-04T05:05:06Z to 2026-03-04T06:06:06Z, root valid 2026-03-04T05:05:07Z to 2026-03-04T07:06:07Z: identity: leaf validity outside the root's"},
		{"outliving the root", "cart", t0.Add(time.Hour + time.Second), ErrOutsideRoot,
			"identity: issue cart valid 2026-03-04T06:05:08Z to 2026-03-04T07:06:08Z, root valid 2026-03-04T05:05:07Z to 2026-03-04T07:06:07Z: identity: leaf validity outside the root's"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ca.Issue(tt.service, tt.at)
			if c != nil || !errors.Is(err, tt.want) || err.Error() != tt.text {
				t.Fatalf("Issue = %v, %v; want nil, %q", c, err, tt.text)
			}
		})
	}
	// The last instant the root covers still issues.
	if _, err := ca.Issue("cart", t0.Add(time.Hour)); err != nil {
		t.Errorf("Issue at root NotAfter - TTL: %v, want nil", err)
	}
}

// forge signs a leaf with ca's root key from an arbitrary template: the
// certificates a buggy or hostile CA could issue.
func forge(tb testing.TB, ca *CA, edit func(*x509.Certificate)) *Cert {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1000),
		NotBefore:             t0,
		NotAfter:              t0.Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		URIs:                  []*url.URL{serviceURL(ca.TrustDomain(), "cart")},
	}
	edit(tmpl)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.root, &key.PublicKey, ca.key)
	if err != nil {
		tb.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	c := &Cert{Service: "forged", Serial: 1000, NotBefore: leaf.NotBefore, NotAfter: leaf.NotAfter}
	c.TLS.Certificate, c.TLS.PrivateKey, c.TLS.Leaf = [][]byte{der}, key, leaf
	return c
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestVerify(t *testing.T) {
	ca := newCA(t, CAOptions{})
	other := newCA(t, CAOptions{})
	good, err := ca.Issue("cart", t0)
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := other.Issue("cart", t0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		chain []*x509.Certificate
		at    time.Time
		want  string // service
		err   error
		text  string // a substring of the error
	}{
		{"good", []*x509.Certificate{good.Leaf()}, t0, "cart", nil, ""},
		{"good at NotAfter", []*x509.Certificate{good.Leaf()}, good.NotAfter, "cart", nil, ""},
		{"expired", []*x509.Certificate{good.Leaf()}, good.NotAfter.Add(time.Second), "", nil, "certificate has expired or is not yet valid"},
		{"not yet valid", []*x509.Certificate{good.Leaf()}, good.NotBefore.Add(-time.Second), "", nil, "certificate has expired or is not yet valid"},
		{"other CA", []*x509.Certificate{foreign.Leaf()}, t0, "", nil, "certificate signed by unknown authority"},
		{"no chain", nil, t0, "", ErrNoPeerCert, "identity: peer presented no certificate"},
		{"two URI SANs", []*x509.Certificate{forge(t, ca, func(c *x509.Certificate) {
			c.URIs = append(c.URIs, serviceURL(ca.TrustDomain(), "admin"))
		}).Leaf()}, t0, "", ErrNotSVID, "2 URI SANs, want exactly 1"},
		{"no URI SAN", []*x509.Certificate{forge(t, ca, func(c *x509.Certificate) {
			c.URIs, c.DNSNames = nil, []string{"cart"}
		}).Leaf()}, t0, "", ErrNotSVID, "0 URI SANs, want exactly 1"},
		{"other trust domain", []*x509.Certificate{forge(t, ca, func(c *x509.Certificate) {
			c.URIs = []*url.URL{serviceURL("evil.local", "cart")}
		}).Leaf()}, t0, "", ErrNotSVID, `trust domain "evil.local", want "baton.local"`},
		{"Istio-shaped ID", []*x509.Certificate{forge(t, ca, func(c *x509.Certificate) {
			c.URIs = []*url.URL{mustURL("spiffe://baton.local/ns/default/sa/cart")}
		}).Leaf()}, t0, "", ErrNotSVID, `path "/ns/default/sa/cart", want /service/<name>`},
		{"leaf is a CA", []*x509.Certificate{forge(t, ca, func(c *x509.Certificate) {
			c.IsCA, c.KeyUsage = true, x509.KeyUsageDigitalSignature|x509.KeyUsageCertSign
		}).Leaf()}, t0, "", ErrNotSVID, "leaf is a CA"},
		{"keyCertSign without CA", []*x509.Certificate{forge(t, ca, func(c *x509.Certificate) {
			c.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign
		}).Leaf()}, t0, "", ErrNotSVID, "leaf has keyCertSign or cRLSign key usage"},
		{"no digitalSignature", []*x509.Certificate{forge(t, ca, func(c *x509.Certificate) {
			c.KeyUsage = x509.KeyUsageKeyAgreement
		}).Leaf()}, t0, "", ErrNotSVID, "leaf lacks digitalSignature key usage"},
		{"client-only EKU", []*x509.Certificate{forge(t, ca, func(c *x509.Certificate) {
			c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		}).Leaf()}, t0, "", nil, "certificate specifies an incompatible key usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ca.Verify(tt.chain, x509.ExtKeyUsageServerAuth, tt.at)
			if got != tt.want {
				t.Errorf("Verify service = %q, want %q", got, tt.want)
			}
			if tt.text == "" {
				if err != nil {
					t.Errorf("Verify error = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("Verify error = %v, want it to contain %q", err, tt.text)
			}
			if tt.err != nil && !errors.Is(err, tt.err) {
				t.Errorf("errors.Is(%v, %v) = false, want true", err, tt.err)
			}
		})
	}
}
