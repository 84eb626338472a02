package gateway

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/baton-sim/baton/gateway/route"
)

func FuzzParseTraceparent(f *testing.F) {
	for _, s := range []string{
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
		"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
		"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"00-00000000000000000000000000000000-00f067aa0ba902b7-01",
		"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tp, ok := ParseTraceparent(s)
		if !ok {
			return
		}
		out := tp.String()
		again, ok := ParseTraceparent(out)
		if !ok {
			t.Fatalf("String() = %q does not parse", out)
		}
		again.Version = tp.Version
		if again != tp {
			t.Fatalf("round trip of %q: %+v, want %+v", s, again, tp)
		}
		if tp.Version == 0 && out != s {
			t.Fatalf("version 00 %q re-encoded as %q", s, out)
		}
	})
}

func TestParseTraceparent(t *testing.T) {
	const id = "4bf92f3577b34da6a3ce929d0e0e4736"
	tests := []struct {
		in string
		ok bool
	}{
		{"00-" + id + "-00f067aa0ba902b7-01", true},
		{"00-" + id + "-00f067aa0ba902b7-09", true},   // unknown flags are carried
		{"cc-" + id + "-00f067aa0ba902b7-01-x", true}, // a later version may grow
		{"cc-" + id + "-00f067aa0ba902b7-01", true},
		{"00-" + id + "-00f067aa0ba902b7-01-x", false}, // but 00 may not
		{"cc-" + id + "-00f067aa0ba902b7-01x", false},
		{"ff-" + id + "-00f067aa0ba902b7-01", false},
		{"00-" + strings.Repeat("0", 32) + "-00f067aa0ba902b7-01", false},
		{"00-" + id + "-0000000000000000-01", false},
		{"00-" + strings.ToUpper(id) + "-00f067aa0ba902b7-01", false},
		{"00-" + id + "-00f067aa0ba902b7-1", false},
		{"00_" + id + "-00f067aa0ba902b7-01", false},
		{"0g-" + id + "-00f067aa0ba902b7-01", false},
		{"", false},
	}
	for _, tt := range tests {
		if _, ok := ParseTraceparent(tt.in); ok != tt.ok {
			t.Errorf("ParseTraceparent(%q) ok = %v, want %v", tt.in, ok, tt.ok)
		}
	}
}

func FuzzConnectionTokens(f *testing.F) {
	f.Add("keep-alive, X-Consumer-Name, X-Request-Id", "x-custom")
	f.Add(",,  ,close", "")
	f.Add("bad name, ok", "proxy-foo")
	f.Fuzz(func(t *testing.T, conn, extra string) {
		h := http.Header{
			"Connection":      {conn},
			"X-Request-Id":    {"r"},
			"X-Consumer-Name": {"c"},
			"Content-Type":    {"text/plain"},
		}
		if validToken(extra) {
			h[http.CanonicalHeaderKey(extra)] = []string{"v"}
		}
		names := connectionTokens(h)
		for _, n := range names {
			if !validToken(n) || http.CanonicalHeaderKey(n) != n {
				t.Fatalf("token %q from %q is not a canonical header name", n, conn)
			}
		}
		stripHopByHop(h)
		for k := range h {
			if hopByHop(k) || containsString(names, k) {
				t.Fatalf("%q survived stripping (Connection %q)", k, conn)
			}
		}
		// What the gateway sets afterwards is never touched by the final
		// pass, whatever the client's Connection said.
		h["X-Consumer-Name"] = []string{"gateway"}
		stripFixedHopByHop(h)
		if h.Get("X-Consumer-Name") != "gateway" {
			t.Fatalf("the gateway's header was stripped (Connection %q)", conn)
		}
	})
}

