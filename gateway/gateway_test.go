package gateway

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.yaml.in/yaml/v3"

	"github.com/baton-sim/baton/gateway/auth"
	"github.com/baton-sim/baton/gateway/config"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// parseConfig reads a gateway block strictly.
func parseConfig(t testing.TB, src string) config.Gateway {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	var c config.Gateway
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("decode config: %v", err)
	}
	return c
}

func newGateway(t testing.TB, src string, seed uint64) *Gateway {
	t.Helper()
	g, err := New(parseConfig(t, src), Options{Seed: seed})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

// headers returns what d writes to a response.
func headers(d *Decision) http.Header {
	h := http.Header{}
	d.WriteHeaders(h)
	return h
}

func sameHeader(got, want http.Header) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		g := got[k]
		if len(g) != len(v) {
			return false
		}
		for i := range v {
			if g[i] != v[i] {
				return false
			}
		}
	}
	return true
}

const edge = `
auth:
  consumers:
    - {name: alice, tier: gold, groups: [staff], credentials: {api_keys: [{id: alice-k, key: alice-key-0001}]}}
    - {name: bob, credentials: {api_keys: [{id: bob-k, key: bob-key-00001}]}}
  policies:
    - {name: keys, accept: [key], key_names: [X-Api-Key]}
    - {name: staff, accept: [key], key_names: [X-Api-Key], allow_groups: [staff]}
    - {name: hidden, accept: [key], key_names: [apikey], key_in: [query], hide_credentials: true}
rate_limits:
  - {name: per-consumer, algorithm: fixed_window, limit: 2, window: 1s, key: consumer}
routes:
  - {name: items, prefix: /items, methods: [GET, PUT], service: items, auth: keys, rate_limits: [per-consumer]}
  - {name: items-post, path: /items/new, methods: [POST], service: items}
  - {name: admin, prefix: /admin, service: admin, auth: staff}
  - {name: old, prefix: /old, redirect: {status: 308, path: /items}}
  - {name: api, prefix: /api, strip_prefix: true, service: api, auth: hidden, timeout: 3s,
     retries: {attempts: 2, per_try_timeout: 1s, retry_on: [gateway-error, "409"]}}
  - {name: v1, prefix: /v1, rewrite: /v2, service: api}
`

