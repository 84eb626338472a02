package host

import (
	"context"
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// DefaultEvery is the sampling interval when Start gets 0: the recorder's
// default window, so each window has one interval of its own.
const DefaultEvery = time.Second

const schedMetric = "/sched/latencies:seconds"

// Cores is the number of cores the process can use: GOMAXPROCS (which
// follows a container's CPU limit), at most the machine's CPUs.
func Cores() int { return min(runtime.GOMAXPROCS(0), runtime.NumCPU()) }

// Sampler reads the host's counters at a fixed interval from its epoch
// until Stop or its context ends. It keeps the first and the latest
// reading and one Interval per tick, so its memory grows by a few dozen
// bytes a second.
type Sampler struct {
	epoch time.Time
	cores int
	stop  chan struct{}
	done  chan struct{}

	mu        sync.Mutex
	first     Reading
	last      Reading
	intervals []Interval
}

// Start takes a first reading at epoch (the run's start) and then one
// every interval (DefaultEvery if 0) on a goroutine of its own, which
// ends when ctx is done or Stop is called.
func Start(ctx context.Context, epoch time.Time, every time.Duration) *Sampler {
	if every <= 0 {
		every = DefaultEvery
	}
	s := &Sampler{epoch: epoch, cores: Cores(), stop: make(chan struct{}), done: make(chan struct{})}
	s.first = s.read()
	s.last = s.first
	go s.loop(ctx, every)
	return s
}

func (s *Sampler) loop(ctx context.Context, every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.stop:
			return
		case <-t.C:
			s.tick()
		}
	}
}

// tick takes a reading and closes the interval since the last one.
func (s *Sampler) tick() {
	r := s.read()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.intervals = append(s.intervals, Between(s.last, r, s.cores))
	s.last = r
}

// Measurement is what a Sampler measured.
type Measurement struct {
	// Run is the whole span, from the first reading to the last.
	Run Interval
	// Intervals are the ticks' intervals in order; the last one may be
	// short (it ends at Stop).
	Intervals []Interval
	Cores     int
}

// Stop ends the sampling with a last reading and returns what was
// measured. Call it once.
func (s *Sampler) Stop() Measurement {
	close(s.stop)
	<-s.done
	s.tick()
	s.mu.Lock()
	defer s.mu.Unlock()
	return Measurement{Run: Between(s.first, s.last, s.cores), Intervals: s.intervals, Cores: s.cores}
}

// read takes a reading now.
func (s *Sampler) read() Reading {
	sample := []metrics.Sample{{Name: schedMetric}}
	metrics.Read(sample)
	r := Reading{At: time.Since(s.epoch)}
	r.CPU, r.CPUKnown = processCPU()
	if sample[0].Value.Kind() == metrics.KindFloat64Histogram {
		h := sample[0].Value.Float64Histogram()
		// Read may reuse its memory on the next call: keep copies.
		r.Sched = Histogram{Counts: append([]uint64(nil), h.Counts...), Buckets: h.Buckets}
	}
	return r
}
