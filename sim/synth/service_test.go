package synth

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/baton-sim/baton/scenarios"
)

func one(name string, p float64) *scenarios.Call {
	return &scenarios.Call{Service: name, Probability: p}
}

func par(cs ...scenarios.Call) scenarios.Step { return scenarios.Step{Parallel: cs} }

func mustService(t testing.TB, s scenarios.Service) *Service {
	t.Helper()
	svc, err := NewService(s)
	if err != nil {
		t.Fatalf("NewService: %v", err)
	}
	return svc
}

// frontend calls auth, then users and (sometimes) ads in parallel, then
// maybe a recommender, then never an archive.
var frontend = scenarios.Service{
	Name:          "frontend",
	Replicas:      2,
	Concurrency:   8,
	Queue:         16,
	Latency:       latLognormal,
	Errors:        scenarios.Errors{Rate: 0.25, Status: 502},
	ResponseBytes: 2048,
	Calls: []scenarios.Step{
		{Call: one("auth", 1)},
		par(scenarios.Call{Service: "users", Probability: 1}, scenarios.Call{Service: "ads", Probability: 0.5}),
		{Call: one("recommender", 0.3)},
		{Call: one("archive", 0)},
	},
}

func TestServiceAccessors(t *testing.T) {
	svc := mustService(t, frontend)
	if got, want := svc.Name(), "frontend"; got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}
	if got, want := svc.ResponseBytes(), 2048; got != want {
		t.Errorf("ResponseBytes() = %d, want %d", got, want)
	}
	if got, want := svc.Latency().String(), "lognormal(p50=4ms, p99=30ms)"; got != want {
		t.Errorf("Latency() = %s, want %s", got, want)
	}
}

func TestServiceTimeSamplesLatency(t *testing.T) {
	svc := mustService(t, frontend)
	d := mustDist(t, latLognormal)
	r, twin := newRand(3), newRand(3)
	for i := range 1000 {
		if got, want := svc.ServiceTime(r), d.Sample(twin); got != want {
			t.Fatalf("draw %d: ServiceTime = %v, want %v", i, got, want)
		}
	}
}

func TestNewServiceErrors(t *testing.T) {
	with := func(f func(*scenarios.Service)) scenarios.Service {
		s := frontend
		s.Calls = slices.Clone(frontend.Calls)
		f(&s)
		return s
	}
	tests := []struct {
		svc     scenarios.Service
		want    string
		wantErr error
	}{
		{with(func(s *scenarios.Service) { s.Name = "" }), "synth: invalid service: no name", ErrService},
		{with(func(s *scenarios.Service) { s.Latency = scenarios.Latency{Dist: "lognormal", P50: 2, P99: 1} }),
			`synth: service "frontend": synth: invalid latency: lognormal: p99 1ns is below p50 2ns`, ErrLatency},
		{with(func(s *scenarios.Service) { s.Errors.Rate = 1.5 }),
			`synth: invalid service "frontend": errors.rate 1.5 is outside [0, 1]`, ErrService},
		{with(func(s *scenarios.Service) { s.Errors.Rate = math.NaN() }),
			`synth: invalid service "frontend": errors.rate NaN is outside [0, 1]`, ErrService},
		{with(func(s *scenarios.Service) { s.Errors.Status = 0 }),
			`synth: invalid service "frontend": errors.status 0 is not an HTTP status`, ErrService},
		{with(func(s *scenarios.Service) { s.ResponseBytes = -1 }),
			`synth: invalid service "frontend": response_bytes -1 is negative`, ErrService},
		{with(func(s *scenarios.Service) { s.Calls[0] = scenarios.Step{} }),
			`synth: invalid service "frontend": calls[0] sets neither call nor parallel`, ErrService},
		{with(func(s *scenarios.Service) { s.Calls[1].Call = one("x", 1) }),
			`synth: invalid service "frontend": calls[1] sets both call and parallel`, ErrService},
		{with(func(s *scenarios.Service) { s.Calls[2] = scenarios.Step{Call: one("", 1)} }),
			`synth: invalid service "frontend": calls[2]: no target service`, ErrService},
		{with(func(s *scenarios.Service) { s.Calls[3] = scenarios.Step{Call: one("archive", -0.1)} }),
			`synth: invalid service "frontend": calls[3]: probability -0.1 of "archive" is outside [0, 1]`, ErrService},
	}
	for _, tt := range tests {
		_, err := NewService(tt.svc)
		if err == nil {
			t.Errorf("NewService succeeded, want %q", tt.want)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("NewService error\n got %q\nwant %q", got, tt.want)
		}
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("NewService error %v does not wrap %v", err, tt.wantErr)
		}
	}
}

// A service that never fails needs no error status.
func TestNewServiceNoErrorsNoStatus(t *testing.T) {
	s := frontend
	s.Errors = scenarios.Errors{}
	svc := mustService(t, s)
	r := newRand(1)
	for range 100 {
		if status, failed := svc.Fault(r); failed || status != 0 {
			t.Fatalf("Fault() = %d, %v, want 0, false", status, failed)
		}
	}
}

func TestFault(t *testing.T) {
	tests := []struct {
		rate       float64
		wantFailed int // of 10 000 with seed 11
	}{
		{0, 0},
		{0.25, 2421}, // 2500 ± 43 (1σ) expected; exact for this seed
		{1, 10_000},
	}
	for _, tt := range tests {
		s := frontend
		s.Errors.Rate = tt.rate
		svc := mustService(t, s)
		r := newRand(11)
		failed := 0
		for range 10_000 {
			status, f := svc.Fault(r)
			if f {
				failed++
				if status != 502 {
					t.Fatalf("rate %v: failed with status %d, want 502", tt.rate, status)
				}
			} else if status != 0 {
				t.Fatalf("rate %v: succeeded with status %d, want 0", tt.rate, status)
			}
		}
		if failed != tt.wantFailed {
			t.Errorf("rate %v: %d of 10000 failed, want %d", tt.rate, failed, tt.wantFailed)
		}
	}
}

