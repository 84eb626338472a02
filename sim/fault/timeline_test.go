package fault

import (
	"errors"
	"net/http"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/baton-sim/baton/scenarios"
)

const (
	ms = time.Millisecond
	s  = time.Second
)

func ptr[T any](v T) *T { return &v }

func newTimeline(t testing.TB, seed uint64, faults ...scenarios.Fault) *Timeline {
	t.Helper()
	tl, err := NewTimeline(faults, seed)
	if err != nil {
		t.Fatalf("NewTimeline: %v", err)
	}
	return tl
}

// sample is a valid fault of kind on catalog, active in [10s, 30s).
func sample(kind string) scenarios.Fault {
	f := scenarios.Fault{At: 10 * s, For: 20 * s, Kind: kind, Target: scenarios.FaultTarget{Service: "catalog"}}
	switch kind {
	case scenarios.FaultLatency:
		f.Add = &scenarios.Latency{Dist: scenarios.DistConstant, Value: 50 * ms}
	case scenarios.FaultSlowBody:
		f.Bandwidth = 1000
	case scenarios.FaultCrash:
		f.Restart = true
	case scenarios.FaultPartition:
		f.Peer = "frontend"
	}
	return f
}

// toCatalog is a request from frontend to catalog's first replica.
var toCatalog = Target{Caller: "frontend", Service: "catalog", Replica: "catalog-0"}

func TestWindows(t *testing.T) {
	effects := map[string]Effect{
		scenarios.FaultCrash:         {ConnectFail: true},
		scenarios.FaultLatency:       {AddLatency: 50 * ms},
		scenarios.FaultError:         {Status: http.StatusServiceUnavailable},
		scenarios.FaultHang:          {Hang: true},
		scenarios.FaultSlowBody:      {BandwidthBps: 1000},
		scenarios.FaultReset:         {Reset: true},
		scenarios.FaultPartition:     {ConnectFail: true},
		scenarios.FaultDrop:          {Reset: true},
		scenarios.FaultDiscoveryLoss: {},
	}
	for _, kind := range scenarios.FaultKinds() {
		t.Run(kind, func(t *testing.T) {
			tl := newTimeline(t, 1, sample(kind))
			for _, c := range []struct {
				now    time.Duration
				active bool
			}{
				{0, false},
				{10*s - 1, false},
				{10 * s, true},
				{20 * s, true},
				{30*s - 1, true},
				{30 * s, false},
				{time.Hour, false},
			} {
				act := tl.At(c.now)
				if got := len(act) == 1; got != c.active {
					t.Errorf("At(%v) active = %v, want %v", c.now, got, c.active)
				}
				want := Effect{}
				if c.active {
					want = effects[kind]
				}
				if got := tl.Decide(c.now, toCatalog); got != want {
					t.Errorf("Decide(%v) = %+v, want %+v", c.now, got, want)
				}
			}
		})
	}
}

func TestCrashWithoutRestartNeverEnds(t *testing.T) {
	f := sample(scenarios.FaultCrash)
	f.Restart, f.For = false, 0
	tl := newTimeline(t, 1, f)
	for _, c := range []struct {
		now    time.Duration
		active bool
	}{{10*s - 1, false}, {10 * s, true}, {time.Hour, true}, {Forever - 1, true}} {
		if got := len(tl.At(c.now)) == 1; got != c.active {
			t.Errorf("At(%v) active = %v, want %v", c.now, got, c.active)
		}
	}
	if got := tl.At(time.Hour)[0].End; got != Forever {
		t.Errorf("End = %v, want Forever", got)
	}
}

func TestRampIntensity(t *testing.T) {
	f := sample(scenarios.FaultLatency)
	f.Ramp = 4 * s
	f.Add.Value = 100 * ms
	tl := newTimeline(t, 1, f)
	for _, c := range []struct {
		now       time.Duration
		intensity float64
		add       time.Duration
	}{
		{10 * s, 0, 0},
		{10*s + 400*ms, 0.1, 10 * ms},
		{11 * s, 0.25, 25 * ms},
		{12 * s, 0.5, 50 * ms},
		{13 * s, 0.75, 75 * ms},
		{14*s - 1, 0.99999999975, 99999999}, // 100ms x (1 - 1ns/4s), truncated
		{14 * s, 1, 100 * ms},
		{30*s - 1, 1, 100 * ms},
	} {
		act := tl.At(c.now)
		if len(act) != 1 {
			t.Fatalf("At(%v): %d faults active, want 1", c.now, len(act))
		}
		if got := act[0].Intensity; got != c.intensity {
			t.Errorf("At(%v) intensity = %v, want %v", c.now, got, c.intensity)
		}
		if got := tl.Decide(c.now, toCatalog).AddLatency; got != c.add {
			t.Errorf("Decide(%v).AddLatency = %v, want %v", c.now, got, c.add)
		}
	}
}

