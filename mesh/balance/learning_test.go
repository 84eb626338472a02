package balance_test

import (
	"strings"
	"testing"
	"time"

	"github.com/baton-sim/baton/mesh/balance"
)

// sim drives a balancer with outcomes chosen per endpoint and time.
type sim struct {
	b   balance.Balancer
	eps []*balance.Endpoint
	out func(ep *balance.Endpoint, now time.Time) balance.Outcome
}

// window picks once per millisecond from `from` to `to` (exclusive),
// releases each pick at once with its outcome, and counts picks.
func (s sim) window(t *testing.T, from, to time.Duration) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for d := from; d < to; d += time.Millisecond {
		now := t0.Add(d)
		ep, err := s.b.Pick(balance.Request{}, now)
		if err != nil {
			t.Fatal(err)
		}
		s.b.Done(ep, s.out(ep, now), now)
		counts[ep.ID]++
	}
	return counts
}

func format(counts map[string]int, ids ...string) string {
	var parts []string
	for _, id := range ids {
		parts = append(parts, id+":"+itoa(counts[id]))
	}
	return strings.Join(parts, " ")
}

// TestPeakEWMASteersAndRecovers uses a 1s decay so that the story fits in
// seconds: c answers in 100ms, ten times a and b, until t=6s, then in
// 10ms like them.
func TestPeakEWMASteersAndRecovers(t *testing.T) {
	tests := []struct {
		name string
		// sick is c's outcome while it is unwell.
		sick balance.Outcome
		// want holds the pick counts in each window below.
		want [4]string
	}{
		{"ten times slower", balance.Outcome{Latency: 100 * time.Millisecond}, [4]string{
			// One probe of c in the first second: its first answer makes
			// it the costliest at once.
			"a:514 b:485 c:1",
			// 1s–6s: c is retried only when its estimate has decayed
			// below the others' (100·e^(−t/1s) < 10 + 20·e^(−t/1s):
			// about every 2.1s).
			"a:2475 b:2523 c:2",
			// 6s–8s: c is well again; its next probe blends 10ms in
			// and it is back in the rotation before the window ends.
			"a:790 b:760 c:450",
			// 8s–10s: c has its share back (≈667 each).
			"a:654 b:683 c:663",
		}},
		{"failing fast", balance.Outcome{Latency: time.Millisecond, Failed: true}, [4]string{
			// A failure counts as the 300ms penalty, not its 1ms: c is
			// shunned longer than the slow one (one retry in 1s–6s).
			"a:514 b:485 c:1", "a:2476 b:2523 c:1", "a:804 b:770 c:426", "a:654 b:683 c:663",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustNew(t, balance.NameP2CPeakEWMA, balance.Options{Seed: 42, Decay: time.Second})
			eps := endpoints("a", "b", "c")
			b.Update(eps, t0)
			s := sim{b, eps, func(ep *balance.Endpoint, now time.Time) balance.Outcome {
				if ep.ID == "c" && now.Before(t0.Add(6*time.Second)) {
					return tt.sick
				}
				return balance.Outcome{Latency: 10 * time.Millisecond}
			}}
			bounds := []time.Duration{0, time.Second, 6 * time.Second, 8 * time.Second, 10 * time.Second}
			for w := range 4 {
				got := format(s.window(t, bounds[w], bounds[w+1]), "a", "b", "c")
				if got != tt.want[w] {
					t.Errorf("window %v–%v: got %s, want %s", bounds[w], bounds[w+1], got, tt.want[w])
				}
			}
		})
	}
}

// TestPeakEWMAKeepsEstimateAcrossUpdate checks that an Update listing an
// endpoint again does not reset what was learnt about it.
func TestPeakEWMAKeepsEstimateAcrossUpdate(t *testing.T) {
	b := mustNew(t, balance.NameP2CPeakEWMA, balance.Options{Seed: 42})
	eps := endpoints("a", "b")
	b.Update(eps, t0)
	s := sim{b, eps, func(ep *balance.Endpoint, _ time.Time) balance.Outcome {
		if ep.ID == "b" {
			return balance.Outcome{Latency: time.Second}
		}
		return balance.Outcome{Latency: time.Millisecond}
	}}
	s.window(t, 0, 100*time.Millisecond)
	b.Update([]*balance.Endpoint{eps[1], eps[0]}, t0.Add(100*time.Millisecond))
	if got, want := format(s.window(t, 100*time.Millisecond, 200*time.Millisecond), "a", "b"), "a:100 b:0"; got != want {
		t.Errorf("after Update: got %s, want %s", got, want)
	}
}

func TestLeastTimeSteersAway(t *testing.T) {
	b := mustNew(t, balance.NameLeastTime, balance.Options{})
	eps := endpoints("a", "b", "c")
	b.Update(eps, t0)
	s := sim{b, eps, func(ep *balance.Endpoint, _ time.Time) balance.Outcome {
		if ep.ID == "c" {
			return balance.Outcome{Latency: 100 * time.Millisecond}
		}
		return balance.Outcome{Latency: 10 * time.Millisecond}
	}}
	// Each endpoint is tried once in rotation (an unseen endpoint scores
	// as the fastest seen one); from then on a and b alternate.
	if got, want := format(s.window(t, 0, 300*time.Millisecond), "a", "b", "c"), "a:150 b:149 c:1"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	// With 10 requests held on a and b each, c's 100ms × 1 beats their
	// 10ms × 11: the in-flight weighting sends traffic back to c.
	defer hold(t, eps[0], 10)()
	defer hold(t, eps[1], 10)()
	if got, want := format(s.window(t, 300*time.Millisecond, 310*time.Millisecond), "a", "b", "c"), "a:0 b:0 c:10"; got != want {
		t.Errorf("a and b busy: got %s, want %s", got, want)
	}
}
