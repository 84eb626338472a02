package scenarios

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/baton-sim/baton/gateway/config"
	"github.com/baton-sim/baton/gateway/ratelimit"
	"github.com/baton-sim/baton/gateway/route"
	"github.com/baton-sim/baton/gateway/transform"
)

func TestParseSet(t *testing.T) {
	tests := []struct {
		arg     string
		want    Set
		wantErr string
	}{
		{arg: "services.cart.replicas=4", want: Set{Path: "services.cart.replicas", Value: "4"}},
		{arg: "mesh.balancer=round_robin", want: Set{Path: "mesh.balancer", Value: "round_robin"}},
		{arg: "gateway.routes.0.service=x", want: Set{Path: "gateway.routes.0.service", Value: "x"}},
		{arg: "slo.0=p99 < 1s", want: Set{Path: "slo.0", Value: "p99 < 1s"}},
		{arg: "description=a=b", want: Set{Path: "description", Value: "a=b"}},
		{arg: " load.rate =5/s", want: Set{Path: "load.rate", Value: "5/s"}},
		{arg: "load.arrival=", want: Set{Path: "load.arrival", Value: ""}},
		{arg: "services.cart.replicas", wantErr: `--set services.cart.replicas: missing "="; write PATH=VALUE, such as services.cart.replicas=4`},
		{arg: "=4", wantErr: `--set =4: missing path before "="; write PATH=VALUE, such as services.cart.replicas=4`},
		{arg: "services..replicas=4", wantErr: `--set services..replicas=4: empty key in path "services..replicas"; separate keys with single dots, such as load.rate`},
		{arg: ".x=1", wantErr: `--set .x=1: empty key in path ".x"; separate keys with single dots, such as load.rate`},
	}
	for _, tt := range tests {
		got, err := ParseSet(tt.arg)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseSet(%q): got %v, %v; want error %q", tt.arg, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseSet(%q): got %+v, %v; want %+v", tt.arg, got, err, tt.want)
		}
		if back := got.String(); back != strings.TrimSpace(tt.arg) && !strings.HasPrefix(tt.arg, " ") {
			t.Errorf("Set.String(): got %q, want %q", back, tt.arg)
		}
	}
}

// setBase is the scenario the --set table edits.
const setBase = `baton: v1
name: base
services:
  frontend:
    replicas: 3
    latency: 5ms
    calls:
      - cart
      - parallel: [stock]
  cart: &cart
    latency: {dist: lognormal, p50: 2ms, p99: 9ms}
  stock:
    <<: *cart
    replicas: 2
gateway:
  routes:
    - {prefix: /api, service: frontend}
load:
  rate: 100/s
faults:
  - {at: 10s, for: 5s, kind: error, target: {service: cart}}
`

