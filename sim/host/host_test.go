package host

import (
	"context"
	"math"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// buckets are [0,1ms) [1ms,2ms) [2ms,4ms) [4ms,8ms) [8ms,+Inf), in
// seconds, with -Inf below as runtime/metrics has it.
var buckets = []float64{math.Inf(-1), 0, 0.001, 0.002, 0.004, 0.008, math.Inf(1)}

func hist(counts ...uint64) Histogram { return Histogram{Counts: counts, Buckets: buckets} }

func TestQuantile(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    Histogram
		q    float64
		want float64
	}{
		{"empty", hist(0, 0, 0, 0, 0, 0), 0.99, 0},
		// 100 values in [0,1ms): rank 99 sits 99 % into the bucket.
		{"one bucket", hist(0, 100, 0, 0, 0, 0), 0.99, 0.00099},
		// 90 in [0,1ms), 10 in [4ms,8ms): rank 99 is the 9th of 10 there.
		{"tail bucket", hist(0, 90, 0, 0, 10, 0), 0.99, 0.004 + 0.004*9.0/10},
		{"median", hist(0, 50, 50, 0, 0, 0), 0.5, 0.001},
		// Above the last finite bound: the bound is all that is known.
		{"overflow", hist(0, 0, 0, 0, 0, 5), 0.99, 0.008},
		{"below zero", hist(3, 0, 0, 0, 0, 0), 0.5, 0},
		{"mismatched buckets", Histogram{Counts: []uint64{1}, Buckets: buckets}, 0.5, 0},
	} {
		if got := tc.h.Quantile(tc.q); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: Quantile(%v): got %v, want %v", tc.name, tc.q, got, tc.want)
		}
	}
}

func TestSub(t *testing.T) {
	got := hist(1, 5, 7, 0, 2, 0).Sub(hist(1, 2, 7, 0, 0, 0))
	want := []uint64{0, 3, 0, 0, 2, 0}
	for i := range want {
		if got.Counts[i] != want[i] {
			t.Fatalf("Sub: got %v, want %v", got.Counts, want)
		}
	}
	// A reading without the histogram (the first read failed) counts as
	// empty; a count that went down (cannot happen) clamps at 0.
	if got := hist(4, 0, 0, 0, 0, 0).Sub(Histogram{}); got.Counts[0] != 4 {
		t.Errorf("Sub(empty): got %v, want [4 ...]", got.Counts)
	}
	if got := hist(1, 0, 0, 0, 0, 0).Sub(hist(3, 0, 0, 0, 0, 0)); got.Counts[0] != 0 {
		t.Errorf("Sub(larger): got %v, want [0 ...]", got.Counts)
	}
}

func TestBetween(t *testing.T) {
	a := Reading{At: time.Second, CPU: 3 * time.Second, CPUKnown: true, Sched: hist(0, 500, 0, 0, 0, 0)}
	b := Reading{At: 3 * time.Second, CPU: 6 * time.Second, CPUKnown: true, Sched: hist(0, 590, 0, 0, 10, 0)}
	// 3 s of CPU over 2 s on 2 cores; the 100 new wake-ups are a's
	// histogram shape: rank 99 is the 9th of 10 in [4ms, 8ms).
	want := Interval{From: time.Second, To: 3 * time.Second, SchedP99: 7600 * time.Microsecond, CPU: 0.75}
	if got := Between(a, b, 2); got != want {
		t.Errorf("Between: got %+v, want %+v", got, want)
	}
	a.CPUKnown = false
	if got := Between(a, b, 2).CPU; got != 0 {
		t.Errorf("CPU unknown: got %v, want 0", got)
	}
	if got := Between(b, b, 2); got.CPU != 0 || got.SchedP99 != 0 {
		t.Errorf("empty interval: got %+v, want zero figures", got)
	}
}

// The sampler reads real counters: a process that has run at all has
// used CPU, and Stop ends its goroutine (goleak checks) with a last
// interval that ends where the whole run does.
func TestSampler(t *testing.T) {
	s := Start(context.Background(), time.Now(), 10*time.Millisecond)
	deadline := time.Now().Add(50 * time.Millisecond)
	for time.Now().Before(deadline) {
	}
	m := s.Stop()
	if m.Cores < 1 {
		t.Errorf("cores: got %d, want at least 1", m.Cores)
	}
	if len(m.Intervals) == 0 {
		t.Fatal("no intervals")
	}
	last := m.Intervals[len(m.Intervals)-1]
	if m.Run.From != m.Intervals[0].From || m.Run.To != last.To {
		t.Errorf("run %v..%v, intervals %v..%v: want the same span", m.Run.From, m.Run.To, m.Intervals[0].From, last.To)
	}
	for i := 1; i < len(m.Intervals); i++ {
		if m.Intervals[i].From != m.Intervals[i-1].To {
			t.Errorf("interval %d starts at %v, the one before ends at %v", i, m.Intervals[i].From, m.Intervals[i-1].To)
		}
	}
	if _, ok := processCPU(); ok && m.Run.CPU <= 0 {
		t.Errorf("cpu over a busy loop: got %v, want > 0", m.Run.CPU)
	}
}

// A sampler whose context ends stops on its own; Stop still returns.
func TestSamplerContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := Start(ctx, time.Now(), time.Hour)
	cancel()
	<-s.done
	if m := s.Stop(); len(m.Intervals) != 1 {
		t.Errorf("intervals: got %d, want the one Stop closes", len(m.Intervals))
	}
}
