package load

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// ErrRate is returned for a rate Steer cannot take.
var ErrRate = errors.New("load: invalid rate")

// Steer is a Schedule that can be overridden while it runs: SetRate
// replaces the rest of the profile with a constant rate from the moment it
// is called, as a person watching a run would turn a dial. Requests keep
// their intended send times on either side of the change, so latency stays
// measured from when each request was due. Like Schedule it takes time as
// an argument and is safe for concurrent use.
type Steer struct {
	base *Schedule

	mu   sync.Mutex
	hits uint64 // the next request vegeta will send
	over bool
	rate float64       // override rate, requests per second
	t0   time.Duration // override start
	n0   uint64        // first request under the override
}

var _ vegeta.Pacer = (*Steer)(nil)

// NewSteer wraps s.
func NewSteer(s *Schedule) *Steer { return &Steer{base: s} }

// SetRate sends at rate (uniform arrivals) from elapsed on, until the
// profile's end. The rate must be positive: vegeta sleeps through a wait
// without looking back, so a pause would leave it asleep.
func (s *Steer) SetRate(rate float64, elapsed time.Duration) error {
	if !(rate > 0) || math.IsInf(rate, 0) || rate > 1e6 {
		return fmt.Errorf("%w %v: want more than 0 and at most 1e6 per second", ErrRate, rate)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// The request vegeta is waiting to send becomes the first at the new
	// rate, due now; those already sent keep their times.
	s.over, s.rate, s.n0, s.t0 = true, rate, s.hits, elapsed
	return nil
}

// intendedLocked is request n's intended offset under the override.
func (s *Steer) intendedLocked(n uint64) time.Duration {
	return s.t0 + time.Duration(float64(n-s.n0)/s.rate*float64(time.Second))
}

// Pace implements vegeta.Pacer.
func (s *Steer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	s.mu.Lock()
	s.hits = hits
	if !s.over {
		s.mu.Unlock()
		return s.base.Pace(elapsed, hits)
	}
	next := s.intendedLocked(hits)
	s.mu.Unlock()
	if next >= s.base.Duration() {
		return 0, true
	}
	return max(next-elapsed, 0), false
}

// Rate implements vegeta.Pacer.
func (s *Steer) Rate(elapsed time.Duration) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.over && elapsed >= s.t0 {
		return s.rate
	}
	return s.base.Rate(elapsed)
}

// Intended returns request n's intended offset, if known.
func (s *Steer) Intended(n uint64) (time.Duration, bool) {
	s.mu.Lock()
	if s.over && n >= s.n0 {
		defer s.mu.Unlock()
		return s.intendedLocked(n), true
	}
	s.mu.Unlock()
	return s.base.Intended(n)
}
