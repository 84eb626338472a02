package resilience

import (
	"math"
	"sync"
	"sync/atomic"
	"testing"
)

func TestLimitsDefaults(t *testing.T) {
	l, err := NewLimits(LimitsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for r, want := range map[Resource]int64{Connections: 1024, PendingRequests: 1024, Requests: 1024, Retries: 3} {
		if got := l.Max(r); got != want {
			t.Errorf("Max(%v): got %d, want %d", r, got, want)
		}
	}
	u, _ := NewLimits(LimitsOptions{MaxRetries: -1})
	if got, want := u.Max(Retries), int64(math.MaxInt64); got != want {
		t.Errorf("unlimited Max(retries): got %d, want %d", got, want)
	}
}

func TestLimitsSequence(t *testing.T) {
	l, err := NewLimits(LimitsOptions{MaxRequests: 2, MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		acquire   bool // false: Release
		r         Resource
		want      bool
		active    int64
		remaining int64
		overflows uint64
	}{
		{true, Requests, true, 1, 1, 0},
		{true, Requests, true, 2, 0, 0},
		{true, Requests, false, 2, 0, 1},
		{true, Retries, true, 1, 0, 0},
		{true, Retries, false, 1, 0, 1},
		{false, Requests, true, 1, 1, 1},
		{true, Requests, true, 2, 0, 1},
		{true, Requests, false, 2, 0, 2},
		{false, Retries, true, 0, 1, 1},
		{true, Retries, true, 1, 0, 1},
	}
	for i, tt := range tests {
		got := true
		if tt.acquire {
			got = l.Acquire(tt.r)
		} else {
			l.Release(tt.r)
		}
		if got != tt.want || l.Active(tt.r) != tt.active || l.Remaining(tt.r) != tt.remaining || l.Overflows(tt.r) != tt.overflows {
			t.Errorf("step %d (%v): got %v active %d remaining %d overflows %d, want %v %d %d %d", i, tt.r,
				got, l.Active(tt.r), l.Remaining(tt.r), l.Overflows(tt.r), tt.want, tt.active, tt.remaining, tt.overflows)
		}
	}
	if got := l.Active(Connections); got != 0 {
		t.Errorf("connections untouched: got %d active", got)
	}
}

func TestLimitsReleaseWithoutAcquirePanics(t *testing.T) {
	l, _ := NewLimits(LimitsOptions{})
	defer func() {
		if recover() == nil {
			t.Error("got no panic")
		}
	}()
	l.Release(Connections)
}

// TestLimitsConcurrent hammers one limit from several goroutines and checks
// that the active count never exceeds the maximum and that every Acquire
// is either granted or counted as an overflow.
func TestLimitsConcurrent(t *testing.T) {
	const max, workers, rounds = 3, 8, 2000
	l, _ := NewLimits(LimitsOptions{MaxPendingRequests: max})
	var peak, granted atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range rounds {
				if !l.Acquire(PendingRequests) {
					continue
				}
				granted.Add(1)
				if a := l.Active(PendingRequests); a > peak.Load() {
					peak.Store(a)
				}
				l.Release(PendingRequests)
			}
		})
	}
	wg.Wait()
	if got := peak.Load(); got > max {
		t.Errorf("peak active: got %d, want <= %d", got, max)
	}
	if got, want := uint64(granted.Load())+l.Overflows(PendingRequests), uint64(workers*rounds); got != want {
		t.Errorf("granted + overflows: got %d, want %d", got, want)
	}
	if got := l.Active(PendingRequests); got != 0 {
		t.Errorf("active after all releases: got %d, want 0", got)
	}
}

func BenchmarkLimitsAcquireRelease(b *testing.B) {
	l, _ := NewLimits(LimitsOptions{})
	b.ReportAllocs()
	for b.Loop() {
		if l.Acquire(Requests) {
			l.Release(Requests)
		}
	}
}

func BenchmarkLimitsAcquireReleaseParallel(b *testing.B) {
	l, _ := NewLimits(LimitsOptions{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if l.Acquire(Requests) {
				l.Release(Requests)
			}
		}
	})
}
