package ratelimit

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestParseKeySpec(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // parts re-joined; "" for an error
	}{
		{"consumer", "consumer"},
		{"ip", "ip"},
		{"consumer+route", "consumer+route"},
		{" consumer + route ", "consumer+route"},
		{"header:x-api-key", "header:X-Api-Key"},
		{"header:X-Tenant+ip+route", "header:X-Tenant+ip+route"},
		{"", ""},
		{"consumer+", ""},
		{"consumer+consumer", ""},
		{"header:", ""},
		{"header:bad name", ""},
		{"header:X-A+header:x-a", ""},
		{"user", ""},
	} {
		parts, err := ParseKeySpec(tc.in)
		if tc.want == "" {
			if err == nil || !errors.Is(err, ErrInvalid) {
				t.Errorf("%q: got %v, %v; want an ErrInvalid error", tc.in, parts, err)
			}
			continue
		}
		var names []string
		for _, p := range parts {
			names = append(names, p.String())
		}
		if got := strings.Join(names, "+"); err != nil || got != tc.want {
			t.Errorf("%q: got %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestKeyFunc(t *testing.T) {
	ip, err := NewClientIP(ClientIPOptions{TrustedProxies: []string{"10.0.0.0/8"}})
	if err != nil {
		t.Fatal(err)
	}
	req := &Request{
		Peer:     "10.0.0.1:4000",
		Header:   http.Header{"X-Forwarded-For": {"1.2.3.4"}, "X-Api-Key": {"k-123"}},
		Consumer: "alice",
		Route:    "orders",
	}
	long := strings.Repeat("z", 500)
	for _, tc := range []struct {
		spec string
		r    *Request
		want string
		ok   bool
	}{
		{"consumer", req, "alice", true},
		{"route", req, "orders", true},
		{"ip", req, "1.2.3.4", true},
		{"header:X-Api-Key", req, "k-123", true},
		{"consumer+route", req, "5:alice|6:orders", true},
		{"ip+header:x-api-key", req, "7:1.2.3.4|5:k-123", true},
		{"consumer", &Request{Peer: "1.1.1.1:1"}, "", false},
		{"consumer+route", &Request{Route: "orders"}, "0:|6:orders", false},
		{"header:X-Missing", req, "", false},
		{"ip", &Request{}, "", false},
		{"header:X-Big", &Request{Header: http.Header{"X-Big": {long}}}, "(a digest)", true},
	} {
		kf, err := NewKeyFunc(tc.spec, ip)
		if err != nil {
			t.Fatalf("%q: %v", tc.spec, err)
		}
		got, ok := kf(tc.r)
		if tc.spec == "header:X-Big" {
			// The digest itself is not the point: its shape and size are.
			if !strings.HasPrefix(got, "\x00sha256:") || len(got) != 8+32 || !ok {
				t.Errorf("%q: got %q, %v; want a digest key", tc.spec, got, ok)
			}
			continue
		}
		if got != tc.want || ok != tc.ok {
			t.Errorf("%q: got %q, %v; want %q, %v", tc.spec, got, ok, tc.want, tc.ok)
		}
	}
}

// TestKeyFuncNoForgery: a client controlling a header cannot make its
// combined key equal another client's by embedding the separator.
func TestKeyFuncNoForgery(t *testing.T) {
	kf, err := NewKeyFunc("header:X-User+route", nil)
	if err != nil {
		t.Fatal(err)
	}
	victim, _ := kf(&Request{Header: http.Header{"X-User": {"bob"}}, Route: "a|b"})
	forged, _ := kf(&Request{Header: http.Header{"X-User": {"bob|a"}}, Route: "b"})
	if victim == forged {
		t.Errorf("forged key equals the victim's: %q", victim)
	}
}

// TestKeyFuncNilClientIP: without a ClientIP the ip part is the peer, and no
// header is believed.
func TestKeyFuncNilClientIP(t *testing.T) {
	kf, err := NewKeyFunc("ip", nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := kf(&Request{Peer: "10.0.0.1:5", Header: http.Header{"X-Forwarded-For": {"1.2.3.4"}}})
	if got != "10.0.0.1" {
		t.Errorf("got %q, want the peer", got)
	}
}

func TestKeyFuncSinglePartNoAlloc(t *testing.T) {
	ip, _ := NewClientIP(ClientIPOptions{TrustedProxies: []string{"10.0.0.0/8"}})
	r := &Request{Peer: "10.0.0.1:4000", Header: http.Header{"X-Forwarded-For": {"1.2.3.4"}}, Consumer: "alice"}
	for _, spec := range []string{"consumer", "ip", "route"} {
		kf, _ := NewKeyFunc(spec, ip)
		if allocs := testing.AllocsPerRun(100, func() { kf(r) }); allocs != 0 {
			t.Errorf("%s: allocs: got %v, want 0", spec, allocs)
		}
	}
}
