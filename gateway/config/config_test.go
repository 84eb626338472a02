package config

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.yaml.in/yaml/v3"

	"github.com/baton-sim/baton/gateway/auth"
	"github.com/baton-sim/baton/gateway/ratelimit"
	"github.com/baton-sim/baton/gateway/route"
	"github.com/baton-sim/baton/gateway/transform"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// decode reads a gateway block strictly, as `baton serve gateway` does.
func decode(t testing.TB, src string) Gateway {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	var g Gateway
	if err := dec.Decode(&g); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return g
}

func TestFullConfigValidates(t *testing.T) {
	b, err := os.ReadFile("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	g := decode(t, string(b))
	if err := g.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	r := g.Routes[0]
	// The embedded route's fields read as the scenario's old Route did.
	if r.Name != "api" || r.Prefix != "/api" || r.Service != "frontend" || !r.StripPrefix || r.Timeout != 2*time.Second {
		t.Errorf("routes[0] = %+v", r)
	}
	if got, want := r.RateLimits, []string{"per-consumer", "in-flight"}; !slices.Equal(got, want) {
		t.Errorf("routes[0].rate_limits = %v, want %v", got, want)
	}
	if g.Limits.FailsOpen() {
		t.Errorf("limits.fail_open: false read as fail open")
	}
	if got, want := g.Services(), []string{"frontend", "checkout", "checkout-v2", "shadow", "users", "orders"}; !slices.Equal(got, want) {
		t.Errorf("Services() = %v, want %v", got, want)
	}
}

func TestTLSDefaults(t *testing.T) {
	g := decode(t, "tls: {cert_file: c.pem, key_file: k.pem}\n"+minimal)
	if err := g.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	got := *g.Defaults().TLS
	want := TLS{CertFile: "c.pem", KeyFile: "k.pem", ClientAuth: ClientAuthNone, MinVersion: TLS12}
	if got != want {
		t.Errorf("Defaults().TLS = %+v, want %+v", got, want)
	}
	if g.TLS.ClientAuth != "" {
		t.Errorf("Defaults changed the receiver's TLS block: %+v", *g.TLS)
	}
	if (Gateway{}).Defaults().TLS != nil {
		t.Errorf("Defaults() of a gateway without tls set a tls block")
	}
}

func TestDefaults(t *testing.T) {
	got := Gateway{}.Defaults()
	want := Gateway{
		Replicas:       1,
		Limits:         Limits{Mode: ratelimit.ModeLocal},
		Timeouts:       Timeouts{ReadHeader: 5 * time.Second, Read: 30 * time.Second, Write: 30 * time.Second, Idle: 120 * time.Second},
		MaxHeaderBytes: 32768,
		MaxBodyBytes:   1048576,
	}
	if got.Replicas != want.Replicas || got.Limits.Mode != want.Limits.Mode || got.Timeouts != want.Timeouts ||
		got.MaxHeaderBytes != want.MaxHeaderBytes || got.MaxBodyBytes != want.MaxBodyBytes {
		t.Errorf("Defaults() = %+v, want %+v", got, want)
	}
	if !got.Limits.FailsOpen() {
		t.Errorf("FailsOpen() of the zero value = false, want true")
	}
	set := Gateway{Replicas: 3, MaxBodyBytes: 10, Timeouts: Timeouts{Read: time.Second}}.Defaults()
	if set.Replicas != 3 || set.MaxBodyBytes != 10 || set.Timeouts.Read != time.Second || set.Timeouts.Write != 30*time.Second {
		t.Errorf("Defaults() replaced set fields: %+v", set)
	}
}

// minimal is a valid base the invalid cases add to.
const minimal = `
routes:
  - {name: api, prefix: /api, service: frontend}
`

func TestValidateErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		// want lists the error paths in order, each with a fragment of its
		// message.
		want [][2]string
	}{
		{"no routes", `replicas: 1`, [][2]string{{"routes", "at least one route"}}},
		{"replicas", "replicas: 65\n" + minimal, [][2]string{{"replicas", "1..64"}}},
		{"negative replicas", "replicas: -1\n" + minimal, [][2]string{{"replicas", "1..64"}}},
		{"mode", "limits: {mode: global}\n" + minimal, [][2]string{{"limits.mode", `unknown mode "global"`}}},
		{"sync delay local", "limits: {sync_delay: 1s}\n" + minimal, [][2]string{{"limits.sync_delay", "only shared mode"}}},
		{"sync delay negative", "limits: {mode: shared, sync_delay: -1s}\n" + minimal, [][2]string{{"limits.sync_delay", "negative"}}},
		{"client ip", "client_ip: {trusted_proxies: [nope]}\n" + minimal, [][2]string{{"client_ip.trusted_proxies[0]", "not an address"}}},
		{"timeouts", "timeouts: {read_header: -1s, idle: -2s}\n" + minimal,
			[][2]string{{"timeouts.read_header", "negative"}, {"timeouts.idle", "negative"}}},
		{"header bytes", "max_header_bytes: 2000000\n" + minimal, [][2]string{{"max_header_bytes", "1..1048576"}}},
		{"body bytes", "max_body_bytes: -5\n" + minimal, [][2]string{{"max_body_bytes", "negative"}}},
		{"tls files", "tls: {}\n" + minimal,
			[][2]string{{"tls.cert_file", "required"}, {"tls.key_file", "required"}}},
		{"tls client auth", "tls: {cert_file: c.pem, key_file: k.pem, client_auth: always}\n" + minimal,
			[][2]string{{"tls.client_auth", `unknown mode "always"`}}},
		{"tls client ca", "tls: {cert_file: c.pem, key_file: k.pem, client_auth: request}\n" + minimal,
			[][2]string{{"tls.client_ca_file", "required when client_auth is request"}}},
		{"tls version", "tls: {cert_file: c.pem, key_file: k.pem, min_version: \"1.1\"}\n" + minimal,
			[][2]string{{"tls.min_version", `unknown version "1.1"`}}},
		{"auth", `
auth:
  consumers: [{name: a}, {name: a}]
` + minimal, [][2]string{{"auth.consumers[1].name", "duplicate of consumers[0]"}}},
		{"rate limit name", `
rate_limits:
  - {algorithm: token_bucket, limit: 1, window: 1s}
  - {name: x, algorithm: token_bucket, limit: 1, window: 1s}
  - {name: x, algorithm: token_bucket, limit: 1, window: 1s}
` + minimal, [][2]string{{"rate_limits[0].name", "required"}, {"rate_limits[2].name", `"x" is already rate_limits[1]'s name`}}},
		{"rate limit options", `
rate_limits:
  - {name: x, algorithm: token_bucket, limit: 0, window: 1s}
  - {name: y, algorithm: fixed_window, limit: 5, window: 1s, key: "nope"}
` + minimal, [][2]string{{"rate_limits[0].limit", "at least 1"}, {"rate_limits[1].key", "unknown part"}}},
		{"route name", `
routes:
  - {prefix: /a, service: s}
  - {name: b, prefix: /b, service: s}
  - {name: b, prefix: /c, service: s}
  - {name: "bad\tname", prefix: /d, service: s}
`, [][2]string{{"routes[0].name", "required"}, {"routes[2].name", `"b" is already routes[1]'s name`}, {"routes[3].name", "printable"}}},
		{"destinations", `
routes:
  - {name: none, prefix: /a}
  - {name: two, prefix: /b, service: s, backends: [{service: t}]}
  - {name: three, prefix: /c, service: s, redirect: {path: /x}, aggregate: {backends: [{service: u}]}}
`, [][2]string{
			{"routes[0]", "exactly one of service, backends, redirect and aggregate; got none"},
			{"routes[1]", "got service and backends"},
			{"routes[2]", "got service and redirect and aggregate"},
		}},
		{"references", `
auth:
  consumers: [{name: a, credentials: {api_keys: [{key: k-123456789}]}}]
  policies: [{name: keys, accept: [key]}]
rate_limits:
  - {name: rl, algorithm: token_bucket, limit: 1, window: 1s}
routes:
  - {name: a, prefix: /a, service: s, auth: key, rate_limits: [rl, nope, rl]}
`, [][2]string{
			{"routes[0].auth", `unknown auth policy "key" (known auth policies: keys)`},
			{"routes[0].rate_limits[1]", `unknown rate limit "nope" (known rate limits: rl)`},
			{"routes[0].rate_limits[2]", `"rl" is already rate_limits[0] of this route`},
		}},
		{"no limits defined", `
routes:
  - {name: a, prefix: /a, service: s, rate_limits: [x]}
`, [][2]string{{"routes[0].rate_limits[0]", "(none are defined)"}}},
		{"redirect extras", `
auth:
  policies: [{name: anon, accept: [key], anonymous: guest}]
  consumers: [{name: guest}]
rate_limits:
  - {name: rl, algorithm: token_bucket, limit: 1, window: 1s}
routes:
  - {name: a, prefix: /a, redirect: {path: /b}, auth: anon, rate_limits: [rl], transform: {}}
`, [][2]string{
			{"routes[0].auth", "answers before authentication"},
			{"routes[0].rate_limits", "answers before rate limiting"},
			{"routes[0].transform", "forwards nothing"},
		}},
		{"aggregate mirror", `
routes:
  - {name: a, prefix: /a, mirror: {service: m, percent: 5}, aggregate: {backends: [{service: u}]}}
`, [][2]string{{"routes[0].mirror", "fans out already"}}},
		{"transform", `
routes:
  - name: a
    prefix: /a
    service: s
    transform: {request: {headers: {set: [{name: Connection, value: close}]}}}
`, [][2]string{{"routes[0].transform.request.headers.set[0].name", "hop-by-hop"}}},
		{"aggregate", `
routes:
  - {name: a, prefix: /a, aggregate: {policy: all, backends: [{service: u}]}}
`, [][2]string{{"routes[0].aggregate.policy", `unknown policy "all"`}}},
		{"route fields", `
routes:
  - {name: a, prefix: api, service: s}
  - {name: b, prefix: /b, service: s, methods: ["GE T"]}
`, [][2]string{{"routes[0].prefix", ""}, {"routes[1].methods[0]", ""}}},
		{"service shorthand", `
routes:
  - {name: a, path: /a, backends: [{service: ""}]}
`, [][2]string{{"routes[0].backends[0].service", ""}}},
		{"duplicate routes", `
routes:
  - {name: a, prefix: /a, service: s}
  - {name: b, prefix: /a, service: t}
`, [][2]string{{"routes[1]", "same host, path and conditions as routes[0]"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := decode(t, tt.src)
			err := g.Validate()
			if err == nil {
				t.Fatalf("Validate() = nil, want %v", tt.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("errors.Is(%v, ErrInvalid) = false", err)
			}
			var got [][2]string
			for _, e := range flatten(err) {
				fe, ok := errors.AsType[*FieldError](e)
				if !ok {
					t.Fatalf("error %v is not a *FieldError", e)
				}
				got = append(got, [2]string{fe.Path, fe.Msg})
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d errors %q, want %d %q", len(got), got, len(tt.want), tt.want)
			}
			for i := range got {
				if got[i][0] != tt.want[i][0] || !strings.Contains(got[i][1], tt.want[i][1]) {
					t.Errorf("error %d = %s: %s, want %s: ...%s...", i, got[i][0], got[i][1], tt.want[i][0], tt.want[i][1])
				}
			}
		})
	}
}

func TestFieldErrorWrapsPolicyError(t *testing.T) {
	g := decode(t, `
rate_limits:
  - {name: x, algorithm: token_bucket, limit: 0, window: 1s}
routes:
  - {name: a, prefix: api, service: s}
  - {name: b, prefix: /b, service: s, transform: {response: {status_map: {99: 200}}}}
auth:
  consumers: [{name: ""}]
`)
	err := g.Validate()
	for _, target := range []error{ratelimit.ErrInvalid, route.ErrInvalid, transform.ErrInvalidConfig} {
		if !errors.Is(err, target) {
			t.Errorf("errors.Is(err, %v) = false; err = %v", target, err)
		}
	}
	if _, ok := errors.AsType[*auth.FieldError](err); !ok {
		t.Errorf("no *auth.FieldError in %v", err)
	}
	const want = "gateway: rate_limits[0].limit: must be at least 1"
	if got := flatten(err)[1].Error(); got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}

func TestServicesOrderAndShorthand(t *testing.T) {
	g := decode(t, `
routes:
  - {name: a, prefix: /a, service: s1}
  - {name: b, prefix: /b, backends: [{service: s2}, {service: s1}], mirror: {service: s3, percent: 1}}
  - {name: c, prefix: /c, aggregate: {backends: [{service: s4}, {service: s2}]}}
  - {name: d, prefix: /d, redirect: {path: /a}}
`)
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := g.Services(), []string{"s1", "s2", "s3", "s4"}; !slices.Equal(got, want) {
		t.Errorf("Services() = %v, want %v", got, want)
	}
	tests := []struct {
		i    int
		want []route.Backend
	}{
		{0, []route.Backend{{Service: "s1", Weight: 1}}},
		{1, []route.Backend{{Service: "s2"}, {Service: "s1"}}},
		{2, []route.Backend{{Service: "s4", Weight: 1}, {Service: "s2", Weight: 1}}},
		{3, nil},
	}
	for _, tt := range tests {
		if got := g.Routes[tt.i].Backends(); !slices.Equal(got, tt.want) {
			t.Errorf("routes[%d].Backends() = %v, want %v", tt.i, got, tt.want)
		}
	}
}

func TestUnknownFieldRejected(t *testing.T) {
	dec := yaml.NewDecoder(bytes.NewReader([]byte("routes:\n  - {name: a, prefix: /a, servce: s}\n")))
	dec.KnownFields(true)
	var g Gateway
	if err := dec.Decode(&g); err == nil || !strings.Contains(err.Error(), "servce") {
		t.Errorf("Decode = %v, want an unknown field error naming servce", err)
	}
}
