package scenarios

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/baton-sim/baton/gateway/config"
	"github.com/baton-sim/baton/gateway/ratelimit"
	"github.com/baton-sim/baton/gateway/route"
)

// gatewayNode parses a serve file and returns its gateway block's node, as
// baton serve gateway hands it over.
func gatewayNode(t testing.TB, src string) *yaml.Node {
	t.Helper()
	var f struct {
		Listen  string    `yaml:"listen"`
		Gateway yaml.Node `yaml:"gateway"`
	}
	if err := yaml.Unmarshal([]byte(src), &f); err != nil {
		t.Fatal(err)
	}
	if f.Gateway.Kind == 0 {
		return nil
	}
	return &f.Gateway
}

func TestParseGateway(t *testing.T) {
	tests := []struct {
		name, src string
		want      *Gateway
		wantErr   string
	}{
		{
			name: "defaults and route names",
			src:  "listen: x\ngateway:\n  routes:\n    - {prefix: /a, service: ghost}\n    - {template: '/u/{id}', service: ghost, auth: ''}\n",
			want: &Gateway{
				Replicas: 1, Limits: config.Limits{Mode: ratelimit.ModeLocal, FailOpen: ptrTo(true)},
				Timeouts:       config.Timeouts{ReadHeader: 5 * time.Second, Read: 30 * time.Second, Write: 30 * time.Second, Idle: 120 * time.Second},
				MaxHeaderBytes: config.DefaultMaxHeaderBytes, MaxBodyBytes: config.DefaultMaxBodyBytes,
				Routes: []Route{
					{Route: route.Route{Name: "/a", Prefix: "/a"}, Service: "ghost"},
					{Route: route.Route{Name: "/u/{id}", Template: "/u/{id}"}, Service: "ghost"},
				},
			},
		},
		{
			name: "a written zero takes the gateway's default",
			src:  "gateway: {replicas: 0, max_body_bytes: 0, timeouts: {idle: 0s}, routes: [{name: r, path: /p, service: s}]}\n",
			want: &Gateway{
				Replicas: 1, Limits: config.Limits{Mode: ratelimit.ModeLocal, FailOpen: ptrTo(true)},
				Timeouts:       config.Timeouts{ReadHeader: 5 * time.Second, Read: 30 * time.Second, Write: 30 * time.Second, Idle: 120 * time.Second},
				MaxHeaderBytes: config.DefaultMaxHeaderBytes, MaxBodyBytes: config.DefaultMaxBodyBytes,
				Routes: []Route{{Route: route.Route{Name: "r", Path: "/p"}, Service: "s"}},
			},
		},
		{
			name:    "no gateway",
			src:     "listen: x\n",
			wantErr: `gw.yaml:1:1: gateway: required; route requests to a service, such as gateway: {routes: [{prefix: /api, service: frontend}]}`,
		},
		{
			name:    "an empty gateway",
			src:     "listen: x\ngateway:\n",
			wantErr: `gw.yaml:2:9: gateway: required; route requests to a service, such as gateway: {routes: [{prefix: /api, service: frontend}]}`,
		},
		{
			name: "every problem, placed",
			src:  "listen: x\ngateway:\n  replicas: 99\n  routes:\n    - {prefix: api, servce: a}\n    - {prefix: /b, service: b, rate_limits: [nope]}\n",
			wantErr: `gw.yaml:3:13: gateway.replicas: must be in 1..64, got 99` + "\n" +
				`gw.yaml:5:16: gateway.routes[0].prefix: must start with "/", got "api"; write /api` + "\n" +
				`gw.yaml:5:21: gateway.routes[0]: unknown field "servce" (did you mean "service"?)` + "\n" +
				`gw.yaml:6:46: gateway.routes[1].rate_limits[0]: unknown rate limit "nope" (none are defined)`,
		},
		{
			name:    "not a mapping",
			src:     "gateway: [routes]\n",
			wantErr: `gw.yaml:1:10: gateway: must be a mapping with fields replicas, limits, client_ip, timeouts, tls, max_header_bytes, max_body_bytes, auth, rate_limits, routes, got a list`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := ParseGateway("gw.yaml", gatewayNode(t, tt.src))
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("got %+v, want error %q", g, tt.wantErr)
				}
				checkPositions(t, "gw.yaml", err, false)
				if got := err.Error(); got != tt.wantErr {
					t.Errorf("error:\ngot  %s\nwant %s", got, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseGateway: %v", err)
			}
			if !reflect.DeepEqual(g, tt.want) {
				t.Errorf("got  %+v\nwant %+v", *g, *tt.want)
			}
		})
	}
}

