package load

import (
	"testing"
	"time"

	"github.com/baton-sim/baton/scenarios"
)

// TestSteerSetRate turns a 10/s uniform schedule to 100/s at 1.05s: the
// request waiting at that moment is due at once, and the rest follow every
// 10ms until the profile's end.
func TestSteerSetRate(t *testing.T) {
	p, err := FromScenario(scenarios.Load{Rate: 10}, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	s := NewSteer(NewSchedule(p, scenarios.ArrivalUniform, 1, 0))
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	steps := []struct {
		elapsed time.Duration
		hits    uint64
		wait    time.Duration
		stop    bool
	}{
		{0, 0, 0, false},
		{ms(1000), 10, 0, false},      // request 10 at 1s
		{ms(1001), 11, ms(99), false}, // request 11 due at 1.1s
	}
	for _, st := range steps {
		if w, stop := s.Pace(st.elapsed, st.hits); w != st.wait || stop != st.stop {
			t.Fatalf("Pace(%v, %d) = %v, %v; want %v, %v", st.elapsed, st.hits, w, stop, st.wait, st.stop)
		}
	}
	if err := s.SetRate(100, ms(1050)); err != nil {
		t.Fatal(err)
	}
	for _, st := range []struct {
		elapsed time.Duration
		hits    uint64
		wait    time.Duration
		stop    bool
	}{
		{ms(1050), 11, 0, false},     // request 11 now at 1.05s
		{ms(1051), 12, ms(9), false}, // then every 10ms
		{ms(1990), 105, 0, false},    // 1.05 + 94 x 10ms = 1.99s
		{ms(1995), 106, 0, true},     // 2.0s is the end
	} {
		if w, stop := s.Pace(st.elapsed, st.hits); w != st.wait || stop != st.stop {
			t.Errorf("after SetRate: Pace(%v, %d) = %v, %v; want %v, %v", st.elapsed, st.hits, w, stop, st.wait, st.stop)
		}
	}
	if off, ok := s.Intended(10); !ok || off != ms(1000) {
		t.Errorf("Intended(10) = %v, %v; want 1s from the profile", off, ok)
	}
	if off, ok := s.Intended(12); !ok || off != ms(1060) {
		t.Errorf("Intended(12) = %v, %v; want 1.06s from the override", off, ok)
	}
	if s.Rate(ms(1500)) != 100 || s.Rate(ms(500)) != 10 {
		t.Errorf("Rate = %v at 1.5s and %v at 0.5s; want 100 and 10", s.Rate(ms(1500)), s.Rate(ms(500)))
	}
	if err := s.SetRate(0, ms(1500)); err == nil {
		t.Errorf("SetRate(0) accepted; a pause would leave vegeta asleep")
	}
}