// TestRampProbability: a ramped error fault hits a share of requests that
// grows with its intensity.
func TestRampProbability(t *testing.T) {
	f := sample(scenarios.FaultError)
	f.Ramp = 10 * s
	tl := newTimeline(t, 7, f)
	for _, c := range []struct {
		now  time.Duration
		hits int
	}{
		{10 * s, 0},         // intensity 0
		{12500 * ms, 2486},  // 0.25
		{15 * s, 4972},      // 0.5
		{20 * s, 10000},     // 1
		{19999 * ms, 10000}, // 0.9999: hits all but about one
	} {
		hits := 0
		for range 10000 {
			if tl.Decide(c.now, toCatalog).Status != 0 {
				hits++
			}
		}
		if hits != c.hits {
			t.Errorf("at %v: %d of 10000 hit, want %d", c.now, hits, c.hits)
		}
	}
}

// mixed is a set of probabilistic faults for the reproducibility tests.
func mixed() []scenarios.Fault {
	lat := sample(scenarios.FaultLatency)
	lat.At, lat.Percentage = 0, 25
	lat.Add = &scenarios.Latency{Dist: scenarios.DistUniform, Min: 10 * ms, Max: 90 * ms}
	lat.Target.Service = ""
	e := sample(scenarios.FaultError)
	e.At, e.Percentage, e.Status = 0, 10, 500
	e.Target.Service = ""
	r := sample(scenarios.FaultReset)
	r.At, r.Percentage = 0, 5
	r.Target.Service = ""
	sb := sample(scenarios.FaultSlowBody)
	sb.At, sb.Percentage = 0, 50
	sb.Target.Service = ""
	return []scenarios.Fault{lat, e, r, sb}
}

var targets = []Target{
	{Caller: "frontend", Service: "catalog", Replica: "catalog-0"},
	{Caller: "frontend", Service: "catalog", Replica: "catalog-1"},
	{Caller: "gateway", Service: "frontend", Replica: "frontend-0"},
}

// run decides n requests to each target, round robin, and returns each
// target's sequence of effects.
func run(tl *Timeline, n int) [][]Effect {
	out := make([][]Effect, len(targets))
	for i := range n {
		for j, tg := range targets {
			out[j] = append(out[j], tl.Decide(time.Duration(i)*ms, tg))
		}
	}
	return out
}

func TestSameSeedSameDecisions(t *testing.T) {
	a := run(newTimeline(t, 42, mixed()...), 1000)
	b := run(newTimeline(t, 42, mixed()...), 1000)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two timelines with seed 42 decided differently")
	}
	c := run(newTimeline(t, 43, mixed()...), 1000)
	for j := range targets {
		if reflect.DeepEqual(a[j], c[j]) {
			t.Errorf("target %d: seeds 42 and 43 decided alike", j)
		}
	}
	// Different targets get unrelated streams.
	if reflect.DeepEqual(a[0], a[1]) {
		t.Error("catalog-0 and catalog-1 decided alike")
	}
	hit := 0
	for _, e := range a[0] {
		if !e.None() {
			hit++
		}
	}
	// 1 - 0.75 x 0.9 x 0.95 x 0.5 = 68 % of requests suffer something.
	if want := 669; hit != want {
		t.Errorf("catalog-0: %d of 1000 requests hit, want %d", hit, want)
	}
}