// TestParseGatewayMatchesScenario checks that a gateway block means the
// same in a serve file as in a scenario.
func TestParseGatewayMatchesScenario(t *testing.T) {
	for _, c := range loadGolden(t, "valid") {
		if !strings.HasPrefix(filepathBase(c.path), "gateway-") || len(c.sets) > 0 {
			continue
		}
		t.Run(filepathBase(c.path), func(t *testing.T) {
			s, err := Parse("scenario.yaml", c.src)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Gateway yaml.Node `yaml:"gateway"`
			}
			if err := yaml.Unmarshal(c.src, &doc); err != nil {
				t.Fatal(err)
			}
			g, err := ParseGateway("scenario.yaml", &doc.Gateway)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*g, s.Gateway) {
				t.Errorf("ParseGateway:\ngot  %+v\nwant %+v", *g, s.Gateway)
			}
		})
	}
}

func filepathBase(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

// TestGatewayServices checks that every service the gateway sends to is
// checked against the scenario's services, wherever it is named.
func TestGatewayServices(t *testing.T) {
	src := `baton: v1
name: services
services: {a: {}}
gateway:
  routes:
    - {prefix: /s, service: s1}
    - {prefix: /b, backends: [{service: b1}, {service: a}], mirror: {service: m1, percent: 1}}
    - {path: /g, aggregate: {backends: [{service: g1}, {service: a}]}}
load: {rate: 1}
`
	_, err := Parse("s.yaml", []byte(src))
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("got %v, want an ErrorList", err)
	}
	var fields []string
	for _, e := range list {
		fields = append(fields, e.Field)
	}
	want := []string{
		"gateway.routes[0].service", "gateway.routes[1].backends[0].service",
		"gateway.routes[1].mirror.service", "gateway.routes[2].aggregate.backends[0].service",
	}
	if !slices.Equal(fields, want) {
		t.Errorf("fields: got %v, want %v\n%v", fields, want, err)
	}
	// Every service Services lists is among those checked.
	var g Gateway
	if err := yaml.Unmarshal([]byte(src[strings.Index(src, "gateway:")+len("gateway:\n"):strings.Index(src, "load:")]), &g); err != nil {
		t.Fatal(err)
	}
	for _, s := range g.Services() {
		if s != "a" && !slices.ContainsFunc(list, func(e *Error) bool { return strings.Contains(e.Msg, `"`+s+`"`) }) {
			t.Errorf("service %q is not checked", s)
		}
	}
}

func TestDefaultPaths(t *testing.T) {
	routes := []Route{
		{Route: route.Route{Prefix: "/api"}},
		{Route: route.Route{Path: "/health"}},
		{Route: route.Route{Template: "/users/{id}/files/{rest...}"}},
		{Route: route.Route{Template: "/orders/{id}"}},
		{Route: route.Route{Regex: "/r/[0-9]+"}},
		{Route: route.Route{Prefix: "/old", Redirect: &route.Redirect{Path: "/api"}}},
		{Route: route.Route{Prefix: "/api", Methods: []string{"POST"}}},
		{Route: route.Route{Path: "/dash"}, Aggregate: nil},
	}
	want := []string{"/api", "/health", "/users/id/files/", "/orders/id", "/dash"}
	if got := defaultPaths(routes); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := defaultPaths(routes[4:6]); got != nil {
		t.Errorf("regex and redirect: got %v, want none", got)
	}
}