func TestSets(t *testing.T) {
	tests := []struct {
		name    string
		sets    []string
		get     func(*Scenario) any
		want    any
		wantErr string
	}{
		{name: "replace an integer", sets: []string{"services.frontend.replicas=4"},
			get: func(s *Scenario) any { return s.Services[0].Replicas }, want: 4},
		{name: "later sets win", sets: []string{"services.frontend.replicas=4", "services.frontend.replicas=5"},
			get: func(s *Scenario) any { return s.Services[0].Replicas }, want: 5},
		{name: "create a missing key", sets: []string{"load.arrival=uniform"},
			get: func(s *Scenario) any { return s.Load.Arrival }, want: ArrivalUniform},
		{name: "create a missing section", sets: []string{"mesh.balancer=round_robin"},
			get: func(s *Scenario) any { return s.Mesh.Balancer }, want: BalancerRoundRobin},
		{name: "empty value restores the default", sets: []string{"services.frontend.replicas="},
			get: func(s *Scenario) any { return s.Services[0].Replicas }, want: 1},
		{name: "rate in another unit", sets: []string{"load.rate=30/m"},
			get: func(s *Scenario) any { return s.Load.Rate }, want: 0.5},
		{name: "route service by index", sets: []string{"gateway.routes.0.service=cart"},
			get: func(s *Scenario) any { return s.Gateway.Routes[0].Service }, want: "cart"},
		{name: "append a route", sets: []string{"gateway.routes.1.prefix=/stock", "gateway.routes.1.service=stock"},
			get: func(s *Scenario) any { return s.Gateway.Routes[1] }, want: Route{Route: route.Route{Name: "/stock", Prefix: "/stock"}, Service: "stock"}},
		{name: "expand a latency shorthand", sets: []string{"services.frontend.latency.value=7ms"},
			get: func(s *Scenario) any { return s.Services[0].Latency }, want: Latency{Dist: DistConstant, Value: 7 * time.Millisecond}},
		{name: "replace a latency mapping", sets: []string{"services.cart.latency=3ms"},
			get: func(s *Scenario) any { return s.Services[1].Latency }, want: Latency{Dist: DistConstant, Value: 3 * time.Millisecond}},
		{name: "expand a call shorthand", sets: []string{"services.frontend.calls.0.probability=25%"},
			get: func(s *Scenario) any { return *s.Services[0].Calls[0].Call }, want: Call{Service: "cart", Probability: 0.25}},
		{name: "call inside a parallel group", sets: []string{"services.frontend.calls.1.parallel.0.probability=0.5"},
			get: func(s *Scenario) any { return s.Services[0].Calls[1].Parallel }, want: []Call{{Service: "stock", Probability: 0.5}}},
		{name: "flow list value", sets: []string{"load.paths=[/api/a, /api/b]"},
			get: func(s *Scenario) any { return s.Load.Paths }, want: []string{"/api/a", "/api/b"}},
		{name: "anchored value changes for one user only", sets: []string{"services.cart.latency.p99=20ms"},
			get:  func(s *Scenario) any { return []time.Duration{s.Services[1].Latency.P99, s.Services[2].Latency.P99} },
			want: []time.Duration{20 * time.Millisecond, 9 * time.Millisecond}},
		{name: "merged value is copied before it changes", sets: []string{"services.stock.latency.p50=1ms"},
			get:  func(s *Scenario) any { return []time.Duration{s.Services[1].Latency.P50, s.Services[2].Latency.P50} },
			want: []time.Duration{2 * time.Millisecond, 1 * time.Millisecond}},
		{name: "percentile with a dot", sets: []string{"services.cart.latency={dist: empirical, percentiles: {p50: 1ms}}", "services.cart.latency.percentiles.p99.9=5ms"},
			get:  func(s *Scenario) any { return s.Services[1].Latency.Percentiles },
			want: []Percentile{{Quantile: 0.5, Value: time.Millisecond}, {Quantile: 0.999, Value: 5 * time.Millisecond}}},
		{name: "add an slo", sets: []string{"slo.0=p99 < 80ms"},
			get: func(s *Scenario) any { return s.SLO }, want: []SLO{{Rule: "p99 < 80ms", Metric: MetricPercentile, Quantile: 0.99, Op: "<", Threshold: 80}}},
		{name: "mesh balancer", sets: []string{"mesh.balancer=p2c_peak_ewma"},
			get: func(s *Scenario) any { return s.Mesh.Balancer }, want: BalancerP2CPeakEWMA},
		{name: "create a block with its defaults", sets: []string{"mesh.retries.budget.ratio=20%"},
			get: func(s *Scenario) any { return *s.Mesh.Retries.Budget }, want: RetryBudget{Ratio: 0.2, MinPerSecond: 10, TTL: 10 * time.Second}},
		{name: "retries created by a budget set take their defaults", sets: []string{"mesh.retries.budget.ratio=5"},
			get: func(s *Scenario) any {
				return []any{s.Mesh.Retries.Attempts, s.Mesh.Retries.Backoff.Max, s.Mesh.Retries.Budget.Ratio}
			},
			want: []any{2, 250 * time.Millisecond, 5.0}},
		{name: "destination by name", sets: []string{"mesh.destinations.cart.balancer=maglev"},
			get: func(s *Scenario) any { return s.Mesh.Destinations }, want: map[string]MeshPolicy{"cart": {Balancer: BalancerMaglev}}},
		{name: "destination block", sets: []string{"mesh.destinations.stock.hedge.delay=5ms"},
			get: func(s *Scenario) any { return *s.Mesh.Destinations["stock"].Hedge }, want: Hedge{Delay: 5 * time.Millisecond, MaxAttempts: 2}},
		{name: "replica override latency", sets: []string{"services.frontend.overrides.0.replica=2", "services.frontend.overrides.0.latency=50ms"},
			get:  func(s *Scenario) any { return s.Services[0].Overrides },
			want: []ReplicaOverride{{Replica: 2, Latency: &Latency{Dist: DistConstant, Value: 50 * time.Millisecond}}}},
		{name: "override latency shorthand expanded", sets: []string{"services.frontend.overrides.0={replica: 1, latency: 5ms}", "services.frontend.overrides.0.latency.value=6ms"},
			get:  func(s *Scenario) any { return *s.Services[0].Overrides[0].Latency },
			want: Latency{Dist: DistConstant, Value: 6 * time.Millisecond}},
		{name: "zones list item", sets: []string{"services.cart.zones.0=zone-a", "services.cart.zones.1=zone-b"},
			get: func(s *Scenario) any { return s.Services[1].Zones }, want: []string{"zone-a", "zone-b"}},
		{name: "authz rule", sets: []string{"mesh.authz.0={to: cart, from: [frontend]}", "mesh.authz.0.from.1=gateway"},
			get: func(s *Scenario) any { return s.Mesh.Authz }, want: []AuthzRule{{To: "cart", From: []string{"frontend", "gateway"}}}},
		{name: "mtls mode", sets: []string{"mesh.mtls.mode=permissive"},
			get: func(s *Scenario) any { return s.Mesh.MTLS }, want: MTLS{Mode: MTLSPermissive, TrustDomain: "baton.local", CertTTL: time.Hour, RotateAt: 0.7}},
		{name: "empty value turns a block off", sets: []string{"mesh.hedge.delay=5ms", "mesh.hedge="},
			get: func(s *Scenario) any { return s.Mesh.Hedge }, want: (*Hedge)(nil)},
		{name: "closed model in place of a rate", sets: []string{"load.model=closed", "load.users=20", "load.rate="},
			get:  func(s *Scenario) any { return []any{s.Load.Model, s.Load.Users, s.Load.Rate, s.Duration} },
			want: []any{ModelClosed, 20, 0.0, 30 * time.Second}},
		{name: "user stages set the duration", sets: []string{"load.model=closed", "load.rate=", "load.user_stages.0={target: 5, duration: 1m}", "load.user_stages.1.target=0", "load.user_stages.1.duration=30s"},
			get: func(s *Scenario) any { return s.Duration }, want: 90 * time.Second},
		{name: "stages in place of a rate", sets: []string{"load.rate=", "load.stages.0.ramp={to: 10/s, duration: 20s}", "load.stages.1.constant={rate: 10, duration: 40s}"},
			get:  func(s *Scenario) any { return []any{s.Duration, *s.Load.Stages[1].Constant} },
			want: []any{time.Minute, ConstantStage{Rate: 10, Duration: 40 * time.Second}}},
		{name: "--duration overrides the stages' sum", sets: []string{"load.rate=", "load.stages.0.constant={rate: 10, duration: 5m}", "duration=10s"},
			get: func(s *Scenario) any { return s.Duration }, want: 10 * time.Second},
		{name: "a client class", sets: []string{"load.clients.0.name=web", "load.clients.0.share=25%", "load.clients.0.key.n=10"},
			get: func(s *Scenario) any { return s.Load.Clients },
			want: []ClientClass{{Name: "web", Share: 0.25, APIKeyHeader: "apikey",
				Key: &KeyDist{Dist: KeyUniform, N: 10, S: 1.1, Header: "X-Baton-Key"}}}},
		{name: "move a fault", sets: []string{"faults.0.at=5s"},
			get:  func(s *Scenario) any { return s.Faults },
			want: []Fault{{At: 5 * time.Second, For: 5 * time.Second, Kind: FaultError, Target: FaultTarget{Service: "cart"}, Percentage: 100, Status: 503}}},
		{name: "change a fault's kind", sets: []string{"faults.0.kind=hang", "faults.0.percentage=10"},
			get:  func(s *Scenario) any { return s.Faults[0] },
			want: Fault{At: 10 * time.Second, For: 5 * time.Second, Kind: FaultHang, Target: FaultTarget{Service: "cart"}, Percentage: 10}},
		{name: "add a fault", sets: []string{"faults.1={kind: crash, target: {service: stock, replica: 1}}"},
			get:  func(s *Scenario) any { return s.Faults[1] },
			want: Fault{Kind: FaultCrash, Target: FaultTarget{Service: "stock", Replica: ptrTo(1)}}},
		{name: "remove the faults", sets: []string{"faults="},
			get: func(s *Scenario) any { return s.Faults }, want: []Fault(nil)},
		{name: "gateway replicas", sets: []string{"gateway.replicas=2"},
			get: func(s *Scenario) any { return s.Gateway.Replicas }, want: 2},
		{name: "gateway limit mode", sets: []string{"gateway.limits.mode=shared", "gateway.limits.sync_delay=20ms"},
			get:  func(s *Scenario) any { return s.Gateway.Limits },
			want: config.Limits{Mode: ratelimit.ModeShared, SyncDelay: 20 * time.Millisecond, FailOpen: ptrTo(true)}},
		{name: "a backend's weight", sets: []string{"gateway.routes.0.service=", "gateway.routes.0.backends=[{service: cart, weight: 1}]",
			"gateway.routes.0.backends.1.service=stock", "gateway.routes.0.backends.1.weight=50"},
			get:  func(s *Scenario) any { return s.Gateway.Routes[0].Route.Backends },
			want: []route.Backend{{Service: "cart", Weight: 1}, {Service: "stock", Weight: 50}}},
		{name: "a rate limit with a tier", sets: []string{"gateway.rate_limits.0={name: rl, algorithm: gcra, limit: 5, window: 1s}",
			"gateway.rate_limits.0.tiers.gold.burst=9", "gateway.routes.0.rate_limits.0=rl"},
			get: func(s *Scenario) any { return s.Gateway.RateLimits[0] },
			want: ratelimit.LimitConfig{Name: "rl", Options: ratelimit.Options{Algorithm: ratelimit.AlgGCRA, Limit: 5, Window: time.Second},
				Tiers: map[string]ratelimit.Options{"gold": {Burst: 9}}}},
		{name: "a status map entry", sets: []string{"gateway.routes.0.transform.response.status_map.502=503"},
			get:  func(s *Scenario) any { return s.Gateway.Routes[0].Transform },
			want: &transform.Config{Response: transform.ResponseConfig{StatusMap: map[int]int{502: 503}}}},
		{name: "a route by template names itself", sets: []string{"gateway.routes.1={template: '/items/{id}', service: cart}"},
			get:  func(s *Scenario) any { return []any{s.Gateway.Routes[1].Name, s.Load.Paths} },
			want: []any{"/items/{id}", []string{"/api", "/items/id"}}},

		{name: "misspelt service", sets: []string{"services.cartt.replicas=4"},
			wantErr: `--set services.cartt.replicas=4: services: unknown service "cartt" (did you mean "cart"?)`},
		{name: "unknown service", sets: []string{"services.nothing.replicas=4"},
			wantErr: `--set services.nothing.replicas=4: services: unknown service "nothing"; services are frontend, cart, stock`},
		{name: "misspelt key", sets: []string{"services.cart.replcas=4"},
			wantErr: `--set services.cart.replcas=4: services.cart: unknown field "replcas" (did you mean "replicas"?)`},
		{name: "misspelt section", sets: []string{"lod.rate=4"},
			wantErr: `--set lod.rate=4: unknown field "lod" (did you mean "load"?)`},
		{name: "bad value", sets: []string{"services.cart.replicas=x"},
			wantErr: `--set services.cart.replicas=x: services.cart.replicas: must be an integer, got "x"`},
		{name: "value out of range", sets: []string{"services.cart.replicas=0"},
			wantErr: `--set services.cart.replicas=0: services.cart.replicas: must be at least 1, got 0`},
		{name: "value names an unknown service", sets: []string{"gateway.routes.0.service=catalgo"},
			wantErr: `--set gateway.routes.0.service=catalgo: gateway.routes[0].service: unknown service "catalgo"; services are frontend, cart, stock`},
		{name: "misspelt gateway field", sets: []string{"gateway.limits.mdoe=shared"},
			wantErr: `--set gateway.limits.mdoe=shared: gateway.limits: unknown field "mdoe" (did you mean "mode"?)`},
		{name: "a weight beyond 32 bits", sets: []string{"gateway.routes.0.service=", "gateway.routes.0.backends.0={service: cart, weight: 5000000000}"},
			wantErr: `--set gateway.routes.0.backends.0={service: cart, weight: 5000000000}: gateway.routes[0].backends[0].weight: 5000000000 is out of range; use at most 4294967295`},
		{name: "a mirror to an unknown service", sets: []string{"gateway.routes.0.mirror={service: stok, percent: 5}"},
			wantErr: `--set gateway.routes.0.mirror={service: stok, percent: 5}: gateway.routes[0].mirror.service: unknown service "stok" (did you mean "stock"?)`},
		{name: "index out of range", sets: []string{"gateway.routes.2.service=cart"},
			wantErr: `--set gateway.routes.2.service=cart: gateway.routes: "2" is not an index of the list; it has 1 item, use 0, or 1 to add an item`},
		{name: "index into a mapping", sets: []string{"load.0=1"},
			wantErr: `--set load.0=1: load: unknown field "0"; fields are rate, arrival, paths, model, stages, users, user_stages, think, clients`},
		{name: "field of a scalar", sets: []string{"load.rate.unit=s"},
			wantErr: `--set load.rate.unit=s: load.rate: is a single value; it has no field "unit"`},
		{name: "invalid yaml", sets: []string{"name={"},
			wantErr: `--set name={: name: invalid YAML value: line 1: did not find expected node content; quote text that contains YAML punctuation`},
		{name: "failed set leaves no trace", sets: []string{"services.frontend.calls.1.parallel.5.service=x", "services.frontend.calls.1.parallel.0=cart"},
			wantErr: `--set services.frontend.calls.1.parallel.5.service=x: services.frontend.calls[1].parallel: "5" is not an index of the list; it has 1 item, use 0, or 1 to add an item`},
		{name: "misspelt destination", sets: []string{"mesh.destinations.cartt.balancer=maglev"},
			wantErr: `--set mesh.destinations.cartt.balancer=maglev: mesh.destinations.cartt: unknown service "cartt" (did you mean "cart"?)`},
		{name: "misspelt mesh field", sets: []string{"mesh.retries.budget.ratoi=1"},
			wantErr: `--set mesh.retries.budget.ratoi=1: mesh.retries.budget: unknown field "ratoi" (did you mean "ratio"?)`},
		{name: "ratio out of range", sets: []string{"mesh.retries.budget.ratio=2000%"},
			wantErr: `--set mesh.retries.budget.ratio=2000%: mesh.retries.budget.ratio: must be between 0 and 10 (or 0% and 1000%), got 2000%`},
		{name: "override of a missing replica", sets: []string{"services.stock.overrides.0={replica: 2, latency: 1ms}"},
			wantErr: `--set services.stock.overrides.0={replica: 2, latency: 1ms}: services.stock.overrides[0].replica: must be a replica index from 0 to 1 (the service has 2 replicas), got 2`},
		{name: "override index past the end", sets: []string{"services.cart.overrides.1.latency=1ms"},
			wantErr: `--set services.cart.overrides.1.latency=1ms: services.cart.overrides: "1" is not an index of the list; it is empty, use 0 to add an item`},
		{name: "closed model with the file's rate", sets: []string{"load.model=closed", "load.users=20"},
			wantErr: `base.yaml:19:9: load.rate: not used by the closed model, whose users send as fast as answers and think time allow; leave rate out (--set load.rate= removes it)`},
		{name: "closed model without users", sets: []string{"load.model=closed", "load.rate="},
			wantErr: `--set load.model=closed: load.model: the closed model needs users above 0 or user_stages, such as users: 20`},
		{name: "stages beside the file's rate", sets: []string{"load.stages.0.constant={rate: 1, duration: 1s}"},
			wantErr: `base.yaml:19:9: load.rate: not with stages: rate alone is one constant stage; write it as a stage such as {constant: {rate: 100/s, duration: 1m}}, or leave rate out`},
		{name: "misspelt load model", sets: []string{"load.model=opne"},
			wantErr: `--set load.model=opne: load.model: unknown model "opne" (did you mean "open"?)`},
		{name: "fault at a negative time", sets: []string{"faults.0.at=-5s"},
			wantErr: `--set faults.0.at=-5s: faults[0].at: must be >= 0, got -5s`},
		{name: "fault on a misspelt service", sets: []string{"faults.0.target.service=crat"},
			wantErr: `--set faults.0.target.service=crat: faults[0].target.service: unknown service "crat" (did you mean "cart"?)`},
		{name: "fault field another kind uses", sets: []string{"faults.0.bandwidth=10"},
			wantErr: `--set faults.0.bandwidth=10: faults[0].bandwidth: not used by an error fault; only slow_body faults use it`},
		{name: "misspelt fault field", sets: []string{"faults.0.fro=1s"},
			wantErr: `--set faults.0.fro=1s: faults[0]: unknown field "fro" (did you mean "for"?)`},
		{name: "errors from several sets and the file", sets: []string{"services.cart.replicas=-1", "load.arrival=possion"},
			wantErr: "--set services.cart.replicas=-1: services.cart.replicas: must be at least 1, got -1\n" +
				`--set load.arrival=possion: load.arrival: unknown arrival model "possion" (did you mean "poisson"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sets []Set
			for _, a := range tt.sets {
				s, err := ParseSet(a)
				if err != nil {
					t.Fatal(err)
				}
				sets = append(sets, s)
			}
			s, err := Parse("base.yaml", []byte(setBase), sets...)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("got no error, want %q", tt.wantErr)
				}
				if got := err.Error(); got != tt.wantErr {
					t.Fatalf("got error\n%s\nwant\n%s", got, tt.wantErr)
				}
				checkPositions(t, "base.yaml", err, true)
				return
			}
			if err != nil {
				t.Fatalf("got error %v", err)
			}
			if got := tt.get(s); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// TestSetDoesNotTouchInput checks that Parse leaves the caller's bytes and
// that the same sets give the same result twice.
func TestSetDoesNotTouchInput(t *testing.T) {
	src := []byte(setBase)
	set := Set{Path: "services.cart.latency.p99", Value: "20ms"}
	a, err := Parse("base.yaml", src, set)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse("base.yaml", src, set)
	if err != nil {
		t.Fatal(err)
	}
	if string(src) != setBase || !reflect.DeepEqual(a, b) {
		t.Errorf("Parse with sets is not repeatable")
	}
}

func ptrTo[T any](v T) *T { return &v }
