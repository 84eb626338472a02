package ratelimit

import (
	"testing"
	"time"
)

func TestSlidingWindowCounterRows(t *testing.T) {
	l := mustNew(t, NewSlidingWindowCounter, Options{Limit: 10, Window: time.Second})
	runRows(t, l, []row{
		{at: 500 * ms, n: 8, ok: true, remaining: 2, reset: 1500 * ms},
		// Next window, 250ms in: 8·0.75 = 6 estimated, +1.
		{at: 1250 * ms, n: 1, ok: true, remaining: 3, reset: 1750 * ms},
		// 7 + 4 > 10: wait until 8·(1-e) + 1 + 4 ≤ 10, e = 375ms.
		{at: 1250 * ms, n: 4, ok: false, remaining: 3, reset: 1750 * ms, retry: 125 * ms},
		{at: 1375 * ms, n: 4, ok: true, remaining: 0, reset: 1625 * ms},
		{at: 1375 * ms, n: 1, ok: false, remaining: 0, reset: 1625 * ms, retry: 125 * ms},
		// 5 + 6 > 10 in this window whatever the weight: wait for the next
		// one, where 5·(1-e) + 6 ≤ 10 at e = 200ms.
		{at: 1500 * ms, n: 6, ok: false, remaining: 1, reset: 1500 * ms, retry: 700 * ms},
		{at: 2199 * ms, n: 6, ok: false, remaining: 5, reset: 801 * ms, retry: 1 * ms},
		{at: 2200 * ms, n: 6, ok: true, remaining: 0, reset: 1800 * ms},
		{at: 2200 * ms, n: 11, ok: false, remaining: 0, reset: 1800 * ms},
		// Only the previous window counts: 6·0.5 = 3.
		{at: 3500 * ms, n: 0, ok: true, remaining: 7, reset: 500 * ms},
		{at: 9 * time.Second, n: 0, ok: true, remaining: 10},
	})
}

// TestSlidingWindowCounterOffered: 300/s against 100 per second for 10 s.
// The first window allows 100. In each later one the previous window's
// weight never quite reaches 0 before the window ends (the last arrival is
// 1/300 s early, leaving prev/300 ≈ 0.33 of it), so each admits 99:
// 100 + 9·99 = 991.
func TestSlidingWindowCounterOffered(t *testing.T) {
	l := mustNew(t, NewSlidingWindowCounter, Options{Limit: 100, Window: time.Second})
	if got, want := evenly(l, "k", 3000, 10*time.Second, false), 991; got != want {
		t.Fatalf("allowed: got %d, want %d", got, want)
	}
}

// TestSlidingWindowCounterUndercount shows the approximation's blind spot: a
// burst at the very end of one window is weighted as if spread evenly.
func TestSlidingWindowCounterUndercount(t *testing.T) {
	l := mustNew(t, NewSlidingWindowCounter, Options{Limit: 10, Window: time.Second})
	runRows(t, l, []row{
		{at: 999 * ms, n: 10, ok: true, remaining: 0, reset: 1001 * ms},
		// Half a window later the true sliding count is still 10; the
		// estimate is 10·0.5 = 5, so 5 more pass.
		{at: 1500 * ms, n: 5, ok: true, remaining: 0, reset: 1500 * ms},
	})
}
