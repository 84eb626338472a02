package load_test

import (
	"errors"
	"testing"
	"time"

	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim/load"
	"github.com/baton-sim/baton/sim/synth"
)

func TestClosedUsers(t *testing.T) {
	// 2 users, up to 10 in 8s, hold 5s, down to 0 in 4s.
	c := must(load.NewClosed(2, []scenarios.UserStage{
		{Target: 10, Duration: 8 * s},
		{Target: 10, Duration: 5 * s},
		{Target: 0, Duration: 4 * s},
	}, 0, nil))
	tests := []struct {
		t    time.Duration
		want int
	}{
		{-1, 0},
		{0, 2},
		{999 * ms, 2},
		{s, 3}, // 2 + 8*1/8
		{7999 * ms, 9},
		{8 * s, 10},
		{12 * s, 10},
		{13 * s, 10},
		{13*s + 1, 9}, // a falling ramp drops at once
		{13*s + 400*ms, 9},
		{13*s + 400*ms + 1, 8},
		{16*s + 600*ms, 1},
		{16*s + 600*ms + 1, 0},
		{17 * s, 0},
	}
	for _, tc := range tests {
		if got := c.Users(tc.t); got != tc.want {
			t.Errorf("Users(%v) = %d, want %d", tc.t, got, tc.want)
		}
	}
	if c.MaxUsers() != 10 || c.Duration() != 17*s {
		t.Errorf("MaxUsers() = %d, Duration() = %v; want 10, 17s", c.MaxUsers(), c.Duration())
	}
	if got, want := c.String(), "closed(3 stages up to 10 users, 17s, no think time)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// TestClosedNextChange checks NextChange against Users at every
// nanosecond of plans short enough to scan.
func TestClosedNextChange(t *testing.T) {
	plans := []*load.Closed{
		must(load.NewClosed(0, []scenarios.UserStage{{Target: 7, Duration: 100}}, 0, nil)),
		must(load.NewClosed(3, []scenarios.UserStage{{Target: 10, Duration: 50}, {Target: 10, Duration: 20}, {Target: 1, Duration: 45}, {Target: 4, Duration: 7}}, 0, nil)),
		must(load.NewClosed(5, []scenarios.UserStage{{Target: 0, Duration: 13}}, 0, nil)),
		must(load.NewClosed(1, []scenarios.UserStage{{Target: 40, Duration: 30}, {Target: 2, Duration: 30}}, 45, nil)), // cut
		must(load.NewClosed(4, nil, 60, nil)),
	}
	for i, c := range plans {
		var want []time.Duration // every change, by scanning
		for at := time.Duration(-1); at <= c.Duration(); at++ {
			if c.Users(at+1) != c.Users(at) {
				want = append(want, at+1)
			}
		}
		var got []time.Duration
		for at := time.Duration(-1); ; {
			next, ok := c.NextChange(at)
			if !ok {
				break
			}
			if next <= at {
				t.Fatalf("plan %d: NextChange(%v) = %v, not after", i, at, next)
			}
			got = append(got, next)
			at = next
		}
		if len(got) != len(want) {
			t.Errorf("plan %d: changes at %v, want %v", i, got, want)
			continue
		}
		for j := range want {
			if got[j] != want[j] {
				t.Errorf("plan %d: changes at %v, want %v", i, got, want)
				break
			}
		}
		// And from every instant, not only from the previous change.
		for at := time.Duration(0); at < c.Duration(); at++ {
			next, ok := c.NextChange(at)
			j := 0
			for j < len(want) && want[j] <= at {
				j++
			}
			if j == len(want) {
				if ok {
					t.Errorf("plan %d: NextChange(%v) = %v, want none", i, at, next)
				}
			} else if !ok || next != want[j] {
				t.Errorf("plan %d: NextChange(%v) = %v, %v; want %v", i, at, next, ok, want[j])
			}
		}
	}
}

func TestClosedThink(t *testing.T) {
	none := must(load.NewClosed(3, nil, time.Minute, nil))
	if got := none.Next(0, newRand(1)); got != 0 {
		t.Errorf("no think time: Next = %v, want 0", got)
	}
	constant := must(load.NewClosedFromLoad(scenarios.LoadExt{
		Model: scenarios.ModelClosed,
		Users: 3,
		Think: &scenarios.Latency{Dist: scenarios.DistConstant, Value: 1500 * ms},
	}, time.Minute))
	for vu := range 3 {
		if got := constant.Next(vu, newRand(1)); got != 1500*ms {
			t.Errorf("constant think: Next(%d) = %v, want 1.5s", vu, got)
		}
	}
	if got, want := constant.String(), "closed(3 users, 1m0s, think constant(1.5s))"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	exp := must(synth.NewDistribution(scenarios.Latency{Dist: scenarios.DistExponential, Mean: s}))
	c := must(load.NewClosed(2, nil, time.Minute, exp))
	r := newRand(4)
	var got []time.Duration
	var sum time.Duration
	for i := range 2000 {
		d := c.Next(i%2, r)
		if i < 3 {
			got = append(got, d)
		}
		sum += d
	}
	want := []time.Duration{2128241849, 3885283801, 461101480} // seed 4
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("think %d = %v, want %v", i, got[i], want[i])
		}
	}
	if mean := sum / 2000; mean < 950*ms || mean > 1050*ms {
		t.Errorf("mean think %v, want 1s within 5 %%", mean)
	}
}

func TestClosedErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"no users", err2(load.NewClosed(0, nil, s, nil)), "load: invalid closed model: no users and no user stages"},
		{"negative", err2(load.NewClosed(-1, nil, s, nil)), "load: invalid closed model: users is -1, want 0 to 1048576"},
		{"no duration", err2(load.NewClosed(1, nil, 0, nil)), "load: invalid closed model: duration is 0s, want > 0"},
		{"stage target", err2(load.NewClosed(1, []scenarios.UserStage{{Target: -2, Duration: s}}, 0, nil)), "load: invalid closed model: user stage 0: target is -2, want 0 to 1048576"},
		{"stage duration", err2(load.NewClosed(1, []scenarios.UserStage{{Target: 2, Duration: s}, {Target: 2}}, 0, nil)), "load: invalid closed model: user stage 1: duration is 0s, want > 0"},
		{"open model", err2(load.NewClosedFromLoad(scenarios.LoadExt{Users: 2}, s)), `load: invalid closed model: model is "", not closed`},
		{"bad think", err2(load.NewClosedFromLoad(scenarios.LoadExt{Model: scenarios.ModelClosed, Users: 2, Think: &scenarios.Latency{Dist: "sometimes"}}, s)), `load: invalid closed model: think: synth: invalid latency: unknown distribution "sometimes"`},
	}
	for _, tc := range tests {
		if tc.err == nil {
			t.Errorf("%s: no error, want %q", tc.name, tc.want)
			continue
		}
		if tc.err.Error() != tc.want {
			t.Errorf("%s: error %q, want %q", tc.name, tc.err, tc.want)
		}
		if !errors.Is(tc.err, load.ErrClosed) {
			t.Errorf("%s: %v does not wrap ErrClosed", tc.name, tc.err)
		}
	}
}
