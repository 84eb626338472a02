package selfcheck

import (
	"context"
	"testing"
	"time"
)

func byName(t *testing.T, names ...string) []Check {
	t.Helper()
	var out []Check
	for _, n := range names {
		found := false
		for _, c := range Checks() {
			if c.Name == n {
				out = append(out, c)
				found = true
			}
		}
		if !found {
			t.Fatalf("no check %q", n)
		}
	}
	return out
}

// TestLiveEngineMatchesIdealQueue runs two queue checks on the live engine,
// briefly, and holds the delivered sojourns to the ideal FCFS queue fed the
// same draws: the engine's own error, within 3 % on mean and p99.
func TestLiveEngineMatchesIdealQueue(t *testing.T) {
	if testing.Short() {
		t.Skip("live runs")
	}
	rs, err := Run(context.Background(), byName(t, "mm1-0.8", "mm4-0.9"), Options{Duration: 6 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Requests == 0 {
			t.Fatalf("%s: no requests", r.Name)
		}
		for _, m := range r.Metrics {
			t.Logf("%s %s: theory %v ideal %v measured %v (engine %+.2f%%)", r.Name, m.Name, m.Theory, m.Ideal, m.Measured, 100*m.EngineError)
			if !m.OK {
				t.Errorf("%s %s: measured %v, ideal %v, theory %v: error beyond %s ±%v",
					r.Name, m.Name, m.Measured, m.Ideal, m.Theory, m.Held, m.Tolerance)
			}
		}
	}
}

// TestTokenBucketCount: the gateway's bucket lets through its burst plus
// its refill of a uniform 200/s offer, as an exact bucket over the
// intended instants does.
func TestTokenBucketCount(t *testing.T) {
	if testing.Short() {
		t.Skip("live runs")
	}
	rs, err := Run(context.Background(), byName(t, "token-bucket"), Options{Duration: 4 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	m := rs[0].Metrics[0]
	if m.Theory != 419 {
		t.Errorf("theory for 4 s: %v allowed, want 20 + 399 = 419", m.Theory)
	}
	if !m.OK {
		t.Errorf("allowed %v of %d, theory %v (±%v)", m.Measured, rs[0].Requests, m.Theory, m.Tolerance)
	}
}
