package load_test

import (
	"slices"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim/load"
)

var _ vegeta.Pacer = (*load.Schedule)(nil)

// TestSchedulePace steps Pace like vegeta's attacker does: uniform
// arrivals at exactly n/rate, a wait for each, never a skip, and a stop at
// the end.
func TestSchedulePace(t *testing.T) {
	p := profile(t, must(load.NewConstant(4, s)))
	sch := load.NewSchedule(p, scenarios.ArrivalUniform, 1, 0)
	steps := []struct {
		elapsed time.Duration
		hits    uint64
		wait    time.Duration
		stop    bool
	}{
		{0, 0, 0, false},
		{10 * ms, 1, 240 * ms, false},
		{250 * ms, 1, 0, false},
		{300 * ms, 2, 200 * ms, false},
		{900 * ms, 2, 0, false}, // late: send now, never skip
		{900 * ms, 3, 0, false},
		{900 * ms, 4, 0, true}, // request 4 would be at 1s: over
		{2 * s, 4, 0, true},
	}
	for _, st := range steps {
		wait, stop := sch.Pace(st.elapsed, st.hits)
		if wait != st.wait || stop != st.stop {
			t.Errorf("Pace(%v, %d) = %v, %v; want %v, %v", st.elapsed, st.hits, wait, stop, st.wait, st.stop)
		}
	}
	for n, want := range []time.Duration{0, 250 * ms, 500 * ms, 750 * ms, s} {
		if got, ok := sch.Intended(uint64(n)); !ok || got != want {
			t.Errorf("Intended(%d) = %v, %v; want %v, true", n, got, ok, want)
		}
	}
	if _, ok := sch.Intended(5); ok {
		t.Errorf("Intended(5) known before request 5 was paced")
	}
	if got := sch.Rate(500 * ms); got != 4 {
		t.Errorf("Rate(500ms) = %v, want 4", got)
	}
	if sch.Duration() != s || sch.Profile() != p {
		t.Errorf("Duration() = %v, Profile() = %p; want 1s, %p", sch.Duration(), sch.Profile(), p)
	}
}

// TestScheduleRamp walks a ramp: request n at sqrt(n/5) seconds, and the
// pacer reports the ramp's rate.
func TestScheduleRamp(t *testing.T) {
	p := profile(t, must(load.NewRamp(0, 100, 10*s)))
	sch := load.NewSchedule(p, scenarios.ArrivalUniform, 1, 0)
	tests := []struct {
		hits     uint64
		intended time.Duration
	}{
		{0, 0},
		{5, s},
		{20, 2 * s},
		{45, 3 * s},
		{125, 5 * s},
		{499, 9989994995 * time.Nanosecond}, // sqrt(99.8) s
	}
	for _, tc := range tests {
		wait, stop := sch.Pace(0, tc.hits)
		if stop || wait != tc.intended {
			t.Errorf("Pace(0, %d) = %v, %v; want %v, false", tc.hits, wait, stop, tc.intended)
		}
	}
	if _, stop := sch.Pace(0, 500); !stop {
		t.Errorf("Pace(0, 500) does not stop at the end of the ramp")
	}
	if got := sch.Rate(2500 * ms); got != 25 {
		t.Errorf("Rate(2.5s) = %v, want 25", got)
	}
}

// TestSchedulePoissonSeeded checks that Poisson arrivals depend only on
// the seed and are in order, and that request 0 is at 0.
func TestSchedulePoissonSeeded(t *testing.T) {
	p := journey(t)
	a := load.NewSchedule(p, scenarios.ArrivalPoisson, 7, 0).Arrivals()
	b := load.NewSchedule(p, "", 7, 0).Arrivals() // the default is Poisson
	c := load.NewSchedule(p, scenarios.ArrivalPoisson, 8, 0).Arrivals()
	if !slices.Equal(a, b) {
		t.Fatalf("same seed, different arrivals")
	}
	if slices.Equal(a, c) {
		t.Errorf("seeds 7 and 8 gave identical arrivals")
	}
	if !slices.IsSorted(a) {
		t.Errorf("arrivals out of order")
	}
	if a[0] != 0 {
		t.Errorf("first arrival at %v, want 0", a[0])
	}
	if got, want := len(a), 4903; got != want {
		t.Errorf("arrivals = %d, want %d for seed 7 (expected 4900)", got, want)
	}
	if got, want := a[1], 347545678*time.Nanosecond; got != want {
		t.Errorf("second arrival = %v, want %v for seed 7", got, want)
	}
}

// TestScheduleMemory checks that Intended forgets old requests once the
// ring wraps, and never answers for a request not yet paced.
func TestScheduleMemory(t *testing.T) {
	p := profile(t, must(load.NewConstant(1000, 10*s)))
	sch := load.NewSchedule(p, scenarios.ArrivalUniform, 1, 10) // raised to MinMemory
	if _, stop := sch.Pace(0, 3000); stop {
		t.Fatal("stopped early")
	}
	tests := []struct {
		n    uint64
		want time.Duration
		ok   bool
	}{
		{3000, 3 * s, true},
		{3000 - load.MinMemory + 1, 1977 * ms, true},
		{3000 - load.MinMemory, 0, false},
		{0, 0, false},
		{3001, 0, false},
	}
	for _, tc := range tests {
		got, ok := sch.Intended(tc.n)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Intended(%d) = %v, %v; want %v, %v", tc.n, got, ok, tc.want, tc.ok)
		}
	}
}

// TestScheduleSkipsPauses checks that no arrival lands in a pause.
func TestScheduleSkipsPauses(t *testing.T) {
	p := profile(t,
		must(load.NewConstant(0, 2*s)),
		must(load.NewConstant(2, s)),
		must(load.NewConstant(0, s)),
		must(load.NewConstant(4, s)),
	)
	got := load.NewSchedule(p, scenarios.ArrivalUniform, 1, 0).Arrivals()
	want := []time.Duration{2 * s, 2500 * ms, 4 * s, 4250 * ms, 4500 * ms, 4750 * ms}
	if !slices.Equal(got, want) {
		t.Errorf("arrivals = %v, want %v", got, want)
	}
}

// TestScheduleAgreesWithSim checks that a constant profile reproduces
// today's uniform sim.Schedule exactly: the live engine can switch.
func TestScheduleAgreesWithSim(t *testing.T) {
	for _, rate := range []float64{1, 3, 7, 1000, 333.3} {
		p := must(load.FromScenario(scenarios.Load{Rate: rate, Arrival: scenarios.ArrivalUniform}, 3*s))
		got := load.NewSchedule(p, scenarios.ArrivalUniform, 1, 0).Arrivals()
		for n, at := range got {
			want := time.Duration(float64(n) * float64(time.Second) / rate)
			if d := at - want; d < -1 || d > 1 {
				t.Fatalf("rate %v: arrival %d at %v, sim.Schedule's at %v", rate, n, at, want)
			}
		}
	}
}
