package scenarios

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/baton-sim/baton/gateway/auth"
	"github.com/baton-sim/baton/gateway/ratelimit"
	"github.com/baton-sim/baton/gateway/route"
	"github.com/baton-sim/baton/gateway/transform"
)

// meshBase is a topology the mesh tests put a mesh block on.
const meshBase = `baton: v1
name: mesh-test
services:
  frontend: {calls: [catalog]}
  catalog: {replicas: 3}
gateway: {routes: [{prefix: /, service: frontend}]}
load: {rate: 1}
`

func parseMesh(t *testing.T, mesh string) *Scenario {
	t.Helper()
	src := meshBase
	if mesh != "" {
		src += "mesh:\n" + mesh
	}
	s, err := Parse("mesh.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse:\n%v\n%s", err, src)
	}
	return s
}

// TestMeshDefaults pins the value every block takes when it is written
// with fields left out: the mesh package trusts these numbers.
func TestMeshDefaults(t *testing.T) {
	defaultRetries := func() *Retries {
		return &Retries{
			Attempts:    2,
			RetryOn:     []string{"connect-failure", "reset", "retriable-status-codes"},
			StatusCodes: []int{503},
			Backoff:     Backoff{Base: 25 * time.Millisecond, Max: 250 * time.Millisecond, Jitter: "full"},
		}
	}
	withBudget := defaultRetries()
	withBudget.Budget = &RetryBudget{Ratio: 0.2, MinPerSecond: 10, TTL: 10 * time.Second}
	slowerBackoff := defaultRetries()
	slowerBackoff.Backoff.Base, slowerBackoff.Backoff.Max = 40*time.Millisecond, 400*time.Millisecond
	noRetries := defaultRetries()
	noRetries.Attempts = 0
	defaultBreaker := func() *CircuitBreaker {
		return &CircuitBreaker{MaxConnections: 1024, MaxPending: 1024, MaxRequests: 1024, MaxRetries: 3,
			CoolDown: 30 * time.Second, MaxCoolDown: 30 * time.Second, Probes: 1}
	}
	shortBreaker := defaultBreaker()
	shortBreaker.CoolDown, shortBreaker.MaxCoolDown = 5*time.Second, 5*time.Second
	defaultOutlier := func() *OutlierDetection {
		return &OutlierDetection{Interval: 10 * time.Second, Consecutive5xx: 5, BaseEjectionTime: 30 * time.Second,
			MaxEjectionTime: 300 * time.Second, MaxEjectionPercent: 10}
	}
	longEjection := defaultOutlier()
	longEjection.BaseEjectionTime, longEjection.MaxEjectionTime = 10*time.Minute, 10*time.Minute
	detectors := defaultOutlier()
	detectors.SuccessRate = &SuccessRate{StdevFactor: 1.9, MinimumHosts: 5, RequestVolume: 100}
	detectors.FailurePercentage = &FailurePercentage{Threshold: 0.85, MinimumHosts: 5, RequestVolume: 50}

	policy := func(s *Scenario) any { return s.Mesh.MeshPolicy }
	tests := []struct {
		name, mesh string
		get        func(*Scenario) any
		want       any
	}{
		{name: "no mesh", get: func(s *Scenario) any { return s.Mesh }, want: Mesh{
			Mode:       ModeProxyless,
			MeshPolicy: MeshPolicy{Balancer: BalancerRoundRobin, Timeout: 15 * time.Second},
			MTLS:       MTLS{Mode: MTLSOff, TrustDomain: "baton.local", CertTTL: time.Hour, RotateAt: 0.7},
		}},
		{name: "empty mesh", mesh: "  {}\n", get: policy, want: MeshPolicy{Balancer: BalancerRoundRobin, Timeout: 15 * time.Second}},
		{name: "retries", mesh: "  retries: {}\n", get: func(s *Scenario) any { return s.Mesh.Retries }, want: defaultRetries()},
		{name: "retry budget", mesh: "  retries: {budget: {}}\n", get: func(s *Scenario) any { return s.Mesh.Retries }, want: withBudget},
		{name: "backoff max follows base", mesh: "  retries: {backoff: {base: 40ms}}\n",
			get: func(s *Scenario) any { return s.Mesh.Retries }, want: slowerBackoff},
		{name: "written zero attempts stay zero", mesh: "  retries: {attempts: 0}\n",
			get: func(s *Scenario) any { return s.Mesh.Retries }, want: noRetries},
		{name: "written zero ratio stays zero", mesh: "  retries: {budget: {ratio: 0%}}\n",
			get:  func(s *Scenario) any { return *s.Mesh.Retries.Budget },
			want: RetryBudget{Ratio: 0, MinPerSecond: 10, TTL: 10 * time.Second}},
		{name: "circuit breaker", mesh: "  circuit_breaker: {}\n", get: func(s *Scenario) any { return s.Mesh.CircuitBreaker }, want: defaultBreaker()},
		{name: "max cooldown follows cooldown", mesh: "  circuit_breaker: {cooldown: 5s}\n",
			get: func(s *Scenario) any { return s.Mesh.CircuitBreaker }, want: shortBreaker},
		{name: "outlier detection", mesh: "  outlier_detection: {}\n", get: func(s *Scenario) any { return s.Mesh.OutlierDetection }, want: defaultOutlier()},
		{name: "max ejection follows a long base", mesh: "  outlier_detection: {base_ejection_time: 10m}\n",
			get: func(s *Scenario) any { return s.Mesh.OutlierDetection }, want: longEjection},
		{name: "outlier detectors", mesh: "  outlier_detection: {success_rate: {}, failure_percentage: {}}\n",
			get: func(s *Scenario) any { return s.Mesh.OutlierDetection }, want: detectors},
		{name: "percent form of max_ejection_percent", mesh: "  outlier_detection: {max_ejection_percent: 35%}\n",
			get: func(s *Scenario) any { return s.Mesh.OutlierDetection.MaxEjectionPercent }, want: 35},
		{name: "hedge", mesh: "  hedge: {delay: 50ms}\n", get: func(s *Scenario) any { return s.Mesh.Hedge },
			want: &Hedge{Delay: 50 * time.Millisecond, MaxAttempts: 2}},
		{name: "slow start", mesh: "  slow_start: {window: 10s}\n", get: func(s *Scenario) any { return s.Mesh.SlowStart },
			want: &SlowStart{Window: 10 * time.Second, Aggression: 1, MinWeight: 0.1}},
		{name: "health check", mesh: "  health_check: {}\n", get: func(s *Scenario) any { return s.Mesh.HealthCheck },
			want: &HealthCheck{Interval: time.Second, Timeout: 500 * time.Millisecond, HealthyThreshold: 1, UnhealthyThreshold: 3, Path: "/healthz"}},
		{name: "locality", mesh: "  locality: {}\n", get: func(s *Scenario) any { return s.Mesh.Locality },
			want: &Locality{FailoverThreshold: 0.7, PanicThreshold: 0.5}},
		{name: "mtls", mesh: "  mtls: {mode: strict}\n", get: func(s *Scenario) any { return s.Mesh.MTLS },
			want: MTLS{Mode: MTLSStrict, TrustDomain: "baton.local", CertTTL: time.Hour, RotateAt: 0.7}},
		{name: "a block written empty is off", mesh: "  retries:\n  hedge: ~\n", get: policy,
			want: MeshPolicy{Balancer: BalancerRoundRobin, Timeout: 15 * time.Second}},
		{name: "destinations inherit what they leave out", mesh: "  balancer: maglev\n  destinations: {catalog: {}, frontend: ~}\n",
			get: func(s *Scenario) any { return s.Mesh.Destinations }, want: map[string]MeshPolicy{"catalog": {}, "frontend": {}}},
		{name: "destination blocks take defaults", mesh: "  destinations: {catalog: {retries: {}}}\n",
			get: func(s *Scenario) any { return s.Mesh.Destinations["catalog"] }, want: MeshPolicy{Retries: defaultRetries()}},
		{name: "hash key", mesh: "  balancer: ring_hash\n  hash_key: {header: X-User}\n",
			get: func(s *Scenario) any { return s.Mesh.HashKey }, want: &HashKey{Header: "X-User"}},
		{name: "authz", mesh: "  authz: [{to: catalog, from: [frontend, gateway]}, {to: frontend, from: []}]\n",
			get:  func(s *Scenario) any { return s.Mesh.Authz },
			want: []AuthzRule{{To: "catalog", From: []string{"frontend", "gateway"}}, {To: "frontend"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := parseMesh(t, tt.mesh)
			if got := tt.get(s); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", deref(got), deref(tt.want))
			}
			checkRoundTrip(t, s)
		})
	}
}

