package identity

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/url"
	"testing"
)

func TestNewAuthzErrors(t *testing.T) {
	tests := []struct {
		name  string
		rules []Rule
		want  string
	}{
		{"empty target", []Rule{{From: []string{"a"}}}, "identity: rules[0].to: identity: invalid service name: empty"},
		{"bad caller", []Rule{{To: "cart", From: []string{"ok", "no/pe"}}},
			`identity: rules[0].from[1]: identity: invalid service name "no/pe": byte '/' at 2 (want letters, digits, '.', '-', '_')`},
		{"duplicate target", []Rule{{To: "cart"}, {To: "search"}, {To: "cart", From: []string{"a"}}},
			"identity: rules[2].to: second rule for cart (first is rules[0])"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := NewAuthz(tt.rules)
			if a != nil || errText(err) != tt.want {
				t.Fatalf("NewAuthz = %v, %v; want nil, %q", a, err, tt.want)
			}
			if !errors.Is(err, ErrInvalidOptions) {
				t.Errorf("errors.Is(%v, ErrInvalidOptions) = false", err)
			}
		})
	}
}

func TestAllowed(t *testing.T) {
	a, err := NewAuthz([]Rule{
		{To: "cart", From: []string{"frontend", "checkout"}},
		{To: "admin"}, // no caller at all
		{To: "search", From: []string{AnyService}},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		from, to string
		want     bool
	}{
		{"frontend", "cart", true},
		{"checkout", "cart", true},
		{"search", "cart", false},
		{"", "cart", false}, // plaintext
		{"Frontend", "cart", false},
		{"frontend", "admin", false},
		{"", "admin", false},
		{"anyone", "search", true},
		{"", "search", false}, // * means authenticated
		{"anyone", "catalog", true},
		{"", "catalog", true}, // no rule names catalog
	}
	for _, tt := range tests {
		if got := a.Allowed(tt.from, tt.to); got != tt.want {
			t.Errorf("Allowed(%q, %q) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
	var none *Authz
	if !none.Allowed("", "cart") {
		t.Error("nil Authz denied, want allow")
	}
}

func TestPeerService(t *testing.T) {
	ca := newCA(t, CAOptions{})
	c, err := ca.Issue("cart", t0)
	if err != nil {
		t.Fatal(err)
	}
	two := forge(t, ca, func(x *x509.Certificate) { x.URIs = append(x.URIs, serviceURL("baton.local", "b")) })
	istio := forge(t, ca, func(x *x509.Certificate) { x.URIs = []*url.URL{mustURL("spiffe://baton.local/ns/default/sa/cart")} })
	tests := []struct {
		name  string
		state tls.ConnectionState
		want  string
		ok    bool
	}{
		{"verified", tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{c.Leaf(), ca.Root()}}}, "cart", true},
		{"plaintext-like empty state", tls.ConnectionState{}, "", false},
		{"unverified peer certificate", tls.ConnectionState{PeerCertificates: []*x509.Certificate{c.Leaf()}}, "", false},
		{"empty chain", tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{}}}, "", false},
		{"two URI SANs", tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{two.Leaf()}}}, "", false},
		{"not a Baton ID", tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{istio.Leaf()}}}, "", false},
	}
	for _, tt := range tests {
		if got, ok := PeerService(tt.state); got != tt.want || ok != tt.ok {
			t.Errorf("%s: PeerService = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

// TestRequireCaller: over real TLS, with cart allowing only frontend and
// checkout and catalog open to all. Permissive mode lets plaintext
// callers in, so they reach the authorization check without an identity.
func TestRequireCaller(t *testing.T) {
	m := newMesh(t, CAOptions{})
	checkout := newWorkload(t, m.ca, "checkout", t0, WorkloadOptions{})
	search := newWorkload(t, m.ca, "search", t0, WorkloadOptions{})
	catalog := newWorkload(t, m.ca, "catalog", t0, WorkloadOptions{})
	authz, err := NewAuthz([]Rule{{To: "cart", From: []string{"frontend", "checkout"}}})
	if err != nil {
		t.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	addrs := map[string]string{}
	for _, w := range []*Workload{m.cart, catalog} {
		cfg := ServerTLS(w, ModePermissive, nil, m.clock.Now)
		addrs[w.Service()] = serve(t, Listener(listen(t), ModePermissive, cfg), RequireCaller(authz, w.Service(), ok))
	}
	tests := []struct {
		caller *Workload // nil: plaintext
		target string
		status int
		body   string
	}{
		{m.frontend, "cart", 200, "ok"},
		{checkout, "cart", 200, "ok"},
		{search, "cart", 403, "identity: service search may not call cart\n"},
		{nil, "cart", 403, "identity: unauthenticated caller may not call cart\n"},
		{search, "catalog", 200, "ok"},
		{nil, "catalog", 200, "ok"},
	}
	for _, tt := range tests {
		name, url, cfg := "plaintext", "http://"+addrs[tt.target]+"/", (*tls.Config)(nil)
		if tt.caller != nil {
			name, url, cfg = tt.caller.Service(), "https://"+addrs[tt.target]+"/", ClientTLS(tt.caller, tt.target, m.clock.Now)
		}
		got, err := get(client(t, cfg, false), url)
		if err != nil || got.status != tt.status || got.body != tt.body {
			t.Errorf("%s -> %s: %+v, %v; want %d %q", name, tt.target, got, err, tt.status, tt.body)
		}
	}
}