func TestMatchesRoute(t *testing.T) {
	tests := []struct {
		kind, shape, path string
		param, want       bool
	}{
		{"prefix", "/api", "/api", false, true},
		{"prefix", "/api", "/api/x", false, true},
		{"prefix", "/api", "/apix", false, false},
		{"prefix", "/api/", "/api", false, false},
		{"prefix", "/api/", "/api/x", false, true},
		{"prefix", "/", "/anything", false, true},
		{"prefix", "/api", "/api?q=1", false, true},
		{"prefix", "/api/v1", "/api/", true, true},
		{"prefix", "/api", "/other/", true, false},
		{"path", "/health", "/health", false, true},
		{"path", "/health", "/health/", false, false},
		{"path", "/health", "/health?full=1", false, true},
		{"path", "/health/live", "/health/", true, true},
		{"template", "/users/{id}", "/users/7", false, true},
		{"template", "/users/{id}", "/users/", false, false},
		{"template", "/users/{id}", "/users/7/x", false, false},
		{"template", "/files/{rest...}", "/files/", false, true},
		{"template", "/files/{rest...}", "/files/a/b", false, true},
		{"template", "/files/{rest...}", "/files", false, false},
		{"template", "/users/{id}", "/users/", true, true},
		{"template", "/users/{id}", "/orders/", true, false},
		{"regex", "/r/[0-9]+", "/r/12", false, true},
		{"regex", "/r/[0-9]+", "/r/12/x", false, false},
		{"regex", "/r/[0-9]+", "/anything/", true, true},
		{"regex", "(", "/r", false, true}, // invalid: reported by the gateway, not here
	}
	for _, tt := range tests {
		if got := matchesRoute(tt.kind, tt.shape, tt.path, tt.param); got != tt.want {
			t.Errorf("matchesRoute(%s %q, %q, param %v): got %v, want %v", tt.kind, tt.shape, tt.path, tt.param, got, tt.want)
		}
	}
}

// TestGatewayValues checks the decoder's newer scalar kinds: uint32,
// time.Time, any and int-keyed maps, and their canonical round trip.
func TestGatewayValues(t *testing.T) {
	src := `baton: v1
name: values
services: {a: {}, b: {}}
gateway:
  rate_limits:
    - {name: q, algorithm: quota, limit: 5, calendar: day, anchor: "2024-03-01T00:00:00+01:00"}
    - {name: f, algorithm: fixed_window, limit: 5, window: 1s, anchor: 2024-03-01}
  routes:
    - prefix: /
      backends: [{service: a, weight: 4294967295}, {service: b}]
      rate_limits: [q, f]
      transform:
        request:
          json: [{set: {path: x, value: {n: 1, f: 2.0, big: 1e300, s: "1", l: [true, null]}}}]
        response:
          status_map: {502: 503, 500: 503}
load: {rate: 1}
`
	s, err := Parse("v.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	r := s.Gateway.Routes[0]
	if got := r.Route.Backends[0].Weight; got != 4294967295 {
		t.Errorf("weight: got %d", got)
	}
	if got, want := s.Gateway.RateLimits[0].Anchor, time.Date(2024, 3, 1, 0, 0, 0, 0, time.FixedZone("", 3600)); !got.Equal(want) {
		t.Errorf("anchor: got %v, want %v", got, want)
	}
	if got, want := s.Gateway.RateLimits[1].Anchor, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("date anchor: got %v, want %v", got, want)
	}
	wantValue := map[string]any{"n": 1, "f": 2.0, "big": 1e300, "s": "1", "l": []any{true, nil}}
	if got := r.Transform.Request.JSON[0].Set.Value; !reflect.DeepEqual(got, wantValue) {
		t.Errorf("value: got %#v, want %#v", got, wantValue)
	}
	if got, want := r.Transform.Response.StatusMap, map[int]int{502: 503, 500: 503}; !reflect.DeepEqual(got, want) {
		t.Errorf("status_map: got %v, want %v", got, want)
	}
	checkRoundTrip(t, s)
}

// FuzzParseGateway asserts that ParseGateway never panics, that every
// failure is a positioned ErrorList and that whatever it accepts, the
// gateway compiles the same way (Validate agrees).
func FuzzParseGateway(f *testing.F) {
	for _, c := range loadGolden(f, "valid") {
		f.Add(c.src)
	}
	for _, c := range loadGolden(f, "invalid") {
		if strings.HasPrefix(filepathBase(c.path), "gateway") {
			f.Add(c.src)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxInputBytes || structural(data) > maxStructural {
			return
		}
		var doc yaml.Node
		if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) != 1 {
			return
		}
		n := resolve(doc.Content[0])
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == "gateway" {
					n = n.Content[i+1]
					break
				}
			}
		}
		g, err := ParseGateway("fuzz.yaml", n)
		if err != nil {
			checkPositions(t, "fuzz.yaml", err, false)
			return
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("ParseGateway accepted a gateway Validate refuses: %v", err)
		}
	})
}