// deref shows what a pointer points at in a failure message.
func deref(v any) any {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && !rv.IsNil() {
		return rv.Elem().Interface()
	}
	return v
}

func TestServiceMeshFields(t *testing.T) {
	src := `baton: v1
name: overrides
services:
  backend:
    replicas: 3
    errors: {rate: 1%, status: 503}
    zones: [zone-a, zone-b]
    overrides:
      - {replica: 2, latency: 200ms, errors: {rate: 50%}}
      - {replica: 0, latency: {dist: uniform, min: 1ms, max: 2ms}}
gateway: {routes: [{prefix: /, service: backend}]}
load: {rate: 1}
`
	s, err := Parse("overrides.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	svc := s.Services[0]
	if want := []string{"zone-a", "zone-b"}; !slices.Equal(svc.Zones, want) {
		t.Errorf("zones: got %v, want %v", svc.Zones, want)
	}
	want := []ReplicaOverride{
		// An override's errors take a service's defaults, not this
		// service's values: status 500.
		{Replica: 2, Latency: &Latency{Dist: DistConstant, Value: 200 * time.Millisecond}, Errors: &Errors{Rate: 0.5, Status: 500}},
		{Replica: 0, Latency: &Latency{Dist: DistUniform, Min: time.Millisecond, Max: 2 * time.Millisecond}},
	}
	if !reflect.DeepEqual(svc.Overrides, want) {
		t.Errorf("overrides: got %+v, want %+v", svc.Overrides, want)
	}
	checkRoundTrip(t, s)
}

func TestBalancers(t *testing.T) {
	want := []string{"least_request", "least_request_full", "least_time", "maglev", "p2c_peak_ewma",
		"random", "ring_hash", "round_robin", "weighted_round_robin"}
	if got := Balancers(); !slices.Equal(got, want) {
		t.Errorf("Balancers(): got %v, want %v", got, want)
	}
	for _, b := range Balancers() {
		s := parseMesh(t, "  balancer: "+b+"\n")
		if s.Mesh.Balancer != b {
			t.Errorf("balancer %s: got %q", b, s.Mesh.Balancer)
		}
	}
}

// TestSchemaTypes walks every Go type the tag-driven decoder reaches and
// checks that it can read and write it: every field is named, every form
// fits its type, every default tag reads without a problem, and required
// fields have no default (it would never apply).
func TestSchemaTypes(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type, path string)
	check := func(path string, f fieldInfo) {
		base := f.typ
		for base.Kind() == reflect.Pointer || base.Kind() == reflect.Slice {
			base = base.Elem()
		}
		switch f.form {
		case "":
		case "fraction", "rate":
			if base.Kind() != reflect.Float64 {
				t.Errorf("%s: form %q on a %s, want a float64", path, f.form, f.typ)
			}
		case "percent":
			if base.Kind() != reflect.Int {
				t.Errorf("%s: form %q on a %s, want an int", path, f.form, f.typ)
			}
		default:
			t.Errorf("%s: unknown form %q", path, f.form)
		}
		if f.required != "" && f.def != "" {
			t.Errorf("%s: required and default:%q; a required field's default never applies", path, f.def)
		}
		if f.def != "" {
			d := newDecoder("default")
			n := defaultNode(f.def)
			if n == nil {
				t.Errorf("%s: default:%q is not YAML", path, f.def)
				return
			}
			v := reflect.New(f.typ).Elem()
			d.value(n, path, v, f)
			if len(d.errs) > 0 {
				t.Errorf("%s: default:%q does not read: %v", path, f.def, d.errs)
			}
		}
		if f.example != "" && defaultNode(f.example) == nil {
			t.Errorf("%s: example:%q is not YAML", path, f.example)
		}
	}
	walk = func(typ reflect.Type, path string) {
		if seen[typ] {
			return
		}
		seen[typ] = true
		switch typ {
		case reflect.TypeFor[time.Duration](), reflect.TypeFor[Latency](), reflect.TypeFor[[]Step](), reflect.TypeFor[time.Time]():
			return
		}
		switch typ.Kind() {
		case reflect.Pointer, reflect.Slice:
			walk(typ.Elem(), path+"[]")
		case reflect.Map:
			if k := typ.Key().Kind(); k != reflect.String && k != reflect.Int {
				t.Errorf("%s: map keyed by %s, want string names or int keys", path, typ.Key())
			}
			walk(typ.Elem(), path+".NAME")
		case reflect.Struct:
			fields := structFields(typ)
			if len(fields) == 0 {
				t.Errorf("%s: struct %s has no yaml fields", path, typ)
			}
			names := map[string]bool{}
			for _, f := range fields {
				if names[f.name] || f.name == "" {
					t.Errorf("%s: field name %q empty or repeated", path, f.name)
				}
				names[f.name] = true
				check(join(path, f.name), f)
				walk(f.typ, join(path, f.name))
			}
			for i := range typ.NumField() {
				sf := typ.Field(i)
				if _, ok := sf.Tag.Lookup("yaml"); !ok && !(typ == reflect.TypeFor[Service]() && sf.Name == "Name") {
					t.Errorf("%s: field %s.%s has no yaml tag", path, typ, sf.Name)
				}
			}
		case reflect.String, reflect.Bool, reflect.Int, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint32, reflect.Uint64, reflect.Float64, reflect.Interface:
		default:
			t.Errorf("%s: the decoder cannot read a %s", path, typ)
		}
	}
	for _, f := range fieldNamesOf(kindRoot) {
		if tk, ok := f.kind.(typeKind); ok {
			walk(tk.t, f.name)
		}
	}
	walk(reflect.TypeFor[Service](), "services.NAME")
	for _, typ := range []reflect.Type{
		reflect.TypeFor[FailurePercentage](), reflect.TypeFor[ReplicaOverride](), reflect.TypeFor[Load](),
		reflect.TypeFor[ReplayStage](), reflect.TypeFor[SpikeStage](), reflect.TypeFor[UserStage](),
		reflect.TypeFor[RequestTemplate](), reflect.TypeFor[KeyDist](), reflect.TypeFor[Fault](), reflect.TypeFor[HeaderMatch](),
		reflect.TypeFor[Gateway](), reflect.TypeFor[Route](), reflect.TypeFor[route.Backend](), reflect.TypeFor[auth.Policy](),
		reflect.TypeFor[ratelimit.Options](), reflect.TypeFor[transform.FieldValue](), reflect.TypeFor[transform.BodyOverride](),
		reflect.TypeFor[transform.Backend](), reflect.TypeFor[time.Time](),
	} {
		if !seen[typ] {
			t.Errorf("the walk missed %s; saw %d types", typ, len(seen))
		}
	}
}