// TestDecisionsIgnoreScheduling: each target's sequence is the same alone,
// interleaved with other targets, and decided from concurrent goroutines.
func TestDecisionsIgnoreScheduling(t *testing.T) {
	want := run(newTimeline(t, 42, mixed()...), 500)

	alone := newTimeline(t, 42, mixed()...)
	for j := len(targets) - 1; j >= 0; j-- {
		var got []Effect
		for i := range 500 {
			got = append(got, alone.Decide(time.Duration(i)*ms, targets[j]))
		}
		if !reflect.DeepEqual(got, want[j]) {
			t.Errorf("target %d decided alone differs from interleaved", j)
		}
	}

	conc := newTimeline(t, 42, mixed()...)
	got := make([][]Effect, len(targets))
	var wg sync.WaitGroup
	for j := range targets {
		wg.Go(func() {
			for i := range 500 {
				got[j] = append(got[j], conc.Decide(time.Duration(i)*ms, targets[j]))
			}
		})
	}
	wg.Wait()
	if !reflect.DeepEqual(got, want) {
		t.Error("concurrent goroutines decided differently from one")
	}
}

func TestPercentageExact(t *testing.T) {
	for _, c := range []struct {
		pct  float64
		want int
	}{
		{25, 2581},
		{0.5, 49},
		{50, 5002},
		{99, 9897},
		{100, 10000},
		{0, 10000}, // 0 means 100
	} {
		f := sample(scenarios.FaultError)
		f.Percentage = c.pct
		tl := newTimeline(t, 1, f)
		got := 0
		for range 10000 {
			if tl.Decide(15*s, toCatalog).Status != 0 {
				got++
			}
		}
		if got != c.want {
			t.Errorf("percentage %v: %d of 10000 hit, want %d", c.pct, got, c.want)
		}
		if want := min(c.pct, 100) / 100; c.pct != 0 && (float64(got)/10000-want > 0.01 || want-float64(got)/10000 > 0.01) {
			t.Errorf("percentage %v: share %v is not within 1 %% of %v", c.pct, float64(got)/10000, want)
		}
	}
}

func TestLatencyDistribution(t *testing.T) {
	f := sample(scenarios.FaultLatency)
	f.Add = &scenarios.Latency{Dist: scenarios.DistUniform, Min: 10 * ms, Max: 90 * ms}
	tl := newTimeline(t, 3, f)
	var sum time.Duration
	distinct := map[time.Duration]bool{}
	for range 10000 {
		d := tl.Decide(15*s, toCatalog).AddLatency
		if d < 10*ms || d > 90*ms {
			t.Fatalf("AddLatency %v outside [10ms, 90ms]", d)
		}
		sum += d
		distinct[d] = true
	}
	if got, want := sum/10000, 50169914*time.Nanosecond; got != want {
		t.Errorf("mean AddLatency = %v, want %v", got, want)
	}
	if len(distinct) < 9000 {
		t.Errorf("%d distinct delays in 10000, want jitter", len(distinct))
	}
}

