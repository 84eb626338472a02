package ratelimit

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestConformance holds every time-based algorithm to the meaning of the
// Decision fields, on seeded random traces with time moving forward:
//
//   - 0 ≤ Remaining ≤ Limit, Limit never changes, an allowed request has no
//     RetryAfter and a denied one (of cost ≤ Limit) has a positive one;
//   - Remaining is exact: at the same instant, a cost of Remaining is
//     allowed and Remaining+1 is not;
//   - RetryAfter is exact: the same request is denied 1ns before it and
//     allowed at it;
//   - Reset is exact: the key is back to Limit at Reset and not 1ns before;
//   - a state the store may drop as fresh really is full.
//
// Checks run on clones of the state, so the trace itself is undisturbed.
func TestConformance(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for trace := range 60 {
		limit := 1 + rng.Int64N(20)
		window := time.Duration(1+rng.Int64N(2000)) * ms
		burst := 1 + rng.Int64N(20)
		o := Options{Limit: limit, Window: window}
		ob := Options{Limit: limit, Window: window, Burst: burst}
		anchor := Options{Limit: limit, Window: window, Anchor: t0.Add(time.Duration(rng.Int64N(int64(window))))}
		seed := rng.Uint64()
		name := func(a Algorithm) string { return fmt.Sprintf("%s/%d", a, trace) }
		t.Run(name(AlgTokenBucket), func(t *testing.T) { checkCore[tbState](t, newTBCore(ob), burst, window, seed) })
		t.Run(name(AlgGCRA), func(t *testing.T) { checkCore[gcraState](t, newGCRACore(ob), burst, window, seed) })
		t.Run(name(AlgFixedWindow), func(t *testing.T) { checkCore[fwState](t, newFWCore(anchor), limit, window, seed) })
		t.Run(name(AlgSlidingLog), func(t *testing.T) { checkCore[slState](t, newSLCore(o), limit, window, seed) })
		t.Run(name(AlgSlidingWindowCounter), func(t *testing.T) { checkCore[scState](t, newSCCore(anchor), limit, window, seed) })
	}
}

func checkCore[S any, C core[S]](t *testing.T, c C, limit int64, window time.Duration, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 3))
	var s S
	now := t0.UnixNano()
	step := int64(window) / limit
	probe := func(at, n int64) Decision {
		var tmp S
		c.clone(&tmp, &s)
		return c.take(&tmp, at, n, false)
	}
	for i := range 400 {
		switch r := rng.IntN(10); {
		case r < 3: // same instant
		case r < 9:
			now += rng.Int64N(3*step + 1)
		default:
			now += rng.Int64N(3 * int64(window))
		}
		n := rng.Int64N(limit + 2)
		if c.fresh(&s, now) {
			if d := probe(now, 0); d.Remaining != limit || d.Reset != 0 {
				t.Fatalf("step %d: fresh state peeks %+v, want remaining %d and no reset", i, d, limit)
			}
		}
		d := c.take(&s, now, n, false)
		at := func(what string) string {
			return fmt.Sprintf("step %d (now +%v, n %d, %+v): %s", i, time.Duration(now-t0.UnixNano()), n, d, what)
		}
		if d.Limit != limit || d.Remaining < 0 || d.Remaining > limit {
			t.Fatal(at("limit or remaining out of range"))
		}
		if d.Allowed && d.RetryAfter != 0 {
			t.Fatal(at("allowed with a retry-after"))
		}
		if !d.Allowed && n <= limit && d.RetryAfter <= 0 {
			t.Fatal(at("denied without a retry-after"))
		}
		if d.Remaining > 0 && !probe(now, d.Remaining).Allowed {
			t.Fatal(at("a cost of Remaining is denied"))
		}
		if d.Remaining < limit && probe(now, d.Remaining+1).Allowed {
			t.Fatal(at("a cost of Remaining+1 is allowed"))
		}
		if ra := int64(d.RetryAfter); ra > 0 {
			if probe(now+ra-1, n).Allowed {
				t.Fatal(at("allowed 1ns before RetryAfter"))
			}
			if !probe(now+ra, n).Allowed {
				t.Fatal(at("denied at RetryAfter"))
			}
		}
		if rs := int64(d.Reset); rs > 0 {
			if got := probe(now+rs, 0).Remaining; got != limit {
				t.Fatal(at(fmt.Sprintf("remaining %d at Reset, want %d", got, limit)))
			}
			if got := probe(now+rs-1, 0).Remaining; got == limit {
				t.Fatal(at("full 1ns before Reset"))
			}
		} else if got := probe(now, 0).Remaining; got != limit {
			t.Fatal(at(fmt.Sprintf("no Reset but remaining %d", got)))
		}
	}
}

// TestBackwardsTimeMintsNothing: after a key is exhausted at T, a request
// stamped earlier (a call that lost the race to the lock) is denied by every
// algorithm.
func TestBackwardsTimeMintsNothing(t *testing.T) {
	for _, a := range []Algorithm{AlgTokenBucket, AlgGCRA, AlgFixedWindow, AlgSlidingLog, AlgSlidingWindowCounter, AlgQuota} {
		t.Run(string(a), func(t *testing.T) {
			l, err := New(Options{Algorithm: a, Limit: 5, Window: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			at := t0.Add(2500 * ms)
			for range 5 {
				if !l.Allow("k", at).Allowed {
					t.Fatal("denied before the limit")
				}
			}
			for _, back := range []time.Duration{1, ms, 400 * ms, 600 * ms, 2 * time.Second} {
				if d := l.Allow("k", at.Add(-back)); d.Allowed {
					t.Errorf("%v earlier: allowed %+v", back, d)
				}
			}
		})
	}
}

// TestKeysIndependent: exhausting one key leaves every other key full.
func TestKeysIndependent(t *testing.T) {
	for _, a := range Algorithms() {
		t.Run(string(a), func(t *testing.T) {
			o := Options{Algorithm: a, Limit: 2, Window: time.Second}
			if a == AlgConcurrency {
				o.Window = 0
			}
			l, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				l.Allow("a", t0)
			}
			if l.Allow("a", t0).Allowed {
				t.Error("a: allowed past the limit")
			}
			if d := l.Allow("b", t0); !d.Allowed || d.Remaining != 1 {
				t.Errorf("b: got %+v, want allowed with 1 remaining", d)
			}
		})
	}
}
