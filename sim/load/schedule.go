package load

import (
	"math"
	"math/rand/v2"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/baton-sim/baton/scenarios"
)

// Schedule is an open-model arrival process over a Profile: the intended
// send time of every request, as an offset from the start of the load. It
// is a vegeta.Pacer, so the live engine hands it to vegeta's attacker, and
// the virtual engine walks the same arrivals without sleeping.
//
// Remembering intended times is what makes latency honest (wrk2's
// measurement): a request that waited behind a stalled system is measured
// from when it should have been sent, not from when a free worker finally
// sent it (coordinated omission).
//
// Schedule is safe for concurrent use: vegeta paces from one goroutine
// while results are matched to their intended times on another.
type Schedule struct {
	mu      sync.Mutex
	p       *Profile
	poisson bool
	rng     *rand.Rand

	sum  float64       // E1+...+En: request n's position on the cumulative
	next time.Duration // intended offset of request number n
	n    uint64

	// ring remembers recent intended offsets by request number, long enough
	// for any answer to come back (the driver's timeout times the rate).
	ring    []time.Duration
	ringSeq []uint64
}

var _ vegeta.Pacer = (*Schedule)(nil)

// MinMemory is the fewest intended times a Schedule remembers.
const MinMemory = 1024

// NewSchedule draws arrivals from p: uniform (scenarios.ArrivalUniform)
// sends request n at exactly p.Invert(n); anything else is Poisson, request
// n at p.Invert(E1+...+En) with unit exponentials Ei drawn from seed, the
// non-homogeneous Poisson process with rate p.Rate by time-rescaling.
// Request 0 is at p.Invert(0) either way: 0, unless the profile starts
// with a pause. memory is how many recent intended times
// to remember (at least MinMemory).
func NewSchedule(p *Profile, arrival string, seed uint64, memory int) *Schedule {
	memory = max(memory, MinMemory)
	s := &Schedule{
		p:       p,
		poisson: arrival != scenarios.ArrivalUniform,
		rng:     rand.New(rand.NewPCG(seed, seed^0x5bd1e995)),
		ring:    make([]time.Duration, memory),
		ringSeq: make([]uint64, memory),
	}
	for i := range s.ringSeq {
		s.ringSeq[i] = math.MaxUint64
	}
	s.next = p.Invert(0)
	s.remember()
	return s
}

// advance moves to request n (which must not be behind the current one).
// Uniform positions are computed from n rather than summed, so rounding
// never drifts.
func (s *Schedule) advance(n uint64) {
	for s.n < n {
		s.n++
		if s.poisson {
			s.sum += s.rng.ExpFloat64()
		} else {
			s.sum = float64(s.n)
		}
		s.next = s.p.Invert(s.sum)
		s.remember()
	}
}

func (s *Schedule) remember() {
	i := s.n % uint64(len(s.ring))
	s.ring[i] = s.next
	s.ringSeq[i] = s.n
}

// Pace implements vegeta.Pacer: how long to wait before sending request
// number hits, and whether the load is over. A driver that fell behind is
// told to send at once, never to skip: every scheduled request is sent,
// late, with its lag on record.
func (s *Schedule) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(hits)
	if s.next >= s.p.end {
		return 0, true
	}
	if wait := s.next - elapsed; wait > 0 {
		return wait, false
	}
	return 0, false
}

// Rate implements vegeta.Pacer: the profile's rate at elapsed.
func (s *Schedule) Rate(elapsed time.Duration) float64 { return s.p.Rate(elapsed) }

// Intended returns the intended offset of request number n, if the
// schedule still remembers it.
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
// for engines that walk time themselves and for tests. It advances the
// schedule to its end.
func (s *Schedule) Arrivals() []time.Duration {
	var out []time.Duration
	for n := uint64(0); ; n++ {
		s.mu.Lock()
		s.advance(n)
		t := s.next
		s.mu.Unlock()
		if t >= s.p.end {
			return out
		}
		out = append(out, t)
	}
}

// Profile is the profile the schedule draws from.
func (s *Schedule) Profile() *Profile { return s.p }

// Duration is when the load ends.
func (s *Schedule) Duration() time.Duration { return s.p.end }
