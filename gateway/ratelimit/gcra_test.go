package ratelimit

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestGCRARows(t *testing.T) {
	l := mustNew(t, NewGCRA, Options{Limit: 10, Window: time.Second, Burst: 3})
	// The token bucket's rows while time moves forward...
	runRows(t, l, bucketRows[:11])
	// ...but backwards, the TAT is measured from the earlier now.
	runRows(t, l, []row{
		{at: 5 * time.Second, n: 1, ok: true, remaining: 2, reset: 100 * ms},
		{at: 4 * time.Second, n: 1, ok: false, remaining: 0, reset: 1100 * ms, retry: 900 * ms},
		{at: 5*time.Second + 100*ms, n: 1, ok: true, remaining: 2, reset: 100 * ms},
	})
}

func TestGCRAOffered300(t *testing.T) {
	l := mustNew(t, NewGCRA, Options{Limit: 100, Window: time.Second, Burst: 20})
	if got, want := evenly(l, "k", 3000, 10*time.Second, true), 1020; got != want {
		t.Fatalf("allowed: got %d, want %d", got, want)
	}
}

// TestGCRAEqualsTokenBucket holds GCRA to the token bucket's decisions, field
// for field, on seeded random traces, including emission intervals that are
// not whole nanoseconds and several requests at one instant.
func TestGCRAEqualsTokenBucket(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trace := range 200 {
		o := Options{
			Limit:  1 + rng.Int64N(50),
			Window: time.Duration(1+rng.Int64N(3000)) * ms,
			Burst:  1 + rng.Int64N(10),
		}
		tb := mustNew(t, NewTokenBucket, o)
		g := mustNew(t, NewGCRA, o)
		at := t0
		for step := range 300 {
			if rng.IntN(4) > 0 {
				at = at.Add(time.Duration(rng.Int64N(int64(o.Window)/o.Limit*2 + 1)))
			}
			n := rng.Int64N(o.Burst + 2)
			a, b := tb.AllowN("k", at, n), g.AllowN("k", at, n)
			if a != b {
				t.Fatalf("trace %d step %d (%+v, n %d): token bucket %+v, gcra %+v", trace, step, o, n, a, b)
			}
		}
	}
}

func TestGCRAPolicy(t *testing.T) {
	l := mustNew(t, NewGCRA, Options{Limit: 10, Window: 100 * ms, Burst: 5})
	if got, want := l.Allow("k", t0).Policy, "100;w=1;burst=5"; got != want {
		t.Errorf("policy: got %q, want %q", got, want)
	}
}
