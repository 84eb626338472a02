package registry_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/baton-sim/baton/mesh/balance"
	"github.com/baton-sim/baton/mesh/registry"
)

// delivery is one watcher call as a test sees it.
type delivery struct {
	at  time.Duration
	ids string
}

func recorder(into *[]delivery) func(time.Time, registry.Set) {
	return func(now time.Time, s registry.Set) {
		*into = append(*into, delivery{now.Sub(t0), strings.Join(ids(s.Endpoints), ",")})
	}
}

func TestWatchSeesChangesInOrder(t *testing.T) {
	s := time.Second
	r := newRegistry(t, registry.Options{})
	var got []delivery
	cancel := r.Watch("svc", "", t0, recorder(&got))
	a := &balance.Endpoint{ID: "a"}
	b := &balance.Endpoint{ID: "b"}
	c := &balance.Endpoint{ID: "c"}
	ops := []struct {
		at time.Duration
		do func(now time.Time) error
	}{
		{1 * s, func(now time.Time) error { return r.Register("svc", a, now) }},
		{2 * s, func(now time.Time) error { return r.Register("svc", b, now) }},
		{3 * s, func(now time.Time) error { return r.Register("other", c, now) }}, // another service: no call
		{4 * s, func(now time.Time) error { return r.Register("svc", c, now) }},
		{5 * s, func(now time.Time) error { return r.SetReady("svc", "b", false, now) }},
		{6 * s, func(now time.Time) error { return r.SetReady("svc", "b", false, now) }}, // no change: no call
		{7 * s, func(now time.Time) error { return r.Drain("svc", "a", now) }},
		{8 * s, func(now time.Time) error { return r.SetReady("svc", "b", true, now) }},
		{9 * s, func(now time.Time) error { return r.Deregister("svc", "c", now) }},
		{10 * s, func(now time.Time) error { return r.Deregister("svc", "a", now) }}, // was draining: no call
	}
	for _, op := range ops {
		if err := op.do(at(op.at)); err != nil {
			t.Fatalf("at %v: %v", op.at, err)
		}
	}
	cancel()
	cancel() // idempotent
	must(t, r.Register("svc", a, at(11*s)))
	want := []delivery{
		{0, ""},
		{1 * s, "a"},
		{2 * s, "a,b"},
		{4 * s, "a,b,c"},
		{5 * s, "a,c"},
		{7 * s, "c"},
		{8 * s, "b,c"},
		{9 * s, "b"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("deliveries:\n got %v\nwant %v", got, want)
	}
}

func TestWatchersPerZone(t *testing.T) {
	r := newRegistry(t, registry.Options{})
	register(t, r, "svc", "a-1", "a-2", "b-1")
	var inA, inB, anywhere []delivery
	r.Watch("svc", "a", t0, recorder(&inA))
	r.Watch("svc", "b", t0, recorder(&inB))
	r.Watch("svc", "", t0, recorder(&anywhere))
	must(t, r.Eject("svc", "a-1", at(time.Minute), at(time.Second)))
	// Zone a: 1/2 healthy is below 5/7, so it fails over to every zone.
	// Zone b is untouched: no call.
	if want := []delivery{{0, "a-1,a-2"}, {time.Second, "a-2,b-1"}}; !slices.Equal(inA, want) {
		t.Errorf("zone a: got %v, want %v", inA, want)
	}
	if want := []delivery{{0, "b-1"}}; !slices.Equal(inB, want) {
		t.Errorf("zone b: got %v, want %v", inB, want)
	}
	if want := []delivery{{0, "a-1,a-2,b-1"}, {time.Second, "a-2,b-1"}}; !slices.Equal(anywhere, want) {
		t.Errorf("no zone: got %v, want %v", anywhere, want)
	}
}

func TestErrors(t *testing.T) {
	r := newRegistry(t, registry.Options{})
	register(t, r, "svc", "a")
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"nil endpoint", r.Register("svc", nil, t0), registry.ErrInvalidEndpoint},
		{"empty id", r.Register("svc", &balance.Endpoint{}, t0), registry.ErrInvalidEndpoint},
		{"empty service", r.Register("", &balance.Endpoint{ID: "x"}, t0), registry.ErrInvalidEndpoint},
		{"duplicate", r.Register("svc", &balance.Endpoint{ID: "a"}, t0), registry.ErrDuplicateInstance},
		{"deregister unknown", r.Deregister("svc", "b", t0), registry.ErrUnknownInstance},
		{"unknown service", r.Drain("nope", "a", t0), registry.ErrUnknownInstance},
		{"set ready unknown", r.SetReady("svc", "b", true, t0), registry.ErrUnknownInstance},
		{"eject unknown", r.Eject("svc", "b", at(time.Second), t0), registry.ErrUnknownInstance},
		{"uneject unknown", r.Uneject("svc", "b", t0), registry.ErrUnknownInstance},
		{"probe without health checking", r.ProbeResult("svc", "a", registry.Pass, t0), registry.ErrNoHealthCheck},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, tt.err, tt.want)
		}
		if tt.err != nil && !strings.HasPrefix(tt.err.Error(), "registry: ") {
			t.Errorf("%s: error %q lacks the package prefix", tt.name, tt.err)
		}
	}
	if p := r.Probes(t0); p != nil {
		t.Errorf("Probes without health checking = %v, want nil", p)
	}
}

