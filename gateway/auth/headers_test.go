package auth

import (
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

func TestStripForgeable(t *testing.T) {
	h := http.Header{
		"X-Consumer-Name":   {"admin"},
		"x-consumer-groups": {"staff"}, // non-canonical key, as a hand-built header may hold
		"X-CONSUMER-TIER":   {"platinum"},
		"X-Credential":      {"key:root"},
		"X-Consumer-Other":  {"kept: not an identity header"},
		"Accept":            {"*/*"},
	}
	StripForgeable(h)
	want := http.Header{"X-Consumer-Other": {"kept: not an identity header"}, "Accept": {"*/*"}}
	if !reflect.DeepEqual(h, want) {
		t.Fatalf("got %v, want %v", h, want)
	}
	StripForgeable(nil) // must not panic
}

// TestClientCannotForgeIdentity runs the gateway's sequence on a request
// whose client sent identity headers of its own.
func TestClientCannotForgeIdentity(t *testing.T) {
	a := newTestAuth(t)
	forged := func() http.Header {
		return headers("X-Consumer-Name", "alice", "X-Consumer-Groups", "staff,admin",
			"x-consumer-tier", "gold", "X-Credential", "key:alice-main")
	}
	tests := []struct {
		name   string
		policy string
		extra  []string
		want   http.Header
	}{
		{"bob's key", "key", []string{"apikey", bobKey}, http.Header{
			"Apikey":            {bobKey},
			"X-Consumer-Name":   {"bob"},
			"X-Consumer-Groups": {"partners"},
			"X-Consumer-Tier":   {"silver"},
			"X-Credential":      {"key:bob-key-0"},
		}},
		{"anonymous", "public", nil, http.Header{
			"X-Consumer-Name":   {"guest"},
			"X-Consumer-Groups": {"public"},
			"X-Consumer-Tier":   {"free"},
			"X-Credential":      {"anonymous"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := forged()
			for i := 0; i+1 < len(tt.extra); i += 2 {
				h.Add(tt.extra[i], tt.extra[i+1])
			}
			StripForgeable(h)
			res, err := a.Authenticate(Request{Header: h}, tt.policy, now)
			if err != nil {
				t.Fatal(err)
			}
			res.SetHeaders(h)
			if !reflect.DeepEqual(h, tt.want) {
				t.Fatalf("got %v, want %v", h, tt.want)
			}
		})
	}
}

func TestSetHeadersOmitsEmpty(t *testing.T) {
	h := http.Header{"X-Consumer-Tier": {"forged"}, "x-consumer-groups": {"forged"}}
	Result{Consumer: "svc", Kind: KindMTLS, CredentialID: "spiffe://baton.test/svc"}.SetHeaders(h)
	want := http.Header{"X-Consumer-Name": {"svc"}, "X-Credential": {"mtls:spiffe://baton.test/svc"}}
	if !reflect.DeepEqual(h, want) {
		t.Fatalf("got %v, want %v", h, want)
	}
}

func TestHideCredentials(t *testing.T) {
	a := newTestAuth(t)
	token := sign(t, jwt.SigningMethodHS256, []byte(hsSecret), "", claims("https://hs.example", "alice"))
	tests := []struct {
		name      string
		policy    string
		req       Request
		wantH     http.Header
		wantQ     url.Values
		wantDirty bool
	}{
		{"key header hidden", "key-header", Request{Header: headers("X-Api-Key", carolKey, "Accept", "x"), Query: url.Values{}},
			http.Header{"Accept": {"x"}}, url.Values{}, false},
		{"bearer hidden", "jwt", Request{Header: headers("Authorization", "Bearer "+token), Query: url.Values{"q": {"1"}}},
			http.Header{}, url.Values{"q": {"1"}}, false},
		{"query token hidden", "jwt", Request{Header: http.Header{}, Query: url.Values{"access_token": {token}, "q": {"1"}}},
			http.Header{}, url.Values{"q": {"1"}}, true},
		{"policy without hide keeps the key", "key", Request{Header: headers("Apikey", aliceKey), Query: url.Values{}},
			http.Header{"Apikey": {aliceKey}}, url.Values{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := a.Authenticate(tt.req, tt.policy, now)
			if err != nil {
				t.Fatal(err)
			}
			dirty := res.HideCredentials(tt.req.Header, tt.req.Query)
			if dirty != tt.wantDirty || !reflect.DeepEqual(tt.req.Header, tt.wantH) || !reflect.DeepEqual(tt.req.Query, tt.wantQ) {
				t.Fatalf("got %v %v %v, want %v %v %v", dirty, tt.req.Header, tt.req.Query, tt.wantDirty, tt.wantH, tt.wantQ)
			}
		})
	}
}
