package ratelimit

import (
	"sync"
	"testing"
	"time"
)

func TestConcurrency(t *testing.T) {
	l := mustNew(t, NewConcurrency, Options{Limit: 2})
	steps := []struct {
		op        string // "a" allow, "r" release
		key       string
		ok        bool
		remaining int64
		inflight  int64
	}{
		{"a", "x", true, 1, 1},
		{"a", "x", true, 0, 2},
		{"a", "x", false, 0, 2},
		{"a", "y", true, 1, 1},
		{"r", "x", false, 0, 1},
		{"a", "x", true, 0, 2},
		{"r", "x", false, 0, 1},
		{"r", "x", false, 0, 0},
		// Releasing more than acquired is ignored.
		{"r", "x", false, 0, 0},
		{"a", "x", true, 1, 1},
	}
	for i, s := range steps {
		if s.op == "a" {
			d := l.Allow(s.key, t0)
			if d.Allowed != s.ok || d.Remaining != s.remaining || d.Limit != 2 || d.Reset != 0 || d.RetryAfter != 0 || d.Policy != "" {
				t.Errorf("step %d: got %+v, want ok=%v remaining=%d", i, d, s.ok, s.remaining)
			}
		} else {
			l.Release(s.key, t0)
		}
		if got := l.InFlight(s.key); got != s.inflight {
			t.Errorf("step %d: in flight: got %d, want %d", i, got, s.inflight)
		}
	}
	// Keys with nothing in flight are dropped at once.
	l.Release("x", t0)
	l.Release("y", t0)
	if got := l.Stats().Keys; got != 0 {
		t.Errorf("keys after releasing all: got %d, want 0", got)
	}
}

// TestConcurrencyParallel: goroutines acquiring and releasing never see more
// than Limit in flight, and everything is released at the end.
func TestConcurrencyParallel(t *testing.T) {
	l := mustNew(t, NewConcurrency, Options{Limit: 3})
	var mu sync.Mutex
	inflight, peak := 0, 0
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				now := t0.Add(time.Duration(g*1000+i) * ms)
				if !l.Allow("k", now).Allowed {
					continue
				}
				mu.Lock()
				inflight++
				peak = max(peak, inflight)
				mu.Unlock()
				mu.Lock()
				inflight--
				mu.Unlock()
				l.Release("k", now)
			}
		}()
	}
	wg.Wait()
	if peak > 3 {
		t.Errorf("peak in flight: got %d, want at most 3", peak)
	}
	if got := l.InFlight("k"); got != 0 {
		t.Errorf("in flight at the end: got %d, want 0", got)
	}
}
