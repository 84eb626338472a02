package sim

import (
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/baton-sim/baton/scenarios"
)

// Schedule is a scenario's arrival process: the intended send time of every
// request, as an offset from the start of the load. It is a vegeta.Pacer, so
// the live engine hands it to vegeta's attacker, and the virtual engine can
// walk the same arrivals without sleeping.
//
// Remembering intended times is what makes latency honest: a request that
// waited behind a stalled system is measured from when it should have been
// sent, not from when a free worker finally sent it (coordinated omission).
type Schedule struct {
	mu       sync.Mutex
	rate     float64 // requests per second
	poisson  bool
	duration time.Duration
	rng      *rand.Rand

	next time.Duration // intended offset of request number n
	n    uint64

	// ring remembers recent intended offsets by request number, long enough
	// for any answer to come back (the driver's timeout times the rate).
	ring    []time.Duration
	ringSeq []uint64
}

// NewSchedule builds the schedule for load over duration, seeded.
// memory is how many recent intended times to remember.
func NewSchedule(load scenarios.Load, duration time.Duration, seed uint64, memory int) *Schedule {
	if memory < 1024 {
		memory = 1024
	}
	s := &Schedule{
		rate:     load.Rate,
		poisson:  load.Arrival != scenarios.ArrivalUniform,
		duration: duration,
		rng:      rand.New(rand.NewPCG(seed, seed^0x5bd1e995)),
		ring:     make([]time.Duration, memory),
		ringSeq:  make([]uint64, memory),
	}
	for i := range s.ringSeq {
		s.ringSeq[i] = math.MaxUint64
	}
	s.next = s.offsetOf(0)
	s.remember()
	return s
}

// offsetOf computes the intended offset of request n; s.next must hold
// request n-1's. With uniform arrivals request n is at exactly n/rate,
// computed from n rather than summed, so rounding never drifts.
func (s *Schedule) offsetOf(n uint64) time.Duration {
	if !s.poisson {
		return time.Duration(float64(n) * float64(time.Second) / s.rate)
	}
	if n == 0 {
		return 0
	}
	// Exponential inter-arrivals with mean 1/rate make a Poisson process.
	return s.next + time.Duration(s.rng.ExpFloat64()/s.rate*float64(time.Second))
}

func (s *Schedule) remember() {
	i := s.n % uint64(len(s.ring))
	s.ring[i] = s.next
	s.ringSeq[i] = s.n
}

// advance moves to request n (which must not be behind the current one).
func (s *Schedule) advance(n uint64) {
	for s.n < n {
		s.n++
		s.next = s.offsetOf(s.n)
		s.remember()
	}
}

// Pace implements vegeta.Pacer: how long to wait before sending request
// number hits, and whether the load is over.
func (s *Schedule) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(hits)
	if s.next >= s.duration {
		return 0, true
	}
	if wait := s.next - elapsed; wait > 0 {
		return wait, false
	}
	return 0, false
}

// Rate implements vegeta.Pacer: the nominal rate at any time.
func (s *Schedule) Rate(time.Duration) float64 { return s.rate }

// Intended returns the intended offset of request number n, if the schedule
// still remembers it.
func (s *Schedule) Intended(n uint64) (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := n % uint64(len(s.ring))
	if s.ringSeq[i] != n {
		return 0, false
	}
	return s.ring[i], true
}

// Arrivals returns the intended offsets of every request in the schedule,
// for engines that walk time themselves and for tests.
func (s *Schedule) Arrivals() []time.Duration {
	var out []time.Duration
	for n := uint64(0); ; n++ {
		s.mu.Lock()
		s.advance(n)
		t := s.next
		s.mu.Unlock()
		if t >= s.duration {
			return out
		}
		out = append(out, t)
	}
}
