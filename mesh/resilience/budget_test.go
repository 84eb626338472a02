package resilience

import (
	"testing"
	"time"
)

func mustBudget(t testing.TB, o BudgetOptions) *Budget {
	t.Helper()
	b, err := NewBudget(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// budgetStep is one row of a budget script: at time at, count requests
// original requests (spread evenly over spread), then try retries retries;
// wantAllowed of them must be allowed and wantAvailable remain.
type budgetStep struct {
	at            time.Duration
	spread        time.Duration
	requests      int
	retries       int
	wantAllowed   int
	wantAvailable int64
}

func runBudget(t *testing.T, b *Budget, steps []budgetStep) {
	t.Helper()
	for i, s := range steps {
		for k := range s.requests {
			b.Request(at(s.at + s.spread*time.Duration(k)/time.Duration(s.requests)))
		}
		now := at(s.at + s.spread)
		allowed := 0
		for range s.retries {
			if b.TryRetry(now) {
				allowed++
			}
		}
		if allowed != s.wantAllowed {
			t.Errorf("step %d (t=%v): got %d retries allowed, want %d", i, s.at+s.spread, allowed, s.wantAllowed)
		}
		if got := b.Available(now); got != s.wantAvailable {
			t.Errorf("step %d (t=%v): got %d available, want %d", i, s.at+s.spread, got, s.wantAvailable)
		}
	}
}

// TestBudgetLinkerdDefaults works the brief's example: ratio 0.2, 10/s,
// TTL 10s (ten 1s slots from the first request). 100 requests in the first
// second allow 0.2*100 + 10*10 = 120 retries; slot 0 (the requests) leaves
// the window at t=10s, slot 1 (the retries) at t=11s.
func TestBudgetLinkerdDefaults(t *testing.T) {
	b := mustBudget(t, BudgetOptions{})
	s := time.Second
	runBudget(t, b, []budgetStep{
		{at: 0, spread: 990 * time.Millisecond, requests: 100, wantAvailable: 120},
		{at: 1 * s, retries: 200, wantAllowed: 120, wantAvailable: 0},
		{at: 9*s + 999*time.Millisecond, retries: 1, wantAllowed: 0, wantAvailable: 0},
		// Slot 0 expired: R = 0, Q = 120 > reserve 100.
		{at: 10 * s, retries: 1, wantAllowed: 0, wantAvailable: 0},
		// Slot 1 expired: only the reserve remains.
		{at: 11 * s, retries: 150, wantAllowed: 100, wantAvailable: 0},
		// 50 requests raise the limit to 110; 100 retries are in the window.
		{at: 12 * s, requests: 50, retries: 20, wantAllowed: 10, wantAvailable: 0},
		// t=21s: slot 11 (the 100 retries) expired; slot 12 holds 50
		// requests and 10 retries: 110 - 10 = 100 available.
		{at: 21 * s, wantAvailable: 100},
		// Far later everything expired at once.
		{at: time.Hour, wantAvailable: 100},
	})
	if got, want := b.Stats(), (BudgetStats{Requests: 150, Retries: 230, Exhausted: 80 + 1 + 1 + 50 + 10}); got != want {
		t.Errorf("Stats: got %+v, want %+v", got, want)
	}
}

// TestBudgetRatioOnly checks that the ratio is exact: with no reserve and
// ratio 0.2, four requests allow no retry and the fifth allows one.
func TestBudgetRatioOnly(t *testing.T) {
	b := mustBudget(t, BudgetOptions{RetryRatio: 0.2, MinRetriesPerSecond: -1})
	runBudget(t, b, []budgetStep{
		{at: 0, requests: 4, retries: 1, wantAllowed: 0, wantAvailable: 0},
		{at: 0, requests: 1, retries: 2, wantAllowed: 1, wantAvailable: 0},
		{at: time.Second, requests: 9, retries: 5, wantAllowed: 1, wantAvailable: 0},
		{at: time.Second, requests: 1, wantAvailable: 1},
	})
}

// TestBudgetReserveOnly: no ratio, 1 retry per second over 5s in 5 slots.
func TestBudgetReserveOnly(t *testing.T) {
	b := mustBudget(t, BudgetOptions{RetryRatio: -1, MinRetriesPerSecond: 1, TTL: 5 * time.Second, Buckets: 5})
	s := time.Second
	runBudget(t, b, []budgetStep{
		{at: 0, requests: 1000, retries: 10, wantAllowed: 5, wantAvailable: 0},
		{at: 4 * s, retries: 1, wantAllowed: 0, wantAvailable: 0},
		{at: 5 * s, retries: 3, wantAllowed: 3, wantAvailable: 2},
		{at: 9 * s, wantAvailable: 2},
		{at: 10 * s, wantAvailable: 5},
	})
}

// TestBudgetTimeBackwards: a time before the latest seen counts in the
// latest slot, so it neither resurrects expired slots nor panics.
func TestBudgetTimeBackwards(t *testing.T) {
	b := mustBudget(t, BudgetOptions{RetryRatio: 1, MinRetriesPerSecond: -1, TTL: 2 * time.Second, Buckets: 2})
	s := time.Second
	runBudget(t, b, []budgetStep{
		{at: 5 * s, requests: 2, wantAvailable: 2},
		{at: 0, requests: 1, retries: 1, wantAllowed: 1, wantAvailable: 2}, // counted at 5s
		{at: 6 * s, wantAvailable: 2},
		{at: 7 * s, wantAvailable: 0},
	})
}

func BenchmarkTryRetry(b *testing.B) {
	bud := mustBudget(b, BudgetOptions{})
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Millisecond)
		bud.Request(now)
		bud.TryRetry(now)
	}
}

func BenchmarkTryRetryParallel(b *testing.B) {
	bud := mustBudget(b, BudgetOptions{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			bud.TryRetry(t0)
		}
	})
}