func fieldNamesOf(k kind) []fieldSpec { return k.fields() }

// TestKinds checks that --set walks typeKinds the way it walks tables.
func TestKinds(t *testing.T) {
	mesh := fieldKind(kindRoot, "mesh")
	tests := []struct {
		path []string
		want string
	}{
		{[]string{"mesh"}, "struct scenarios.Mesh"},
		{[]string{"mesh", "balancer"}, "value"},
		{[]string{"mesh", "retries"}, "struct scenarios.Retries"},
		{[]string{"mesh", "retries", "budget"}, "struct scenarios.RetryBudget"},
		{[]string{"mesh", "retries", "retry_on"}, "values"},
		{[]string{"mesh", "destinations"}, "map scenarios.MeshPolicy"},
		{[]string{"mesh", "destinations", "catalog", "hedge"}, "struct scenarios.Hedge"},
		{[]string{"mesh", "authz"}, "list scenarios.AuthzRule"},
		{[]string{"services", "x", "overrides"}, "list scenarios.ReplicaOverride"},
		{[]string{"services", "x", "latency"}, "latency"},
		{[]string{"services", "x", "calls"}, "steps"},
		{[]string{"services", "x", "errors"}, "struct scenarios.Errors"},
		{[]string{"load"}, "struct scenarios.Load"},
		{[]string{"load", "model"}, "value"},
		{[]string{"load", "stages"}, "list scenarios.LoadStage"},
		{[]string{"load", "stages", "0", "ramp"}, "struct scenarios.RampStage"},
		{[]string{"load", "think"}, "latency"},
		{[]string{"load", "clients", "0", "headers"}, "map string"},
		{[]string{"load", "clients", "0", "key"}, "struct scenarios.KeyDist"},
		{[]string{"faults"}, "list scenarios.Fault"},
		{[]string{"faults", "0", "target", "header"}, "struct scenarios.HeaderMatch"},
		{[]string{"faults", "0", "add"}, "latency"},
		{[]string{"gateway"}, "struct config.Gateway"},
		{[]string{"gateway", "limits", "mode"}, "value"},
		{[]string{"gateway", "routes"}, "list config.Route"},
		{[]string{"gateway", "routes", "0", "backends"}, "list route.Backend"},
		{[]string{"gateway", "routes", "0", "backends", "1", "weight"}, "value"},
		{[]string{"gateway", "routes", "0", "transform", "response", "status_map"}, "map int"},
		{[]string{"gateway", "routes", "0", "transform", "request", "json", "0", "set", "value"}, "value"},
		{[]string{"gateway", "rate_limits", "0", "tiers", "gold"}, "struct ratelimit.Options"},
		{[]string{"gateway", "rate_limits", "0", "anchor"}, "value"},
		{[]string{"gateway", "auth", "policies", "0", "accept"}, "values"},
	}
	for _, tt := range tests {
		var k kind = kindRoot
		for _, seg := range tt.path {
			if k.isList() {
				k = k.elem()
				continue
			}
			k = fieldKind(k, seg)
		}
		if got := describeKind(k); got != tt.want {
			t.Errorf("%s: got %s, want %s", strings.Join(tt.path, "."), got, tt.want)
		}
	}
	if got := fieldNames(mesh); !slices.Equal(got[:3], []string{"mode", "balancer", "hash_key"}) {
		t.Errorf("mesh fields: got %v, want mode, balancer, hash_key first (the inline policy in place)", got)
	}
}

func describeKind(k kind) string {
	switch k {
	case kindValue:
		return "value"
	case kindValues:
		return "values"
	case kindLatency:
		return "latency"
	case kindSteps:
		return "steps"
	}
	tk, ok := k.(typeKind)
	if !ok {
		return "table"
	}
	switch tk.t.Kind() {
	case reflect.Slice:
		return "list " + tk.t.Elem().String()
	case reflect.Map:
		return "map " + tk.t.Elem().String()
	}
	return "struct " + tk.t.String()
}
