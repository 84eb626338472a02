package fault

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"
)

// fakeClock records sleeps and moves time on by each.
type fakeClock struct {
	now    time.Duration
	sleeps []time.Duration
	fail   int // fail the fail-th sleep (1-based), if not 0
}

var errStopped = errors.New("stopped")

func (c *fakeClock) sleep(d time.Duration) error {
	if c.fail != 0 && len(c.sleeps)+1 == c.fail {
		return errStopped
	}
	c.sleeps = append(c.sleeps, d)
	c.now += d
	return nil
}

// link records when each chunk reaches it, and flushes.
type link struct {
	clock   *fakeClock
	buf     bytes.Buffer
	arrived []time.Duration // clock time of each write
	sizes   []int
	flushes int
}

func (l *link) Write(p []byte) (int, error) {
	l.arrived = append(l.arrived, l.clock.now)
	l.sizes = append(l.sizes, len(p))
	return l.buf.Write(p)
}

func (l *link) Flush() { l.flushes++ }

func TestBandwidthWriter(t *testing.T) {
	for _, c := range []struct {
		name   string
		bps    int64
		writes []int
		sleeps []time.Duration
		sizes  []int
	}{
		{"tenth-second chunks", 100, []int{25}, []time.Duration{100 * ms, 100 * ms, 50 * ms}, []int{10, 10, 5}},
		{"split writes owe the same", 100, []int{7, 13},
			[]time.Duration{70 * ms, 100 * ms, 30 * ms}, []int{7, 10, 3}},
		{"rounding never drifts", 3, []int{2, 1},
			[]time.Duration{333333333, 333333333, 333333334}, []int{1, 1, 1}},
		{"fast link, big chunks", 1_000_000, []int{250_000},
			[]time.Duration{32768 * time.Microsecond, 32768 * time.Microsecond, 32768 * time.Microsecond,
				32768 * time.Microsecond, 32768 * time.Microsecond, 32768 * time.Microsecond,
				32768 * time.Microsecond, 20624 * time.Microsecond},
			[]int{32768, 32768, 32768, 32768, 32768, 32768, 32768, 20624}},
		{"no limit", 0, []int{5000, 1}, nil, []int{5000, 1}},
		{"empty write", 100, []int{0}, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			clock := &fakeClock{}
			l := &link{clock: clock}
			w := NewBandwidthWriter(l, c.bps, clock.sleep)
			total := 0
			for _, n := range c.writes {
				p := bytes.Repeat([]byte{'x'}, n)
				got, err := w.Write(p)
				if err != nil || got != n {
					t.Fatalf("Write(%d bytes) = %d, %v", n, got, err)
				}
				total += n
			}
			if !slices.Equal(clock.sleeps, c.sleeps) {
				t.Errorf("sleeps = %v, want %v", clock.sleeps, c.sleeps)
			}
			if !slices.Equal(l.sizes, c.sizes) {
				t.Errorf("chunks = %v, want %v", l.sizes, c.sizes)
			}
			if l.buf.Len() != total {
				t.Errorf("%d bytes arrived, want %d", l.buf.Len(), total)
			}
			if c.bps > 0 {
				if l.flushes != len(c.sizes) {
					t.Errorf("%d flushes, want one per chunk (%d)", l.flushes, len(c.sizes))
				}
				// No byte arrives before the link could carry it, and the
				// last arrives exactly when it could.
				sent := int64(0)
				for i, n := range l.sizes {
					sent += int64(n)
					if due := time.Duration(sent * int64(time.Second) / c.bps); l.arrived[i] != due {
						t.Errorf("chunk %d arrived at %v, want %v", i, l.arrived[i], due)
					}
				}
			}
		})
	}
}

func TestBandwidthWriterStops(t *testing.T) {
	clock := &fakeClock{fail: 3}
	l := &link{clock: clock}
	w := NewBandwidthWriter(l, 100, clock.sleep)
	n, err := w.Write(make([]byte, 50))
	if n != 20 || !errors.Is(err, errStopped) {
		t.Errorf("Write = %d, %v; want 20, %v", n, err, errStopped)
	}
}

type failing struct{ n int }

func (f *failing) Write(p []byte) (int, error) {
	if len(p) > f.n {
		return f.n, errStopped
	}
	f.n -= len(p)
	return len(p), nil
}

func TestBandwidthWriterUnderlyingError(t *testing.T) {
	clock := &fakeClock{}
	w := NewBandwidthWriter(&failing{n: 15}, 100, clock.sleep)
	n, err := w.Write(make([]byte, 30))
	if n != 15 || !errors.Is(err, errStopped) {
		t.Errorf("Write = %d, %v; want 15, %v", n, err, errStopped)
	}
}

func TestBandwidthWriterHugeCounts(t *testing.T) {
	w := NewBandwidthWriter(nil, 1, nil)
	for _, c := range []struct {
		n    uint64
		want time.Duration
	}{
		{1, time.Second},
		{9_223_372_036, 9_223_372_036 * time.Second},
		{9_223_372_037, Forever}, // past 292 years
		{1 << 63, Forever},
	} {
		if got := w.due(c.n); got != c.want {
			t.Errorf("due(%d) at 1 B/s = %v, want %v", c.n, got, c.want)
		}
	}
}