func TestEjectionUntil(t *testing.T) {
	s := time.Second
	r := newRegistry(t, registry.Options{})
	register(t, r, "svc", "a", "b", "c", "d")
	var got []delivery
	r.Watch("svc", "", t0, recorder(&got))
	must(t, r.Eject("svc", "a", at(30*s), at(10*s)))
	must(t, r.Eject("svc", "b", at(5*s), at(10*s))) // until in the past: nothing
	for _, tt := range []struct {
		at   time.Duration
		want string
	}{
		{10 * s, "b,c,d"},
		{29*s + 999*time.Millisecond, "b,c,d"},
		{30 * s, "a,b,c,d"},
	} {
		if got := strings.Join(ids(r.Eligible("svc", "", at(tt.at)).Endpoints), ","); got != tt.want {
			t.Errorf("Eligible at %v = %s, want %s", tt.at, got, tt.want)
		}
	}
	r.Tick(at(20 * s)) // nothing ends: no call
	r.Tick(at(35 * s)) // a's ejection ended at 30s
	if want := []delivery{{0, "a,b,c,d"}, {10 * s, "b,c,d"}, {35 * s, "a,b,c,d"}}; !slices.Equal(got, want) {
		t.Errorf("deliveries: got %v, want %v", got, want)
	}
	if snap := r.Snapshot("svc"); !snap[0].EjectedUntil.IsZero() {
		t.Errorf("after Tick EjectedUntil = %v, want zero", snap[0].EjectedUntil)
	}
	// Uneject ends an ejection early.
	must(t, r.Eject("svc", "c", at(100*s), at(40*s)))
	must(t, r.Uneject("svc", "c", at(50*s)))
	must(t, r.Uneject("svc", "c", at(51*s))) // not ejected: nothing
	events, dropped := r.TakeEvents()
	var log []string
	for _, e := range events {
		if e.Kind == registry.Ejected || e.Kind == registry.Unejected {
			log = append(log, e.Kind.String()+" "+e.ID+" "+e.At.Sub(t0).String())
		}
	}
	want := []string{"ejected a 10s", "unejected a 30s", "ejected c 40s", "unejected c 50s"}
	if !slices.Equal(log, want) || dropped != 0 {
		t.Errorf("events: got %q dropped %d, want %q dropped 0", log, dropped, want)
	}
}

func TestEvents(t *testing.T) {
	s := time.Second
	r := newRegistry(t, registry.Options{HealthCheck: &registry.HealthCheckOptions{}})
	a := &balance.Endpoint{ID: "a", Zone: "z1"}
	must(t, r.Register("svc", a, at(1*s)))
	must(t, r.ProbeResult("svc", "a", registry.Pass, at(2*s)))
	must(t, r.SetReady("svc", "a", false, at(3*s)))
	must(t, r.SetReady("svc", "a", true, at(4*s)))
	must(t, r.ProbeResult("svc", "a", registry.FailHard, at(5*s)))
	must(t, r.Drain("svc", "a", at(6*s)))
	must(t, r.Drain("svc", "a", at(7*s)))
	must(t, r.Deregister("svc", "a", at(8*s)))
	got, dropped := r.TakeEvents()
	want := []registry.Event{
		{At: at(1 * s), Kind: registry.Registered, Service: "svc", ID: "a", Zone: "z1"},
		{At: at(2 * s), Kind: registry.BecameHealthy, Service: "svc", ID: "a", Zone: "z1"},
		{At: at(3 * s), Kind: registry.BecameNotReady, Service: "svc", ID: "a", Zone: "z1"},
		{At: at(4 * s), Kind: registry.BecameReady, Service: "svc", ID: "a", Zone: "z1"},
		{At: at(5 * s), Kind: registry.BecameUnhealthy, Service: "svc", ID: "a", Zone: "z1"},
		{At: at(6 * s), Kind: registry.Drained, Service: "svc", ID: "a", Zone: "z1"},
		{At: at(8 * s), Kind: registry.Deregistered, Service: "svc", ID: "a", Zone: "z1"},
	}
	if !slices.Equal(got, want) || dropped != 0 {
		t.Errorf("events:\n got %v\nwant %v (dropped %d)", got, want, dropped)
	}
	if got, _ := r.TakeEvents(); len(got) != 0 {
		t.Errorf("second TakeEvents = %v, want empty", got)
	}
}

