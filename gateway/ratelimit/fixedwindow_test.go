package ratelimit

import (
	"testing"
	"time"
)

func TestFixedWindowRows(t *testing.T) {
	l := mustNew(t, NewFixedWindow, Options{Limit: 3, Window: time.Second})
	runRows(t, l, []row{
		{at: 0, n: 1, ok: true, remaining: 2, reset: time.Second},
		{at: 100 * ms, n: 1, ok: true, remaining: 1, reset: 900 * ms},
		{at: 200 * ms, n: 1, ok: true, remaining: 0, reset: 800 * ms},
		{at: 300 * ms, n: 1, ok: false, remaining: 0, reset: 700 * ms, retry: 700 * ms},
		{at: 999 * ms, n: 1, ok: false, remaining: 0, reset: 1 * ms, retry: 1 * ms},
		// A new window: the count starts over.
		{at: 1000 * ms, n: 1, ok: true, remaining: 2, reset: time.Second},
		{at: 1500 * ms, n: 3, ok: false, remaining: 2, reset: 500 * ms, retry: 500 * ms},
		{at: 1500 * ms, n: 2, ok: true, remaining: 0, reset: 500 * ms},
		{at: 1500 * ms, n: 4, ok: false, remaining: 0, reset: 500 * ms},
		{at: 5 * time.Second, n: 0, ok: true, remaining: 3},
		// The boundary burst: 3 at the end of one window, 3 at the start
		// of the next, 6 in 100ms.
		{at: 5900 * ms, n: 3, ok: true, remaining: 0, reset: 100 * ms},
		{at: 6000 * ms, n: 3, ok: true, remaining: 0, reset: time.Second},
		// Back in time across the boundary: counted in the newer window.
		{at: 5950 * ms, n: 1, ok: false, remaining: 0, reset: 1050 * ms, retry: 1050 * ms},
	})
}

func TestFixedWindowAnchor(t *testing.T) {
	l := mustNew(t, NewFixedWindow, Options{Limit: 2, Window: time.Second, Anchor: t0.Add(250 * ms)})
	runRows(t, l, []row{
		// [t0-750ms, t0+250ms)
		{at: 0, n: 2, ok: true, remaining: 0, reset: 250 * ms},
		{at: 249 * ms, n: 1, ok: false, remaining: 0, reset: 1 * ms, retry: 1 * ms},
		{at: 250 * ms, n: 1, ok: true, remaining: 1, reset: time.Second},
	})
	if got, want := l.Allow("k", t0).Policy, "2;w=1"; got != want {
		t.Errorf("policy: got %q, want %q", got, want)
	}
}

// TestFixedWindowOffered counts a steady overload: 300/s against 100 per
// second for 10 s allows 100 in each of the 10 windows.
func TestFixedWindowOffered(t *testing.T) {
	l := mustNew(t, NewFixedWindow, Options{Limit: 100, Window: time.Second})
	if got, want := evenly(l, "k", 3000, 10*time.Second, false), 1000; got != want {
		t.Fatalf("allowed: got %d, want %d", got, want)
	}
}