func FuzzRequestID(f *testing.F) {
	f.Add("0a2b6c1e-55d0-4b8c-9e4f-3a7c1d2e9f00")
	f.Add("has space")
	f.Add("a,b")
	f.Fuzz(func(t *testing.T, s string) {
		if !ValidRequestID(s) {
			return
		}
		if len(s) > maxRequestID {
			t.Fatalf("accepted %d bytes", len(s))
		}
		for i := 0; i < len(s); i++ {
			if c := s[i]; c <= ' ' || c >= 0x7f || c == ',' || c == '"' {
				t.Fatalf("accepted %q with byte %q", s, c)
			}
		}
	})
}

func TestGeneratedIDs(t *testing.T) {
	s := newIDSource(42)
	seen := map[string]bool{}
	for range 1000 {
		id := s.requestID()
		if !ValidRequestID(id) || len(id) != 36 || id[14] != '4' || seen[id] {
			t.Fatalf("generated id %q is invalid or repeated", id)
		}
		seen[id] = true
		tp, valid := s.propagate(nil)
		if valid {
			t.Fatalf("propagate(nil) reported a valid parent")
		}
		if _, ok := ParseTraceparent(tp); !ok {
			t.Fatalf("started traceparent %q is invalid", tp)
		}
	}
	// The same seed repeats the same ids.
	if a, b := newIDSource(7).requestID(), newIDSource(7).requestID(); a != b {
		t.Errorf("same seed: %q and %q", a, b)
	}
}

const fuzzConfig = `
auth:
  consumers: [{name: alice, tier: gold, credentials: {api_keys: [{key: alice-key-0001}]}}, {name: guest}]
  policies: [{name: keys, accept: [key], anonymous: guest}]
rate_limits:
  - {name: rl, algorithm: token_bucket, limit: 5, window: 1s, key: consumer+ip}
  - {name: c, algorithm: concurrency, limit: 2, key: "header:X-Tenant", skip_missing_key: true}
routes:
  - {name: items, prefix: /items, methods: [GET], service: items, auth: keys, rate_limits: [rl, c]}
  - {name: users, template: "/users/{id}/{rest...}", rewrite: "/u/{id}/{rest...}", service: users}
  - {name: re, regex: "/re/([a-z]+)", rewrite: "/r/$1", service: re}
  - {name: split, path: /split, backends: [{service: a, weight: 3}, {service: b, weight: 1}], mirror: {service: m, percent: 50}}
  - {name: host, host: "*.example.com", prefix: /, service: web, headers: [{name: X-V, exact: "2"}]}
  - {name: old, prefix: /old, redirect: {scheme: https, status: 301}}
  - {name: agg, path: /agg, aggregate: {backends: [{service: a}, {service: b, path: /b}]}}
`

func FuzzDecide(f *testing.F) {
	g, err := New(parseConfig(f, fuzzConfig), Options{Seed: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("GET", "x.example.com", "/items/1", "apikey=alice-key-0001", "2", int64(0))
	f.Add("POST", "", "/users/7/a/b", "", "", int64(5e8))
	f.Add("GET", "a.b", "/re/abc", "q=%zz", "", int64(-1))
	f.Add("PUT", "", "/a/../%2e%2e/old", "", "", int64(3e9))
	f.Add("GET", "[::1]:80", "/split", "", "", int64(0))
	f.Fuzz(func(t *testing.T, method, host, path, query, hv string, at int64) {
		req := &Request{
			Method: method, Host: host, Path: path, RawQuery: query,
			Header: http.Header{"X-V": {hv}, "X-Tenant": {hv}, "Apikey": {hv}},
			Peer:   "192.0.2.1:1", Replica: int(at % 7),
		}
		now := t0.Add(time.Duration(at % int64(time.Hour)))
		d := g.Decide(req, now)
		defer d.Release(now)
		if d.Status != 0 {
			return
		}
		if d.Service == "" && d.Aggregate == nil {
			t.Fatalf("forwarded without a destination: %+v", d)
		}
		if p, err := route.Normalize(d.Path); err != nil || p != d.Path {
			t.Fatalf("upstream path %q is not normal (%q, %v)", d.Path, p, err)
		}
	})
}
