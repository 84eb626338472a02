package sim_test

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestUniformSchedule checks that uniform arrivals land at exactly n/rate,
// and that Pace waits for each of them and stops at the duration.
func TestUniformSchedule(t *testing.T) {
	load := scenarios.Load{Rate: 4, Arrival: scenarios.ArrivalUniform}
	s := sim.NewSchedule(load, time.Second, 1, 0)
	got := s.Arrivals()
	want := []time.Duration{0, 250 * time.Millisecond, 500 * time.Millisecond, 750 * time.Millisecond}
	if len(got) != len(want) {
		t.Fatalf("arrivals = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("arrival %d = %v, want %v", i, got[i], want[i])
		}
	}

	s = sim.NewSchedule(load, time.Second, 1, 0)
	steps := []struct {
		elapsed time.Duration
		hits    uint64
		wait    time.Duration
		stop    bool
	}{
		{0, 0, 0, false},
		{10 * time.Millisecond, 1, 240 * time.Millisecond, false},
		{250 * time.Millisecond, 1, 0, false},
		{300 * time.Millisecond, 2, 200 * time.Millisecond, false},
		{900 * time.Millisecond, 2, 0, false}, // late: send now, never skip
		{900 * time.Millisecond, 3, 0, false},
		{900 * time.Millisecond, 4, 0, true}, // request 4 would be at 1s: over
	}
	for _, st := range steps {
		wait, stop := s.Pace(st.elapsed, st.hits)
		if wait != st.wait || stop != st.stop {
			t.Errorf("Pace(%v, %d) = %v, %v; want %v, %v", st.elapsed, st.hits, wait, stop, st.wait, st.stop)
		}
	}
	for n, w := range want {
		if off, ok := s.Intended(uint64(n)); !ok || off != w {
			t.Errorf("Intended(%d) = %v, %v; want %v, true", n, off, ok, w)
		}
	}
}

// TestPoissonScheduleSeeded checks that Poisson arrivals depend only on the
// seed, average the configured rate, and are non-decreasing.
func TestPoissonScheduleSeeded(t *testing.T) {
	load := scenarios.Load{Rate: 1000, Arrival: scenarios.ArrivalPoisson}
	a := sim.NewSchedule(load, 10*time.Second, 7, 0).Arrivals()
	b := sim.NewSchedule(load, 10*time.Second, 7, 0).Arrivals()
	c := sim.NewSchedule(load, 10*time.Second, 8, 0).Arrivals()
	if len(a) != len(b) {
		t.Fatalf("same seed gave %d and %d arrivals", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed differs at arrival %d: %v vs %v", i, a[i], b[i])
		}
		if i > 0 && a[i] < a[i-1] {
			t.Fatalf("arrival %d (%v) before arrival %d (%v)", i, a[i], i-1, a[i-1])
		}
	}
	if len(a) == len(c) && a[len(a)-1] == c[len(c)-1] {
		t.Errorf("seeds 7 and 8 gave identical schedules")
	}
	// 10 000 expected; a Poisson count's standard deviation is 100, and
	// for seed 7 the count is a fixed number: pin it so a change to the
	// arrival process is noticed.
	if got, want := len(a), 10019; got != want {
		t.Errorf("seed 7: %d arrivals in 10s at 1000/s, want %d", got, want)
	}
}

// TestScheduleForgetsOldest checks the memory bound on intended times.
func TestScheduleForgetsOldest(t *testing.T) {
	load := scenarios.Load{Rate: 1000, Arrival: scenarios.ArrivalUniform}
	s := sim.NewSchedule(load, 10*time.Second, 1, 1024)
	s.Pace(0, 2000)
	if _, ok := s.Intended(0); ok {
		t.Errorf("Intended(0) still known after 2000 arrivals with memory 1024")
	}
	if off, ok := s.Intended(1999); !ok || off != 1999*time.Millisecond {
		t.Errorf("Intended(1999) = %v, %v; want 1.999s, true", off, ok)
	}
}
