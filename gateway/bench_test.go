package gateway

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// benchConfig has 50 prefix routes, key auth and a per-consumer token
// bucket generous enough never to deny.
func benchConfig(routes int) string {
	var b strings.Builder
	b.WriteString(`
auth:
  consumers: [{name: alice, tier: gold, credentials: {api_keys: [{key: alice-key-0001}]}}]
  policies: [{name: keys, accept: [key], key_names: [X-Api-Key]}]
rate_limits:
  - {name: per-consumer, algorithm: token_bucket, limit: 1000000000, window: 1s, key: consumer}
routes:
`)
	for i := range routes {
		fmt.Fprintf(&b, "  - {name: r%d, prefix: /svc%d, service: s%d, auth: keys, rate_limits: [per-consumer]}\n", i, i, i)
	}
	return b.String()
}

// BenchmarkDecide is the edge's cost per request: normalise, match, check
// an API key, count a token bucket.
func BenchmarkDecide(b *testing.B) {
	g := newGateway(b, benchConfig(50), 1)
	req := &Request{Method: "GET", Path: "/svc37/items/42", Header: http.Header{"X-Api-Key": {"alice-key-0001"}}, Peer: "192.0.2.1:1"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		d := g.Decide(req, t0)
		if d.Status != 0 {
			b.Fatalf("status %d", d.Status)
		}
	}
}

// BenchmarkDecideRouteOnly is matching alone: no auth, no limits.
func BenchmarkDecideRouteOnly(b *testing.B) {
	g := newGateway(b, split, 1)
	req := &Request{Method: "GET", Path: "/checkout"}
	b.ReportAllocs()
	for b.Loop() {
		g.Decide(req, t0)
	}
}

// BenchmarkHandler is one request end to end over loopback: client,
// gateway (Decide and the hardening), mesh client, upstream and back.
func BenchmarkHandler(b *testing.B) {
	u := newUpstream(b, "s37", func(*upstream) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }
	})
	hs := newHarness(b, newGateway(b, benchConfig(50), 1), u)
	req, _ := http.NewRequest(http.MethodGet, "http://"+hs.addr+"/svc37/items/42", nil)
	req.Header.Set("X-Api-Key", "alice-key-0001")
	b.ReportAllocs()
	for b.Loop() {
		resp, err := hs.client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}