func TestEventLimit(t *testing.T) {
	tests := []struct {
		limit       int
		wantIDs     []string
		wantDropped int
	}{
		{limit: 2, wantIDs: []string{"d", "e"}, wantDropped: 3},
		{limit: 5, wantIDs: []string{"a", "b", "c", "d", "e"}},
		{limit: -1, wantIDs: []string{}},
	}
	for _, tt := range tests {
		r := newRegistry(t, registry.Options{EventLimit: tt.limit})
		register(t, r, "svc", "a", "b", "c", "d", "e")
		events, dropped := r.TakeEvents()
		got := []string{}
		for _, e := range events {
			got = append(got, e.ID)
		}
		if !slices.Equal(got, tt.wantIDs) || dropped != tt.wantDropped {
			t.Errorf("limit %d: got %v dropped %d, want %v dropped %d", tt.limit, got, dropped, tt.wantIDs, tt.wantDropped)
		}
	}
}

func TestSnapshot(t *testing.T) {
	s := time.Second
	r := newRegistry(t, registry.Options{HealthCheck: &registry.HealthCheckOptions{}})
	a := &balance.Endpoint{ID: "a", Zone: "z1", Weight: 3}
	b := &balance.Endpoint{ID: "b", Zone: "z2"}
	must(t, r.Register("svc", a, at(1*s)))
	must(t, r.Register("svc", b, at(2*s)))
	must(t, r.ProbeResult("svc", "a", registry.Pass, at(3*s)))
	must(t, r.Drain("svc", "b", at(4*s)))
	must(t, r.Eject("svc", "a", at(60*s), at(5*s)))
	got := r.Snapshot("svc")
	want := []registry.Instance{
		{Endpoint: a, ID: "a", Zone: "z1", Weight: 3, RegisteredAt: at(1 * s), Ready: true, Healthy: true,
			EjectedUntil: at(60 * s), WarmingSince: at(3 * s)},
		{Endpoint: b, ID: "b", Zone: "z2", RegisteredAt: at(2 * s), Ready: true,
			Draining: true, DrainingSince: at(4 * s), WarmingSince: at(2 * s)},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Snapshot:\n got %+v\nwant %+v", got, want)
	}
	if got := r.Snapshot("nope"); got != nil {
		t.Errorf("Snapshot(unknown) = %v, want nil", got)
	}
	if got, want := r.Services(), []string{"svc"}; !slices.Equal(got, want) {
		t.Errorf("Services() = %v, want %v", got, want)
	}
	if a.Weight != 3 || b.Weight != 0 {
		t.Errorf("registry wrote endpoint weights: a=%d b=%d", a.Weight, b.Weight)
	}
}

func TestProbes(t *testing.T) {
	s := time.Second
	r := newRegistry(t, registry.Options{HealthCheck: &registry.HealthCheckOptions{
		Interval: 10 * s, Timeout: 2 * s, HealthyThreshold: 2, UnhealthyThreshold: 2, Path: "/ready",
	}})
	eps := register(t, r, "svc", "a", "b")
	register(t, r, "api", "x")
	var got []delivery
	r.Watch("svc", "", t0, recorder(&got))

	probes := r.Probes(t0)
	want := []registry.Probe{
		{Service: "api", ID: "x", Addr: "127.0.0.1:1", Path: "/ready", Deadline: at(2 * s)},
		{Service: "svc", ID: "a", Addr: eps["a"].Addr, Path: "/ready", Deadline: at(2 * s)},
		{Service: "svc", ID: "b", Addr: eps["b"].Addr, Path: "/ready", Deadline: at(2 * s)},
	}
	if !slices.Equal(probes, want) {
		t.Fatalf("Probes(t0):\n got %v\nwant %v", probes, want)
	}
	if p := r.Probes(at(1 * s)); len(p) != 0 {
		t.Errorf("Probes with all in flight = %v, want none", p)
	}
	must(t, r.ProbeResult("svc", "a", registry.Pass, at(1*s)))
	must(t, r.ProbeResult("svc", "b", registry.Pass, at(2*s))) // at the deadline: a timeout
	must(t, r.ProbeResult("api", "x", registry.Pass, at(1*s)))
	if p := r.Probes(at(10 * s)); len(p) != 0 {
		t.Errorf("Probes at 10s = %v, want none", p)
	}
	var dueIDs []string
	for _, p := range r.Probes(at(11 * s)) {
		dueIDs = append(dueIDs, p.ID)
	}
	if want := []string{"x", "a"}; !slices.Equal(dueIDs, want) {
		t.Errorf("Probes at 11s: got %v, want %v", dueIDs, want)
	}
	// b failed its first probe, so it now needs two passes.
	b := r.Probes(at(12 * s))
	if len(b) != 1 || b[0].ID != "b" {
		t.Fatalf("Probes at 12s = %v, want b", b)
	}
	must(t, r.ProbeResult("svc", "b", registry.Pass, at(12*s)))
	r.Probes(at(22 * s))
	must(t, r.ProbeResult("svc", "b", registry.Pass, at(22*s)))
	// Until a's first pass both are unhealthy, which is panic mode.
	if want := []delivery{{0, "a,b"}, {1 * s, "a"}, {22 * s, "a,b"}}; !slices.Equal(got, want) {
		t.Errorf("deliveries: got %v, want %v", got, want)
	}
}

