package load

import (
	"fmt"
	"time"
)

// Spike holds a base rate with one short burst at a peak rate: a flash
// crowd or a retry storm arriving from outside (Gatling's spike and
// heavisideUsers, k6's spike test). The burst is rectangular, so it
// starts and ends at exact instants that reports can line up with.
type Spike struct {
	base, peak float64
	at, width  time.Duration
	pieces
}

var _ Stage = (*Spike)(nil)

// NewSpike holds base requests per second for d, except peak during
// [at, at+width). The burst must fit inside d.
func NewSpike(base, peak float64, at, width, d time.Duration) (*Spike, error) {
	if err := checkRate("spike", "base", base); err != nil {
		return nil, err
	}
	if err := checkRate("spike", "peak", peak); err != nil {
		return nil, err
	}
	if err := checkDuration("spike", "width", width); err != nil {
		return nil, err
	}
	if err := checkDuration("spike", "duration", d); err != nil {
		return nil, err
	}
	if at < 0 || at > d || width > d-at {
		return nil, fmt.Errorf("%w: spike: burst at %v for %v does not fit in %v", ErrStage, at, width, d)
	}
	s := &Spike{base: base, peak: peak, at: at, width: width}
	s.d = d
	if at > 0 {
		s.add(at, base*seconds(at))
	}
	s.add(width, peak*seconds(width))
	if rest := d - at - width; rest > 0 {
		s.add(rest, base*seconds(rest))
	}
	return s, nil
}

// Rate implements Stage.
func (s *Spike) Rate(t time.Duration) float64 { return s.rate(t) }

// Cumulative implements Stage.
func (s *Spike) Cumulative(t time.Duration) float64 { return s.cumulative(t) }

// Invert implements Stage.
func (s *Spike) Invert(x float64) time.Duration { return s.invert(x) }

// Duration implements Stage.
func (s *Spike) Duration() time.Duration { return s.d }

func (s *Spike) String() string {
	return fmt.Sprintf("spike(%s, %s at %v for %v, %v)", formatRate(s.base), formatRate(s.peak), s.at, s.width, s.d)
}
