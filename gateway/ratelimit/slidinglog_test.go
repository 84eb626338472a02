package ratelimit

import (
	"testing"
	"time"
)

func TestSlidingLogRows(t *testing.T) {
	l := mustNew(t, NewSlidingLog, Options{Limit: 3, Window: time.Second})
	runRows(t, l, []row{
		{at: 0, n: 1, ok: true, remaining: 2, reset: time.Second},
		{at: 100 * ms, n: 1, ok: true, remaining: 1, reset: time.Second},
		{at: 200 * ms, n: 1, ok: true, remaining: 0, reset: time.Second},
		// Full until the entry at 0 leaves at 1s.
		{at: 300 * ms, n: 1, ok: false, remaining: 0, reset: 900 * ms, retry: 700 * ms},
		{at: 1000 * ms, n: 1, ok: true, remaining: 0, reset: time.Second},
		{at: 1050 * ms, n: 1, ok: false, remaining: 0, reset: 950 * ms, retry: 50 * ms},
		// Room for 1 of 2: wait for one more entry (200ms) to leave.
		{at: 1100 * ms, n: 2, ok: false, remaining: 1, reset: 900 * ms, retry: 100 * ms},
		{at: 1200 * ms, n: 2, ok: true, remaining: 0, reset: time.Second},
		{at: 1200 * ms, n: 4, ok: false, remaining: 0, reset: time.Second},
		{at: 5 * time.Second, n: 0, ok: true, remaining: 3},
		// No boundary burst: 3 at 5.9s leave no room at 6.0s.
		{at: 5900 * ms, n: 3, ok: true, remaining: 0, reset: time.Second},
		{at: 6000 * ms, n: 1, ok: false, remaining: 0, reset: 900 * ms, retry: 900 * ms},
		// Back in time: logged at the newest time, never out of order.
		{at: 6900 * ms, n: 1, ok: true, remaining: 2, reset: time.Second},
		{at: 6800 * ms, n: 1, ok: true, remaining: 1, reset: 1100 * ms},
		// Both entries logged at 6.9s count until 7.9s.
		{at: 7850 * ms, n: 1, ok: true, remaining: 0, reset: time.Second},
		{at: 7900 * ms, n: 1, ok: true, remaining: 1, reset: time.Second},
	})
}

// TestSlidingLogOffered: 300/s against 100 per second for 10 s allows exactly
// 100 in every second-long sliding window, 1000 in all.
func TestSlidingLogOffered(t *testing.T) {
	l := mustNew(t, NewSlidingLog, Options{Limit: 100, Window: time.Second})
	if got, want := evenly(l, "k", 3000, 10*time.Second, false), 1000; got != want {
		t.Fatalf("allowed: got %d, want %d", got, want)
	}
}

// TestSlidingLogReusesBuffer: a key's log stops allocating once its buffer
// holds Limit entries.
func TestSlidingLogReusesBuffer(t *testing.T) {
	l := mustNew(t, NewSlidingLog, Options{Limit: 8, Window: 80 * ms})
	at := t0
	for range 100 {
		l.Allow("k", at)
		at = at.Add(3 * ms)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		l.Allow("k", at)
		at = at.Add(3 * ms)
	})
	if allocs != 0 {
		t.Errorf("allocs per decision: got %v, want 0", allocs)
	}
}