func TestMarkTraffic(t *testing.T) {
	s := time.Second
	r := newRegistry(t, registry.Options{HealthCheck: &registry.HealthCheckOptions{
		Interval: 5 * s, NoTrafficInterval: 60 * s,
	}})
	register(t, r, "svc", "a")
	r.Probes(t0)
	must(t, r.ProbeResult("svc", "a", registry.Pass, t0))
	if p := r.Probes(at(59 * s)); len(p) != 0 {
		t.Fatalf("idle cluster probed at 59s: %v", p)
	}
	r.MarkTraffic("svc")
	register(t, r, "svc", "b") // inherits the traffic mark
	r.Probes(at(60 * s))
	must(t, r.ProbeResult("svc", "a", registry.Pass, at(60*s)))
	must(t, r.ProbeResult("svc", "b", registry.Pass, at(60*s)))
	var due []string
	for _, p := range r.Probes(at(65 * s)) {
		due = append(due, p.ID)
	}
	if want := []string{"a", "b"}; !slices.Equal(due, want) {
		t.Errorf("Probes at 65s = %v, want %v", due, want)
	}
}

func TestSlowStartReachesWatchersOnTick(t *testing.T) {
	s := time.Second
	r := newRegistry(t, registry.Options{SlowStart: registry.SlowStartOptions{Window: 10 * s}})
	var weights [][]uint32
	r.Watch("svc", "", t0, func(_ time.Time, set registry.Set) { weights = append(weights, set.Weights) })
	register(t, r, "svc", "a")
	r.Tick(at(5 * s))
	r.Tick(at(5 * s)) // same weights: no call
	r.Tick(at(10 * s))
	r.Tick(at(20 * s))
	want := [][]uint32{nil, {10}, {50}, {100}}
	if !slices.EqualFunc(weights, want, slices.Equal) {
		t.Errorf("weights delivered: got %v, want %v", weights, want)
	}
}

func TestIgnoreNewUntilFirstCheck(t *testing.T) {
	s := time.Second
	tests := []struct {
		ignore bool
		want   []delivery
	}{
		// Counted as unhealthy: one of three healthy is panic mode until a
		// passes; b's failure changes nothing.
		{ignore: false, want: []delivery{{0, "a,b,c"}, {2 * s, "a,c"}}},
		// Left out until checked: only c (registered earlier and checked)
		// takes traffic; a joins on its pass; b's failure makes it count,
		// as unhealthy, which changes nothing for the watcher.
		{ignore: true, want: []delivery{{0, "c"}, {2 * s, "a,c"}}},
	}
	for _, tt := range tests {
		r := newRegistry(t, registry.Options{HealthCheck: &registry.HealthCheckOptions{IgnoreNewUntilFirstCheck: tt.ignore}})
		register(t, r, "svc", "a", "b", "c")
		must(t, r.ProbeResult("svc", "c", registry.Pass, t0))
		var got []delivery
		r.Watch("svc", "", t0, recorder(&got))
		must(t, r.ProbeResult("svc", "b", registry.Fail, at(1*s)))
		must(t, r.ProbeResult("svc", "a", registry.Pass, at(2*s)))
		if !slices.Equal(got, tt.want) {
			t.Errorf("ignore=%v: got %v, want %v", tt.ignore, got, tt.want)
		}
	}
}