func TestConditions(t *testing.T) {
	header := func(h http.Header) func(string) string { return h.Get }
	with := func(edit func(*scenarios.Fault)) scenarios.Fault {
		f := sample(scenarios.FaultError)
		edit(&f)
		return f
	}
	type req struct {
		tg  Target
		hit bool
	}
	cases := []struct {
		name  string
		fault scenarios.Fault
		reqs  []req
	}{
		{"service", sample(scenarios.FaultError), []req{
			{toCatalog, true},
			{Target{Service: "pricing", Replica: "pricing-0"}, false},
		}},
		{"any service", with(func(f *scenarios.Fault) { f.Target.Service = "" }), []req{
			{toCatalog, true},
			{Target{Service: "pricing"}, true},
		}},
		{"replica", with(func(f *scenarios.Fault) { f.Target.Replica = ptr(1) }), []req{
			{toCatalog, false},
			{Target{Service: "catalog", Replica: "catalog-1"}, true},
			{Target{Service: "catalog", Replica: "catalog-10"}, false},
		}},
		{"route", with(func(f *scenarios.Fault) { f.Target.Route = "checkout" }), []req{
			{Target{Service: "catalog", Route: "checkout"}, true},
			{Target{Service: "catalog", Route: "browse"}, false},
			{Target{Service: "catalog"}, false},
		}},
		{"consumer", with(func(f *scenarios.Fault) { f.Target.Consumer = "acme" }), []req{
			{Target{Service: "catalog", Consumer: "acme"}, true},
			{Target{Service: "catalog", Consumer: "globex"}, false},
			{Target{Service: "catalog"}, false},
		}},
		{"caller", with(func(f *scenarios.Fault) { f.Target.Caller = "gateway" }), []req{
			{Target{Service: "catalog", Caller: "gateway"}, true},
			{toCatalog, false},
		}},
		{"header present", with(func(f *scenarios.Fault) {
			f.Target.Header = &scenarios.HeaderMatch{Name: "x-fault"}
		}), []req{
			{Target{Service: "catalog", Header: header(http.Header{"X-Fault": {"1"}})}, true},
			{Target{Service: "catalog", Header: header(http.Header{"X-Other": {"1"}})}, false},
			{Target{Service: "catalog", Header: header(http.Header{"X-Fault": {""}})}, false},
			{Target{Service: "catalog"}, false},
		}},
		{"header value", with(func(f *scenarios.Fault) {
			f.Target.Header = &scenarios.HeaderMatch{Name: "X-Fault", Value: "abort"}
		}), []req{
			{Target{Service: "catalog", Header: header(http.Header{"X-Fault": {"abort"}})}, true},
			{Target{Service: "catalog", Header: header(http.Header{"X-Fault": {"delay"}})}, false},
			// A raw lookup function gets the canonical name.
			{Target{Service: "catalog", Header: func(n string) string {
				if n == "X-Fault" {
					return "abort"
				}
				return ""
			}}, true},
		}},
		{"all conditions", with(func(f *scenarios.Fault) {
			f.Target = scenarios.FaultTarget{Service: "catalog", Replica: ptr(0), Route: "r", Consumer: "c", Caller: "frontend",
				Header: &scenarios.HeaderMatch{Name: "x-f", Value: "v"}}
		}), []req{
			{Target{Service: "catalog", Replica: "catalog-0", Route: "r", Consumer: "c", Caller: "frontend",
				Header: header(http.Header{"X-F": {"v"}})}, true},
			{Target{Service: "catalog", Replica: "catalog-0", Route: "r", Consumer: "c", Caller: "frontend"}, false},
			{Target{Service: "catalog", Replica: "catalog-0", Route: "r", Consumer: "c",
				Header: header(http.Header{"X-F": {"v"}})}, false},
		}},
		{"first_n", with(func(f *scenarios.Fault) { f.FirstN = 3 }), []req{
			{toCatalog, true},
			{Target{Service: "pricing"}, false}, // not matched: not counted
			{Target{Service: "catalog", Replica: "catalog-1"}, true},
			{toCatalog, true},
			{toCatalog, false},
			{Target{Service: "catalog", Replica: "catalog-1"}, false},
		}},
		{"partition", sample(scenarios.FaultPartition), []req{
			{toCatalog, true},
			{Target{Caller: "catalog", Service: "frontend", Replica: "frontend-1"}, true},
			{Target{Caller: "gateway", Service: "catalog"}, false},
			{Target{Caller: "frontend", Service: "pricing"}, false},
			{Target{Service: "catalog"}, false},
		}},
		{"crash one replica", with(func(f *scenarios.Fault) {
			*f = sample(scenarios.FaultCrash)
			f.Target.Replica = ptr(0)
		}), []req{
			{toCatalog, true},
			{Target{Service: "catalog", Replica: "catalog-1"}, false},
		}},
		{"crash every replica", sample(scenarios.FaultCrash), []req{
			{toCatalog, true},
			{Target{Service: "catalog", Replica: "catalog-7"}, true},
			{Target{Service: "pricing", Replica: "pricing-0"}, false},
		}},
		{"discovery loss", sample(scenarios.FaultDiscoveryLoss), []req{
			{toCatalog, false},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tl := newTimeline(t, 1, c.fault)
			for i, r := range c.reqs {
				if got := !tl.Decide(15*s, r.tg).None(); got != r.hit {
					t.Errorf("request %d (%+v): hit = %v, want %v", i, r.tg, got, r.hit)
				}
			}
		})
	}
}

// TestFirstNCountsOnlyActive: requests before a fault starts do not use
// up its first_n.
func TestFirstNCountsOnlyActive(t *testing.T) {
	f := sample(scenarios.FaultError)
	f.FirstN = 2
	tl := newTimeline(t, 1, f)
	var got []bool
	for _, now := range []time.Duration{0, 5 * s, 10 * s, 11 * s, 12 * s} {
		got = append(got, tl.Decide(now, toCatalog).Status != 0)
	}
	if want := []bool{false, false, true, true, false}; !slices.Equal(got, want) {
		t.Errorf("hits = %v, want %v", got, want)
	}
}

