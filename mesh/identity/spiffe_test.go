package identity

import (
	"errors"
	"strings"
	"testing"
)

func TestParseServiceID(t *testing.T) {
	tests := []struct {
		id      string
		td, svc string
		err     string // "" for valid
	}{
		{"spiffe://baton.local/service/cart", "baton.local", "cart", ""},
		{"spiffe://a/service/B.c-d_9", "a", "B.c-d_9", ""},
		{"spiffe://" + strings.Repeat("t", 255) + "/service/" + strings.Repeat("s", 255), strings.Repeat("t", 255), strings.Repeat("s", 255), ""},
		{"", "", "", `identity: invalid SPIFFE ID "": want scheme "spiffe://"`},
		{"SPIFFE://baton.local/service/cart", "", "", `identity: invalid SPIFFE ID "SPIFFE://baton.local/service/cart": want scheme "spiffe://"`},
		{"https://baton.local/service/cart", "", "", `identity: invalid SPIFFE ID "https://baton.local/service/cart": want scheme "spiffe://"`},
		{"spiffe://baton.local", "", "", `identity: invalid SPIFFE ID "spiffe://baton.local": no path, want spiffe://<trust-domain>/service/<name>`},
		{"spiffe:///service/cart", "", "", `identity: invalid SPIFFE ID "spiffe:///service/cart": identity: invalid trust domain: empty`},
		{"spiffe://Baton.local/service/cart", "", "", `identity: invalid SPIFFE ID "spiffe://Baton.local/service/cart": identity: invalid trust domain "Baton.local": byte 'B' at 0 (want a-z, 0-9, '.', '-', '_')`},
		{"spiffe://baton.local:8443/service/cart", "", "", `identity: invalid SPIFFE ID "spiffe://baton.local:8443/service/cart": identity: invalid trust domain "baton.local:8443": byte ':' at 11 (want a-z, 0-9, '.', '-', '_')`},
		{"spiffe://u@baton.local/service/cart", "", "", `identity: invalid SPIFFE ID "spiffe://u@baton.local/service/cart": identity: invalid trust domain "u@baton.local": byte '@' at 1 (want a-z, 0-9, '.', '-', '_')`},
		{"spiffe://" + strings.Repeat("t", 256) + "/service/cart", "", "", `identity: invalid SPIFFE ID "spiffe://` + strings.Repeat("t", 256) + `/service/cart": identity: invalid trust domain: 256 bytes, at most 255`},
		{"spiffe://baton.local/ns/default/sa/cart", "", "", `identity: invalid SPIFFE ID "spiffe://baton.local/ns/default/sa/cart": path "/ns/default/sa/cart", want /service/<name>`},
		{"spiffe://baton.local/service/", "", "", `identity: invalid SPIFFE ID "spiffe://baton.local/service/": identity: invalid service name: empty`},
		{"spiffe://baton.local/service/cart/", "", "", `identity: invalid SPIFFE ID "spiffe://baton.local/service/cart/": identity: invalid service name "cart/": byte '/' at 4 (want letters, digits, '.', '-', '_')`},
		{"spiffe://baton.local/service/cart/v2", "", "", `identity: invalid SPIFFE ID "spiffe://baton.local/service/cart/v2": identity: invalid service name "cart/v2": byte '/' at 4 (want letters, digits, '.', '-', '_')`},
		{"spiffe://baton.local/service/..", "", "", `identity: invalid SPIFFE ID "spiffe://baton.local/service/..": identity: invalid service name "..": a relative path segment`},
		{"spiffe://baton.local/service/ca%72t", "", "", `identity: invalid SPIFFE ID "spiffe://baton.local/service/ca%72t": identity: invalid service name "ca%72t": byte '%' at 2 (want letters, digits, '.', '-', '_')`},
		{"spiffe://baton.local/service/cart?x=1", "", "", `identity: invalid SPIFFE ID "spiffe://baton.local/service/cart?x=1": identity: invalid service name "cart?x=1": byte '?' at 4 (want letters, digits, '.', '-', '_')`},
		{"spiffe://baton.local/service/cart#f", "", "", `identity: invalid SPIFFE ID "spiffe://baton.local/service/cart#f": identity: invalid service name "cart#f": byte '#' at 4 (want letters, digits, '.', '-', '_')`},
		{"spiffe://baton.local/service/" + strings.Repeat("s", 256), "", "", `identity: invalid SPIFFE ID "spiffe://baton.local/service/` + strings.Repeat("s", 256) + `": identity: invalid service name: 256 bytes, at most 255`},
		{"spiffe://" + strings.Repeat("x", 2040), "", "", "identity: invalid SPIFFE ID: 2049 bytes, at most 2048"},
	}
	for _, tt := range tests {
		name := tt.id
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			td, svc, err := ParseServiceID(tt.id)
			if td != tt.td || svc != tt.svc || errText(err) != tt.err {
				t.Fatalf("ParseServiceID(%q) = %q, %q, %v; want %q, %q, %q", tt.id, td, svc, err, tt.td, tt.svc, tt.err)
			}
			if err != nil && !errors.Is(err, ErrInvalidID) {
				t.Errorf("errors.Is(%v, ErrInvalidID) = false", err)
			}
			if err == nil && ServiceID(td, svc) != tt.id {
				t.Errorf("ServiceID(%q, %q) = %q, want %q", td, svc, ServiceID(td, svc), tt.id)
			}
		})
	}
}

func TestServiceURLMatchesServiceID(t *testing.T) {
	for _, svc := range []string{"cart", "A.b-c_9"} {
		if got, want := serviceURL("baton.local", svc).String(), ServiceID("baton.local", svc); got != want {
			t.Errorf("serviceURL(%q) = %q, want %q", svc, got, want)
		}
	}
}

// FuzzParseServiceID: the parser never panics, and what it accepts
// round-trips through ServiceID and through the URL form a certificate
// carries.
func FuzzParseServiceID(f *testing.F) {
	for _, s := range []string{
		"spiffe://baton.local/service/cart", "spiffe://a/service/b", "spiffe://baton.local/service/",
		"spiffe://baton.local", "spiffe://x/ns/y/sa/z", "SPIFFE://A/service/B", "spiffe://a/service/%2e%2e", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		td, svc, err := ParseServiceID(id)
		if err != nil {
			if !errors.Is(err, ErrInvalidID) {
				t.Fatalf("error %v does not wrap ErrInvalidID", err)
			}
			return
		}
		if got := ServiceID(td, svc); got != id {
			t.Fatalf("ServiceID(ParseServiceID(%q)) = %q", id, got)
		}
		if got := serviceURL(td, svc).String(); got != id {
			t.Fatalf("serviceURL(ParseServiceID(%q)) = %q", id, got)
		}
		if ValidateTrustDomain(td) != nil || ValidateService(svc) != nil {
			t.Fatalf("accepted %q with an invalid part %q, %q", id, td, svc)
		}
	})
}