func TestDecideLocalAnswers(t *testing.T) {
	g := newGateway(t, edge, 1)
	alice := http.Header{"X-Api-Key": {"alice-key-0001"}}
	bob := http.Header{"X-Api-Key": {"bob-key-00001"}}
	tests := []struct {
		name   string
		method string
		path   string
		header http.Header
		at     time.Duration

		status  int
		reason  string
		route   string
		service string
		want    http.Header
	}{
		// The path is judged first: even a routed prefix is refused.
		{name: "encoded slash", method: "GET", path: "/items/a%2Fb", status: 400, reason: ReasonBadPath, want: http.Header{}},
		{name: "nul", method: "GET", path: "/items/%00", status: 400, reason: ReasonBadPath, want: http.Header{}},
		{name: "relative", method: "GET", path: "items", status: 400, reason: ReasonBadPath, want: http.Header{}},
		{name: "no route", method: "GET", path: "/nothing", status: 404, reason: ReasonNoRoute, want: http.Header{}},
		{name: "method", method: "DELETE", path: "/items/1", status: 405, reason: ReasonMethod,
			want: http.Header{"Allow": {"GET, PUT"}}},
		// /items/new is POST-only, but the /items prefix takes GET and PUT.
		{name: "method two routes", method: "PATCH", path: "/items/new", status: 405, reason: ReasonMethod,
			want: http.Header{"Allow": {"GET, POST, PUT"}}},
		// A redirect answers before authentication.
		{name: "redirect", method: "GET", path: "/old/x", status: 308, reason: ReasonRedirect, route: "old",
			want: http.Header{"Location": {"/items"}, "X-Baton-Route": {"old"}}},
		{name: "no key", method: "GET", path: "/items", status: 401, reason: ReasonUnauthorized, route: "items",
			want: http.Header{"Www-Authenticate": {`Key realm="baton"`}, "X-Baton-Route": {"items"}}},
		{name: "bad key", method: "GET", path: "/items", header: http.Header{"X-Api-Key": {"nope"}}, status: 401,
			reason: ReasonUnauthorized, route: "items",
			want: http.Header{"Www-Authenticate": {`Key realm="baton"`}, "X-Baton-Route": {"items"}}},
		{name: "acl", method: "GET", path: "/admin", header: bob, status: 403, reason: ReasonForbidden, route: "admin",
			want: http.Header{"X-Baton-Route": {"admin"}}},
		{name: "acl ok", method: "GET", path: "/admin/x", header: alice, route: "admin", service: "admin",
			want: http.Header{"X-Baton-Route": {"admin"}}},
		// Two per second per consumer, with headers on the allowed ones.
		{name: "limit 1", method: "GET", path: "/items/1", header: alice, route: "items", service: "items",
			want: limitHeaders("items", "1", "1", "")},
		{name: "limit 2", method: "PUT", path: "/items/2", header: alice, route: "items", service: "items",
			want: limitHeaders("items", "0", "1", "")},
		{name: "limit bob", method: "GET", path: "/items/1", header: bob, route: "items", service: "items",
			want: limitHeaders("items", "1", "1", "")},
		{name: "limit 3", method: "GET", path: "/items/3", header: alice, status: 429, reason: ReasonRateLimited,
			route: "items", want: limitHeaders("items", "0", "1", "1")},
		{name: "next window", method: "GET", path: "/items/3", header: alice, at: time.Second, route: "items",
			service: "items", want: limitHeaders("items", "1", "1", "")},
	}
	for _, tt := range tests {
		req := &Request{Method: tt.method, Path: tt.path, Header: tt.header, Peer: "192.0.2.1:1000"}
		if req.Header == nil {
			req.Header = http.Header{}
		}
		d := g.Decide(req, t0.Add(tt.at))
		if d.Status != tt.status || d.Reason != tt.reason || d.Route != tt.route || d.Service != tt.service {
			t.Errorf("%s: Decide = status %d reason %q route %q service %q, want %d %q %q %q",
				tt.name, d.Status, d.Reason, d.Route, d.Service, tt.status, tt.reason, tt.route, tt.service)
		}
		if got := headers(&d); !sameHeader(got, tt.want) {
			t.Errorf("%s: headers = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func limitHeaders(route, remaining, reset, retryAfter string) http.Header {
	h := http.Header{
		"X-Baton-Route":         {route},
		"Ratelimit-Limit":       {"2"},
		"Ratelimit-Remaining":   {remaining},
		"Ratelimit-Reset":       {reset},
		"Ratelimit-Policy":      {"2;w=1"},
		"X-Ratelimit-Limit":     {"2"},
		"X-Ratelimit-Remaining": {remaining},
		"X-Ratelimit-Reset":     {reset},
	}
	if retryAfter != "" {
		h["Retry-After"] = []string{retryAfter}
	}
	return h
}

func TestDecideForwarding(t *testing.T) {
	g := newGateway(t, edge, 1)
	tests := []struct {
		name, path, query string
		header            http.Header

		route, service, upPath, upQuery string
		timeout                         time.Duration
		retries                         bool
	}{
		{name: "normalised", path: "/admin/./a//b/../c", header: http.Header{"X-Api-Key": {"alice-key-0001"}},
			route: "admin", service: "admin", upPath: "/admin/a/c"},
		{name: "strip and hide", path: "/api/users", query: "b=2&apikey=bob-key-00001&a=1",
			route: "api", service: "api", upPath: "/users", upQuery: "a=1&b=2", timeout: 3 * time.Second, retries: true},
		{name: "rewrite", path: "/v1/x", query: "q=%41", route: "v1", service: "api", upPath: "/v2/x", upQuery: "q=%41"},
		{name: "decoded unreserved", path: "/v1/%7Efoo", route: "v1", service: "api", upPath: "/v2/~foo"},
	}
	for _, tt := range tests {
		h := tt.header
		if h == nil {
			h = http.Header{}
		}
		d := g.Decide(&Request{Method: "GET", Path: tt.path, RawQuery: tt.query, Header: h}, t0)
		if d.Status != 0 || d.Route != tt.route || d.Service != tt.service || d.Path != tt.upPath || d.RawQuery != tt.upQuery {
			t.Errorf("%s: Decide = %d %q %q %q ?%q, want route %q service %q path %q ?%q", tt.name,
				d.Status, d.Route, d.Service, d.Path, d.RawQuery, tt.route, tt.service, tt.upPath, tt.upQuery)
		}
		if d.Timeout != tt.timeout || (d.RetryPolicy != nil) != tt.retries {
			t.Errorf("%s: timeout %v retries %v, want %v %v", tt.name, d.Timeout, d.RetryPolicy != nil, tt.timeout, tt.retries)
		}
		if tt.retries && (d.PerTryTimeout != time.Second || d.RetryPolicy.MaxRetries() != 2) {
			t.Errorf("%s: per-try %v max retries %d, want 1s 2", tt.name, d.PerTryTimeout, d.RetryPolicy.MaxRetries())
		}
	}
}

func TestUpstreamHeadersIdentity(t *testing.T) {
	g := newGateway(t, edge, 1)
	in := http.Header{
		"X-Api-Key":         {"alice-key-0001"},
		"X-Consumer-Name":   {"mallory"},
		"x-consumer-groups": {"admins"},
		"X-Credential":      {"forged"},
	}
	d := g.Decide(&Request{Method: "GET", Path: "/items", Header: in}, t0)
	if d.Status != 0 || d.Auth.Consumer != "alice" || d.Auth.Kind != auth.KindKey {
		t.Fatalf("Decide = %+v, want alice forwarded", d)
	}
	up := in.Clone()
	d.SetUpstreamHeaders(up)
	want := http.Header{
		"X-Api-Key":         {"alice-key-0001"},
		"X-Consumer-Name":   {"alice"},
		"X-Consumer-Groups": {"staff"},
		"X-Consumer-Tier":   {"gold"},
		"X-Credential":      {"key:alice-k"},
	}
	if !sameHeader(up, want) {
		t.Errorf("upstream header = %v, want %v", up, want)
	}
	// A route without auth still strips client copies.
	d = g.Decide(&Request{Method: "GET", Path: "/v1", Header: http.Header{}}, t0)
	up = http.Header{"X-Consumer-Name": {"mallory"}, "Accept": {"*/*"}}
	d.SetUpstreamHeaders(up)
	if want := (http.Header{"Accept": {"*/*"}}); !sameHeader(up, want) {
		t.Errorf("no-auth upstream header = %v, want %v", up, want)
	}
	// Hidden credentials leave the header too.
	d = g.Decide(&Request{Method: "GET", Path: "/api", RawQuery: "apikey=bob-key-00001", Header: http.Header{}}, t0)
	if d.Auth.Consumer != "bob" || d.RawQuery != "" {
		t.Errorf("hidden query credential: consumer %q query %q, want bob and empty", d.Auth.Consumer, d.RawQuery)
	}
}

const split = `
routes:
  - name: checkout
    path: /checkout
    backends: [{service: stable, weight: 95}, {service: canary, weight: 5}]
    mirror: {service: shadow, percent: 10}
  - {name: other, path: /other, backends: [{service: a, weight: 1}, {service: b, weight: 2}]}
`

func TestDecideSplitAndMirrorCounts(t *testing.T) {
	counts := func(seed uint64, n int) (map[string]int, []string) {
		g := newGateway(t, split, seed)
		c := map[string]int{}
		var order []string
		for range n {
			d := g.Decide(&Request{Method: "GET", Path: "/checkout"}, t0)
			c[d.Service]++
			if d.Mirror != "" {
				c["mirror:"+d.Mirror]++
			}
			order = append(order, d.Service)
		}
		return c, order
	}
	tests := []struct {
		seed                     uint64
		n                        int
		stable, canary, mirrored int
	}{
		// The Weyl sequence keeps every count within one of its exact
		// share (95, 5 and 10 per 100).
		{1, 100, 96, 4, 10},
		{1, 1000, 951, 49, 101},
		{2, 1000, 949, 51, 101},
		{7, 20, 20, 0, 3},
		{7, 333, 316, 17, 33},
	}
	for _, tt := range tests {
		c, _ := counts(tt.seed, tt.n)
		if c["stable"] != tt.stable || c["canary"] != tt.canary || c["mirror:shadow"] != tt.mirrored {
			t.Errorf("seed %d, %d requests: stable %d canary %d mirrored %d, want %d %d %d", tt.seed, tt.n,
				c["stable"], c["canary"], c["mirror:shadow"], tt.stable, tt.canary, tt.mirrored)
		}
	}
	_, a := counts(3, 200)
	_, b := counts(3, 200)
	_, c := counts(4, 200)
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Errorf("same seed, different choices")
	}
	if strings.Join(a, ",") == strings.Join(c, ",") {
		t.Errorf("different seeds, same choices")
	}

	// Routes have their own sequences: traffic on one does not shift the
	// other's choices.
	others := func(interleave bool) (string, map[string]int) {
		g := newGateway(t, split, 5)
		n := map[string]int{}
		var seq []string
		for i := range 300 {
			d := g.Decide(&Request{Method: "GET", Path: "/other"}, t0)
			n[d.Service]++
			seq = append(seq, d.Service)
			if interleave && i%3 == 0 {
				g.Decide(&Request{Method: "GET", Path: "/checkout"}, t0)
			}
		}
		return strings.Join(seq, ","), n
	}
	alone, n := others(false)
	mixed, _ := others(true)
	if alone != mixed {
		t.Errorf("/checkout traffic changed /other's choices")
	}
	if n["a"] != 101 || n["b"] != 199 {
		t.Errorf("1:2 split over 300 = %v, want a 101 b 199", n)
	}
}

const inflight = `
rate_limits:
  - {name: one-at-a-time, algorithm: concurrency, limit: 1, key: route}
  - {name: shared, algorithm: fixed_window, limit: 3, window: 1m, key: ip}
routes:
  - {name: slow, path: /slow, service: s, rate_limits: [one-at-a-time, shared]}
  - {name: fast, path: /fast, service: s, rate_limits: [shared]}
`

func TestDecideConcurrencyRelease(t *testing.T) {
	g := newGateway(t, inflight, 1)
	req := func() *Request {
		return &Request{Method: "GET", Path: "/slow", Peer: "192.0.2.1:5", Header: http.Header{}}
	}
	first := g.Decide(req(), t0)
	if first.Status != 0 {
		t.Fatalf("first = %d, want forwarded", first.Status)
	}
	if got := first.Limit.Policy; got != "3;w=60" {
		t.Errorf("RateLimit-Policy = %q, want the window limit's", got)
	}
	second := g.Decide(req(), t0)
	if second.Status != http.StatusTooManyRequests {
		t.Fatalf("second while first in flight = %d, want 429", second.Status)
	}
	second.Release(t0) // holds nothing: a no-op
	first.Release(t0)
	first.Release(t0) // twice: still one slot given back
	third := g.Decide(req(), t0)
	if third.Status != 0 {
		t.Fatalf("third after release = %d, want forwarded", third.Status)
	}
	third.Release(t0)
	// The named limit "shared" counted all three on /slow (denied ones
	// count too), so /fast, which shares it, is over.
	fast := g.Decide(&Request{Method: "GET", Path: "/fast", Peer: "192.0.2.1:9", Header: http.Header{}}, t0)
	if fast.Status != http.StatusTooManyRequests {
		t.Errorf("/fast after 3 on the shared limit = %d, want 429", fast.Status)
	}
	other := g.Decide(&Request{Method: "GET", Path: "/fast", Peer: "192.0.2.2:9", Header: http.Header{}}, t0)
	if other.Status != 0 {
		t.Errorf("/fast from another client = %d, want forwarded", other.Status)
	}
}

func TestDecideReplicas(t *testing.T) {
	g := newGateway(t, `
replicas: 2
rate_limits: [{name: l, algorithm: fixed_window, limit: 1, window: 1m, key: route}]
routes: [{name: r, path: /r, service: s, rate_limits: [l]}]
`, 1)
	statuses := func(replica int) int {
		return g.Decide(&Request{Method: "GET", Path: "/r", Replica: replica, Header: http.Header{}}, t0).Status
	}
	// Local mode: each replica counts alone; 2 and -1 fold onto 0 and 1.
	got := []int{statuses(0), statuses(1), statuses(2), statuses(-1)}
	want := []int{0, 0, 429, 429}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("statuses = %v, want %v", got, want)
			break
		}
	}
}