func TestCombination(t *testing.T) {
	at := func(kind string, edit func(*scenarios.Fault)) scenarios.Fault {
		f := sample(kind)
		if edit != nil {
			edit(&f)
		}
		return f
	}
	lat := func(d time.Duration) scenarios.Fault {
		return at(scenarios.FaultLatency, func(f *scenarios.Fault) { f.Add.Value = d })
	}
	status := func(code int) scenarios.Fault {
		return at(scenarios.FaultError, func(f *scenarios.Fault) { f.Status = code })
	}
	slow := func(bps int64) scenarios.Fault {
		return at(scenarios.FaultSlowBody, func(f *scenarios.Fault) { f.Bandwidth = bps })
	}
	for _, c := range []struct {
		name   string
		faults []scenarios.Fault
		want   Effect
	}{
		{"latencies add", []scenarios.Fault{lat(50 * ms), lat(30 * ms)}, Effect{AddLatency: 80 * ms}},
		{"delay then abort", []scenarios.Fault{status(500), lat(50 * ms)}, Effect{AddLatency: 50 * ms, Status: 500}},
		{"lowest id status", []scenarios.Fault{status(502), status(500)}, Effect{Status: 502}},
		{"reset beats status", []scenarios.Fault{status(500), at(scenarios.FaultReset, nil), lat(ms), slow(10)},
			Effect{Reset: true, AddLatency: ms}},
		{"drop is a reset", []scenarios.Fault{at(scenarios.FaultDrop, nil), at(scenarios.FaultHang, nil)}, Effect{Reset: true}},
		{"hang beats status", []scenarios.Fault{status(500), at(scenarios.FaultHang, nil), lat(ms), slow(10)}, Effect{Hang: true}},
		{"slowest body", []scenarios.Fault{slow(1000), slow(500), slow(800)}, Effect{BandwidthBps: 500}},
		{"slow error body", []scenarios.Fault{slow(1000), status(504)}, Effect{Status: 504, BandwidthBps: 1000}},
		{"crash beats all", []scenarios.Fault{status(500), at(scenarios.FaultReset, nil), lat(ms), at(scenarios.FaultCrash, nil)},
			Effect{ConnectFail: true}},
		{"partition beats latency", []scenarios.Fault{lat(ms), at(scenarios.FaultPartition, nil)}, Effect{ConnectFail: true}},
		{"discovery loss is none", []scenarios.Fault{at(scenarios.FaultDiscoveryLoss, nil)}, Effect{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tl := newTimeline(t, 1, c.faults...)
			if got := tl.Decide(15*s, toCatalog); got != c.want {
				t.Errorf("Decide = %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestFaultsDecideIndependently: a fault's decisions are the same whether
// or not another fault (with a higher id) is there.
func TestFaultsDecideIndependently(t *testing.T) {
	a := sample(scenarios.FaultLatency)
	a.Percentage = 25
	b := sample(scenarios.FaultSlowBody)
	b.Percentage = 50
	alone, both := newTimeline(t, 9, a), newTimeline(t, 9, a, b)
	for i := range 2000 {
		x, y := alone.Decide(15*s, toCatalog), both.Decide(15*s, toCatalog)
		if x.AddLatency != y.AddLatency {
			t.Fatalf("request %d: AddLatency %v alone, %v beside a slow_body fault", i, x.AddLatency, y.AddLatency)
		}
	}
}

func TestTransitions(t *testing.T) {
	crash := sample(scenarios.FaultCrash)
	crash.For, crash.Target.Replica = 5*s, ptr(0)
	loss := sample(scenarios.FaultDiscoveryLoss)
	loss.At, loss.For = 15*s, 5*s
	dead := sample(scenarios.FaultCrash)
	dead.At, dead.For, dead.Restart, dead.Target.Service = 15*s, 0, false, "pricing"
	lat := sample(scenarios.FaultLatency)
	lat.At, lat.For = 0, 10*s
	tl := newTimeline(t, 1, crash, loss, dead, lat)

	type tr struct {
		at      time.Duration
		id      int
		start   bool
		service string
		replica int
	}
	all := []tr{
		{0, 3, true, "catalog", -1},
		{10 * s, 3, false, "catalog", -1}, // stops first at one instant
		{10 * s, 0, true, "catalog", 0},
		{15 * s, 0, false, "catalog", 0},
		{15 * s, 1, true, "catalog", -1},
		{15 * s, 2, true, "pricing", -1},
		{20 * s, 1, false, "catalog", -1},
	}
	pick := func(list []Transition) []tr {
		var out []tr
		for _, x := range list {
			if x.Kind != tl.entries[x.ID].f.Kind || !reflect.DeepEqual(x.Fault, tl.entries[x.ID].f) {
				t.Errorf("transition %+v carries the wrong fault", x)
			}
			out = append(out, tr{x.At, x.ID, x.Start, x.Service, x.Replica})
		}
		return out
	}
	if got := pick(tl.Transitions(-1, time.Hour)); !reflect.DeepEqual(got, all) {
		t.Errorf("Transitions(-1, 1h) =\n%v\nwant\n%v", got, all)
	}
	// A ticker's consecutive intervals see every transition once.
	ticked := pick(tl.Transitions(-1, 0))
	for from := time.Duration(0); from < 25*s; from += 250 * ms {
		ticked = append(ticked, pick(tl.Transitions(from, from+250*ms))...)
	}
	if !reflect.DeepEqual(ticked, all) {
		t.Errorf("ticked transitions =\n%v\nwant\n%v", ticked, all)
	}
	for _, c := range []struct {
		from, to time.Duration
		want     []tr
	}{
		{0, 10*s - 1, nil}, // (0, ...]: the start at 0 is excluded
		{10*s - 1, 10 * s, all[1:3]},
		{10 * s, 15*s - 1, nil},
		{15*s - 1, 15 * s, all[3:6]},
		{20 * s, time.Hour, nil},
	} {
		if got := pick(tl.Transitions(c.from, c.to)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Transitions(%v, %v) = %v, want %v", c.from, c.to, got, c.want)
		}
	}
}

func TestInjectClear(t *testing.T) {
	tl := newTimeline(t, 1, sample(scenarios.FaultError))

	// Open-ended: until cleared.
	lat := sample(scenarios.FaultLatency)
	lat.At, lat.For = 0, 0
	id, err := tl.Inject(lat, 5*s)
	if err != nil || id != 1 {
		t.Fatalf("Inject = %d, %v; want 1, nil", id, err)
	}
	ids := func(now time.Duration) []int {
		var out []int
		for _, a := range tl.At(now) {
			out = append(out, a.ID)
		}
		return out
	}
	for _, c := range []struct {
		now  time.Duration
		want []int
	}{{5*s - 1, nil}, {5 * s, []int{1}}, {15 * s, []int{0, 1}}, {time.Hour, []int{1}}} {
		if got := ids(c.now); !slices.Equal(got, c.want) {
			t.Errorf("before Clear, At(%v) ids = %v, want %v", c.now, got, c.want)
		}
	}
	if err := tl.Clear(1, 7*s); err != nil {
		t.Fatalf("Clear: %v", err)
	}
	for _, c := range []struct {
		now  time.Duration
		want []int
	}{{7*s - 1, []int{1}}, {7 * s, nil}, {time.Hour, nil}} {
		if got := ids(c.now); !slices.Equal(got, c.want) {
			t.Errorf("after Clear, At(%v) ids = %v, want %v", c.now, got, c.want)
		}
	}

	// A window relative to now.
	e := sample(scenarios.FaultHang)
	e.At, e.For = 2*s, 3*s
	if id, err = tl.Inject(e, 40*s); err != nil || id != 2 {
		t.Fatalf("Inject = %d, %v; want 2, nil", id, err)
	}
	if got := tl.At(42 * s); len(got) != 1 || got[0].Start != 42*s || got[0].End != 45*s {
		t.Errorf("At(42s) = %+v, want fault 2 in [42s, 45s)", got)
	}

	// Cleared before it starts: never active, no transitions.
	e.At = 10 * s
	if id, err = tl.Inject(e, 100*s); err != nil || id != 3 {
		t.Fatalf("Inject = %d, %v; want 3, nil", id, err)
	}
	if err := tl.Clear(3, 105*s); err != nil {
		t.Fatalf("Clear: %v", err)
	}
	if got := tl.At(110 * s); len(got) != 0 {
		t.Errorf("At(110s) = %+v, want nothing", got)
	}
	// Clearing what has ended changes nothing.
	if err := tl.Clear(0, time.Hour); err != nil {
		t.Fatalf("Clear: %v", err)
	}

	// An endless crash cleared stops (its replicas come back).
	crash := sample(scenarios.FaultCrash)
	crash.At, crash.For, crash.Restart = 0, 0, false
	if id, err = tl.Inject(crash, 200*s); err != nil || id != 4 {
		t.Fatalf("Inject = %d, %v; want 4, nil", id, err)
	}
	if err := tl.Clear(4, 230*s); err != nil {
		t.Fatalf("Clear: %v", err)
	}

	type tr struct {
		at    time.Duration
		id    int
		start bool
	}
	var got []tr
	for _, x := range tl.Transitions(-1, time.Hour) {
		got = append(got, tr{x.At, x.ID, x.Start})
	}
	want := []tr{
		{5 * s, 1, true}, {7 * s, 1, false},
		{10 * s, 0, true}, {30 * s, 0, false},
		{42 * s, 2, true}, {45 * s, 2, false},
		{200 * s, 4, true}, {230 * s, 4, false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Transitions =\n%v\nwant\n%v", got, want)
	}

	if err := tl.Clear(5, 0); !errors.Is(err, ErrUnknownFault) {
		t.Errorf("Clear(5) = %v, want ErrUnknownFault", err)
	}
	if err := tl.Clear(-1, 0); !errors.Is(err, ErrUnknownFault) {
		t.Errorf("Clear(-1) = %v, want ErrUnknownFault", err)
	}
	bad := sample(scenarios.FaultLatency)
	bad.Add = nil
	_, err = tl.Inject(bad, 0)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "fault.add" {
		t.Errorf("Inject without add = %v, want a FieldError on fault.add", err)
	}
	if _, err := tl.Inject(sample(scenarios.FaultHang), Forever-s); !errors.Is(err, ErrInvalid) {
		t.Errorf("Inject past the end of time = %v, want ErrInvalid", err)
	}
	if _, err := tl.Inject(sample(scenarios.FaultHang), -1); !errors.Is(err, ErrInvalid) {
		t.Errorf("Inject at -1ns = %v, want ErrInvalid", err)
	}
}

// TestInjectedDecisionsReproducible: an injected fault decides like one
// given at construction with the same id.
func TestInjectedDecisionsReproducible(t *testing.T) {
	f := sample(scenarios.FaultError)
	f.Percentage = 30
	built := newTimeline(t, 5, sample(scenarios.FaultDiscoveryLoss), f)
	injected := newTimeline(t, 5, sample(scenarios.FaultDiscoveryLoss))
	g := f
	g.At = 0
	if _, err := injected.Inject(g, 10*s); err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		if a, b := built.Decide(15*s, toCatalog), injected.Decide(15*s, toCatalog); a != b {
			t.Fatalf("request %d: %+v built, %+v injected", i, a, b)
		}
	}
}

// TestFaultsAreCopied: changing a fault after handing it over, or one
// returned by At, changes nothing.
func TestFaultsAreCopied(t *testing.T) {
	f := sample(scenarios.FaultLatency)
	f.Target.Replica = ptr(0)
	tl := newTimeline(t, 1, f)
	*f.Target.Replica = 1
	f.Add.Value = time.Hour
	a := tl.At(15 * s)[0]
	*a.Fault.Target.Replica = 2
	a.Fault.Add.Value = time.Hour
	if got := tl.Decide(15*s, toCatalog); got.AddLatency != 50*ms {
		t.Errorf("Decide = %+v, want 50ms on catalog-0", got)
	}
}

// TestConcurrentUse exercises every method at once for the race detector.
func TestConcurrentUse(t *testing.T) {
	tl := newTimeline(t, 1, mixed()...)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				now := time.Duration(i) * 10 * ms
				tl.Decide(now, targets[g%len(targets)])
				tl.At(now)
				tl.Transitions(now-10*ms, now)
				if i%50 == 0 {
					id, err := tl.Inject(sample(scenarios.FaultHang), now)
					if err != nil {
						t.Error(err)
						return
					}
					if err := tl.Clear(id, now+s); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	if got, want := len(tl.At(0))+len(tl.entries), 4+4+4*4; got != want {
		t.Errorf("%d entries and active at 0, want %d", got, want)
	}
}