// Fault consumes exactly one draw u and fails iff u < rate, at every rate
// including 0 and 1, so the stream after it does not depend on the rate.
func TestFaultDraws(t *testing.T) {
	for _, rate := range []float64{0, 0.01, 0.25, 1} {
		s := frontend
		s.Errors.Rate = rate
		svc := mustService(t, s)
		r, twin := newRand(5), newRand(5)
		for i := range 10_000 {
			_, got := svc.Fault(r)
			if want := twin.Float64() < rate; got != want {
				t.Fatalf("rate %v, call %d: failed = %v, want %v", rate, i, got, want)
			}
		}
		if got, want := r.Uint64(), twin.Uint64(); got != want {
			t.Errorf("rate %v: streams diverged after Fault", rate)
		}
	}
}

func TestPlanCertain(t *testing.T) {
	s := scenarios.Service{
		Name:    "a",
		Latency: latConstant,
		Calls: []scenarios.Step{
			{Call: one("b", 1)},
			par(scenarios.Call{Service: "c", Probability: 1}, scenarios.Call{Service: "d", Probability: 0},
				scenarios.Call{Service: "e", Probability: 1}),
			{Call: one("f", 0)}, // dropped: never called
			par(scenarios.Call{Service: "g", Probability: 0}, scenarios.Call{Service: "h", Probability: 0}), // dropped
			{Call: one("i", 1)},
		},
	}
	svc := mustService(t, s)
	r, twin := newRand(1), newRand(1)
	want := [][]string{{"b"}, {"c", "e"}, {"i"}}
	var buf [][]string
	for range 3 {
		buf = svc.Plan(r, buf)
		if !equalPlan(buf, want) {
			t.Fatalf("Plan() = %q, want %q", buf, want)
		}
	}
	// One draw per configured call (8), whatever its probability.
	for range 3 * 8 {
		twin.Float64()
	}
	if r.Uint64() != twin.Uint64() {
		t.Errorf("Plan did not consume exactly one draw per call")
	}
}

func TestPlanNoCalls(t *testing.T) {
	svc := mustService(t, scenarios.Service{Name: "leaf", Latency: latConstant})
	buf := [][]string{{"stale"}}
	if got := svc.Plan(newRand(1), buf); len(got) != 0 {
		t.Errorf("Plan() = %q, want empty", got)
	}
}

// planFresh is the obvious reference implementation of Plan.
func planFresh(s scenarios.Service, r *rand.Rand) [][]string {
	var plan [][]string
	for _, st := range s.Calls {
		calls := st.Parallel
		if st.Call != nil {
			calls = []scenarios.Call{*st.Call}
		}
		var group []string
		for _, c := range calls {
			if r.Float64() < c.Probability {
				group = append(group, c.Service)
			}
		}
		if len(group) > 0 {
			plan = append(plan, group)
		}
	}
	return plan
}

// Reusing one buffer across plans of varying shape gives the same plans as
// the reference with fresh slices, and 0.3-probability calls happen at
// their rate (exact count for the fixed seed).
func TestPlanReuseMatchesReference(t *testing.T) {
	svc := mustService(t, frontend)
	r, twin := newRand(9), newRand(9)
	var buf [][]string
	counts := map[string]int{}
	const n = 20_000
	for i := range n {
		buf = svc.Plan(r, buf)
		want := planFresh(frontend, twin)
		if !equalPlan(buf, want) {
			t.Fatalf("plan %d: Plan() = %q, want %q", i, buf, want)
		}
		for _, g := range buf {
			for _, name := range g {
				counts[name]++
			}
		}
	}
	for _, tt := range []struct {
		name string
		p    float64
	}{{"auth", 1}, {"users", 1}, {"ads", 0.5}, {"recommender", 0.3}, {"archive", 0}} {
		got := float64(counts[tt.name]) / n
		if math.Abs(got-tt.p) > 0.01 {
			t.Errorf("%s called in %.4f of plans, want %v ± 0.01", tt.name, got, tt.p)
		}
	}
}

func TestPlanAllocs(t *testing.T) {
	svc := mustService(t, frontend)
	r := newRand(1)
	buf := svc.Plan(r, nil)
	// Warm up until every step has been non-empty at least once, so every
	// inner slice has its full capacity.
	for range 100 {
		buf = svc.Plan(r, buf)
	}
	if got := testing.AllocsPerRun(1000, func() { buf = svc.Plan(r, buf) }); got != 0 {
		t.Errorf("Plan with a reused buffer allocates %v times, want 0", got)
	}
}

func equalPlan(a, b [][]string) bool {
	return slices.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}

func BenchmarkPlan(b *testing.B) {
	svc := mustService(b, frontend)
	r := newRand(1)
	buf := svc.Plan(r, nil)
	b.ReportAllocs()
	for b.Loop() {
		buf = svc.Plan(r, buf)
	}
}

func BenchmarkFault(b *testing.B) {
	svc := mustService(b, frontend)
	r := newRand(1)
	b.ReportAllocs()
	for b.Loop() {
		svc.Fault(r)
	}
}

func BenchmarkServiceTime(b *testing.B) {
	svc := mustService(b, frontend)
	r := newRand(1)
	b.ReportAllocs()
	var sink time.Duration
	for b.Loop() {
		sink += svc.ServiceTime(r)
	}
	_ = sink
}