func TestRouteName(t *testing.T) {
	g := newGateway(t, edge, 1)
	tests := []struct{ method, host, path, want string }{
		{"GET", "", "/items/1", "items"},
		{"POST", "", "/items/new", "items-post"},
		{"DELETE", "", "/items/1", ""},
		{"GET", "", "/admin/../items", "items"},
		{"GET", "", "/v1?x=1", "v1"},
		{"GET", "", "/a%2Fb", ""},
		{"GET", "", "/none", ""},
	}
	for _, tt := range tests {
		if got := g.RouteName(tt.method, tt.host, tt.path); got != tt.want {
			t.Errorf("RouteName(%s %s) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
	if got := g.RouteName(http.MethodGet, "", "/items"); got != "items" {
		t.Errorf("Route(/items) = %q, want items", got)
	}
	// RouteName counts nothing: the limit still has its full allowance.
	d := g.Decide(&Request{Method: "GET", Path: "/items", Header: http.Header{"X-Api-Key": {"alice-key-0001"}}}, t0)
	if d.Limit.Remaining != 1 {
		t.Errorf("remaining after RouteName calls = %d, want 1", d.Limit.Remaining)
	}
}

func TestNewRejectsInvalid(t *testing.T) {
	_, err := New(config.Gateway{}, Options{})
	if err == nil || !strings.Contains(err.Error(), "routes: at least one route") {
		t.Errorf("New(empty) = %v", err)
	}
	c := parseConfig(t, `
auth:
  jwt_providers: [{name: p, issuer: i, audiences: [a], algorithms: [RS256], pem_file: /nonexistent.pem}]
  policies: [{name: jwt, accept: [jwt]}]
routes: [{name: r, path: /r, service: s, auth: jwt}]
`)
	if _, err := New(c, Options{}); err == nil || !strings.Contains(err.Error(), "gateway: auth:") {
		t.Errorf("New with a missing key file = %v, want a gateway: auth: error", err)
	}
}

func TestReloadCarriesRateLimits(t *testing.T) {
	const base = `
rate_limits: [{name: l, algorithm: fixed_window, limit: 2, window: 1m, key: route}]
routes:
  - {name: r, path: /r, service: s, rate_limits: [l]}
`
	r, err := NewReloader(parseConfig(t, base), Options{})
	if err != nil {
		t.Fatal(err)
	}
	decide := func() int {
		return r.Current().Decide(&Request{Method: "GET", Path: "/r", Header: http.Header{}}, t0).Status
	}
	decide()
	decide()
	if got := decide(); got != 429 {
		t.Fatalf("third = %d, want 429", got)
	}
	// An unrelated change keeps the counters.
	if err := r.Reload(parseConfig(t, base+"  - {name: x, path: /x, service: s}\n")); err != nil {
		t.Fatal(err)
	}
	if got := decide(); got != 429 {
		t.Errorf("after an unrelated reload = %d, want 429 (counters kept)", got)
	}
	// An invalid configuration is refused and the old one serves on.
	before := r.Current()
	err = r.Reload(parseConfig(t, "routes: [{name: r, path: /r, service: s, rate_limits: [gone]}]"))
	if err == nil || !strings.Contains(err.Error(), `routes[0].rate_limits[0]: unknown rate limit "gone"`) {
		t.Errorf("Reload(invalid) = %v", err)
	}
	if r.Current() != before {
		t.Errorf("an invalid reload replaced the gateway")
	}
	// A changed limit starts afresh.
	if err := r.Reload(parseConfig(t, strings.Replace(base, "limit: 2", "limit: 3", 1))); err != nil {
		t.Fatal(err)
	}
	if got := decide(); got != 0 {
		t.Errorf("after changing the limit = %d, want forwarded (fresh counters)", got)
	}
}
