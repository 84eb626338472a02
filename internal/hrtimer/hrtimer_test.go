package hrtimer

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestSleepNeverEarly starts sleepers at scattered instants, in no order,
// and checks that each wakes no earlier than its instant.
func TestSleepNeverEarly(t *testing.T) {
	t.Parallel()
	w := New()
	defer w.Close()
	var wg sync.WaitGroup
	base := time.Now()
	errs := make(chan string, 200)
	for i := range 200 {
		at := base.Add(time.Duration((i*7919)%5000) * time.Microsecond)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !w.Sleep(context.Background(), at) {
				errs <- "Sleep reported a cancellation without one"
				return
			}
			if now := time.Now(); now.Before(at) {
				errs <- "woke " + at.Sub(now).String() + " early"
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestSleepCancelled(t *testing.T) {
	t.Parallel()
	w := New()
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan bool)
	go func() { done <- w.Sleep(ctx, time.Now().Add(time.Hour)) }()
	cancel()
	if <-done {
		t.Fatal("Sleep = true after its context ended, want false")
	}
}

func TestSleepPast(t *testing.T) {
	t.Parallel()
	w := New()
	defer w.Close()
	if !w.Sleep(context.Background(), time.Now().Add(-time.Second)) {
		t.Fatal("Sleep until a past instant = false, want true")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if w.Sleep(ctx, time.Now().Add(-time.Second)) {
		t.Fatal("Sleep with an ended context = true, want false")
	}
}

// TestCloseWakesSleepers: Close ends the thread and nobody stays asleep.
func TestCloseWakesSleepers(t *testing.T) {
	t.Parallel()
	w := New()
	done := make(chan bool)
	go func() { done <- w.Sleep(context.Background(), time.Now().Add(time.Hour)) }()
	// Wait until the sleeper is queued.
	for {
		w.mu.Lock()
		n := len(w.queue)
		w.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	w.Close()
	<-done
	w.Close() // twice is harmless
	if !w.Sleep(context.Background(), time.Now().Add(time.Millisecond)) {
		t.Fatal("Sleep after Close = false, want true (Go's timers)")
	}
}

func TestSleepersHeapOrder(t *testing.T) {
	t.Parallel()
	var h sleepers
	base := time.Unix(0, 0)
	want := []int{}
	for i := range 100 {
		v := (i * 37) % 101
		want = append(want, v)
		h.push(entry{at: base.Add(time.Duration(v))})
	}
	sort.Ints(want)
	for i, v := range want {
		if got := h.pop().at.Sub(base); got != time.Duration(v) {
			t.Fatalf("pop %d = %v, want %v", i, got, time.Duration(v))
		}
	}
}

// BenchmarkOvershoot reports how late a sleeper wakes on average, next to
// Go's own timer (run with -bench; a measurement, never an assertion).
func BenchmarkOvershoot(b *testing.B) {
	for _, tc := range []struct {
		name  string
		sleep func(time.Time)
	}{
		{"hrtimer", func() func(time.Time) {
			w := New()
			b.Cleanup(w.Close)
			return func(at time.Time) { w.Sleep(context.Background(), at) }
		}()},
		{"time.Timer", func(at time.Time) { sleepFallback(context.Background(), at) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var late time.Duration
			for i := 0; b.Loop(); i++ {
				at := time.Now().Add(time.Duration(500+i%1500) * time.Microsecond)
				tc.sleep(at)
				late += time.Since(at)
			}
			b.ReportMetric(float64(late.Microseconds())/float64(b.N), "µs-late/op")
		})
	}
}
