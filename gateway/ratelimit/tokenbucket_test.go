package ratelimit

import (
	"testing"
	"time"
)

// bucketRows is 10/s with burst 3 (a token every 100ms); token bucket and
// GCRA must both follow it.
var bucketRows = []row{
	{at: 0, n: 1, ok: true, remaining: 2, reset: 100 * ms},
	{at: 0, n: 1, ok: true, remaining: 1, reset: 200 * ms},
	{at: 0, n: 1, ok: true, remaining: 0, reset: 300 * ms},
	{at: 0, n: 1, ok: false, remaining: 0, reset: 300 * ms, retry: 100 * ms},
	// Half a token back.
	{at: 50 * ms, n: 1, ok: false, remaining: 0, reset: 250 * ms, retry: 50 * ms},
	{at: 100 * ms, n: 1, ok: true, remaining: 0, reset: 300 * ms},
	// 1.5 tokens: a peek sees 1, a cost of 2 waits for the other half.
	{at: 250 * ms, n: 0, ok: true, remaining: 1, reset: 150 * ms},
	{at: 250 * ms, n: 2, ok: false, remaining: 1, reset: 150 * ms, retry: 50 * ms},
	{at: 300 * ms, n: 2, ok: true, remaining: 0, reset: 300 * ms},
	// More than the bucket holds never fits.
	{at: 300 * ms, n: 4, ok: false, remaining: 0, reset: 300 * ms},
	{at: 10 * time.Second, n: 0, ok: true, remaining: 3},
	// Time running backwards refills nothing.
	{at: 5 * time.Second, n: 1, ok: true, remaining: 2, reset: 100 * ms},
	{at: 4 * time.Second, n: 1, ok: true, remaining: 1, reset: 200 * ms},
	{at: 4*time.Second + 50*ms, n: 1, ok: true, remaining: 0, reset: 300 * ms},
	{at: 4*time.Second + 60*ms, n: 1, ok: false, remaining: 0, reset: 300 * ms, retry: 100 * ms},
	{at: 5*time.Second + 100*ms, n: 1, ok: true, remaining: 0, reset: 300 * ms},
}

func TestTokenBucketRows(t *testing.T) {
	l := mustNew(t, NewTokenBucket, Options{Limit: 10, Window: time.Second, Burst: 3})
	runRows(t, l, bucketRows)
}

// TestTokenBucketOffered300 is the reference case: 100/s, burst 20, a full
// bucket offered 300 requests a second evenly over 10 s allows the burst
// plus exactly 10 s of refill, 20 + 100·10 = 1020. The fencepost matters and
// is pinned both ways: the arrivals at i/300 s for i = 0..3000 span the
// whole 10 s and get 1020; vegeta's schedule, i = 0..2999, ends 1/300 s
// early, 0.67 of a token short, and gets 1019.
func TestTokenBucketOffered300(t *testing.T) {
	for _, tc := range []struct {
		closed bool
		want   int
	}{{true, 1020}, {false, 1019}} {
		l := mustNew(t, NewTokenBucket, Options{Limit: 100, Window: time.Second, Burst: 20})
		if got := evenly(l, "k", 3000, 10*time.Second, tc.closed); got != tc.want {
			t.Errorf("closed=%v: allowed: got %d, want %d", tc.closed, got, tc.want)
		}
	}
}

// TestTokenBucketTable offers offered+1 arrivals evenly over [0, span], both
// ends included, and peeks at the end.
func TestTokenBucketTable(t *testing.T) {
	for _, tc := range []struct {
		name          string
		o             Options
		offered       int
		span          time.Duration
		wantAllowed   int
		wantRemaining int64
	}{
		// Offered below the rate (501 arrivals, one every 20ms): everything
		// passes, and the bucket is one token short just after the last.
		{"under rate", Options{Limit: 100, Window: time.Second, Burst: 20}, 500, 10 * time.Second, 501, 19},
		// Burst 1: pure pacing, 1 + 100 a second.
		{"burst 1", Options{Limit: 100, Window: time.Second, Burst: 1}, 3000, 10 * time.Second, 1001, 0},
		// Default burst is Limit: 100 + 1000.
		{"default burst", Options{Limit: 100, Window: time.Second}, 3000, 10 * time.Second, 1100, 0},
		// 3 per second: T = 333 333 333.3ns, still exact: 5 + 30.
		{"third of a second", Options{Limit: 3, Window: time.Second, Burst: 5}, 100, 10 * time.Second, 35, 0},
		// 10 000 a day, burst 100, offered 1/s for a day: 100 + 10 000.
		{"per day", Options{Limit: 10000, Window: 24 * time.Hour, Burst: 100}, 86400, 24 * time.Hour, 10100, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := mustNew(t, NewTokenBucket, tc.o)
			if got := evenly(l, "k", tc.offered, tc.span, true); got != tc.wantAllowed {
				t.Errorf("allowed: got %d, want %d", got, tc.wantAllowed)
			}
			if got := l.AllowN("k", t0.Add(tc.span), 0).Remaining; got != tc.wantRemaining {
				t.Errorf("remaining after: got %d, want %d", got, tc.wantRemaining)
			}
		})
	}
}

func TestTokenBucketPolicy(t *testing.T) {
	l := mustNew(t, NewTokenBucket, Options{Limit: 100, Window: time.Second, Burst: 20})
	d := l.Allow("k", t0)
	if got, want := d.Policy, "100;w=1;burst=20"; got != want {
		t.Errorf("policy: got %q, want %q", got, want)
	}
	if got, want := d.Limit, int64(20); got != want {
		t.Errorf("limit: got %d, want %d", got, want)
	}
}
