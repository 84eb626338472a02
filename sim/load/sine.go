package load

import (
	"fmt"
	"math"
	"time"
)

// Sine oscillates around a mean rate: daily traffic in miniature, or a
// slow wave that shows how autoscaling and limiters follow a moving load
// (vegeta's sine pacer).
//
//	rate(t) = mean + amplitude * sin(2π (t + phase) / period)
type Sine struct {
	mean, amp float64
	period    time.Duration
	phase     time.Duration
	d         time.Duration
	omega     float64 // radians per second
	phi       float64 // phase in radians
	c0        float64 // cos(phi)
	total     float64
}

var _ Stage = (*Sine)(nil)

// NewSine oscillates around mean with the given amplitude (at most mean,
// so the rate never goes negative) and period, starting phase into the
// period (taken modulo the period, so phase period/4 starts at the peak),
// for d.
func NewSine(mean, amplitude float64, period, phase, d time.Duration) (*Sine, error) {
	if err := checkRate("sine", "mean", mean); err != nil {
		return nil, err
	}
	if err := checkRate("sine", "amplitude", amplitude); err != nil {
		return nil, err
	}
	if amplitude > mean {
		return nil, fmt.Errorf("%w: sine: amplitude %v exceeds mean %v, so the rate would go negative", ErrStage, amplitude, mean)
	}
	if err := checkDuration("sine", "period", period); err != nil {
		return nil, err
	}
	if err := checkDuration("sine", "duration", d); err != nil {
		return nil, err
	}
	phase %= period
	if phase < 0 {
		phase += period
	}
	s := &Sine{mean: mean, amp: amplitude, period: period, phase: phase, d: d}
	s.omega = 2 * math.Pi / seconds(period)
	s.phi = 2 * math.Pi * float64(phase) / float64(period)
	s.c0 = math.Cos(s.phi)
	s.total = s.cumulative(seconds(d))
	return s, nil
}

// Rate implements Stage.
func (s *Sine) Rate(t time.Duration) float64 {
	if t < 0 || t >= s.d {
		return 0
	}
	return s.rate(seconds(t))
}

func (s *Sine) rate(sec float64) float64 {
	return max(0, s.mean+s.amp*math.Sin(s.omega*sec+s.phi))
}

// Cumulative implements Stage:
// mean*t + amplitude/ω * (cos φ - cos(ωt + φ)).
func (s *Sine) Cumulative(t time.Duration) float64 {
	if t <= 0 {
		return 0
	}
	if t >= s.d {
		return s.total
	}
	return s.cumulative(seconds(t))
}

func (s *Sine) cumulative(sec float64) float64 {
	return s.mean*sec + s.amp/s.omega*(s.c0-math.Cos(s.omega*sec+s.phi))
}

// Invert implements Stage. The integral of a sine has no closed-form
// inverse, so it runs Newton's method inside a bisection bracket: Newton
// converges in a few steps where the rate is well away from zero, and the
// bracket keeps it safe where it is not (amplitude equal to the mean
// touches zero once a period).
func (s *Sine) Invert(x float64) time.Duration {
	if !(x > 0) {
		x = 0 // and NaN
	}
	if x >= s.total {
		return s.d
	}
	if x == 0 {
		return 0
	}
	lo, hi := 0.0, seconds(s.d)
	// Start from the mean-rate guess, which is within amplitude/ω/mean of
	// the answer.
	t := x / s.mean
	if !(t > lo && t < hi) {
		t = (lo + hi) / 2
	}
	for range 200 {
		// One Sincos gives both the cumulative (cos) and the rate (sin).
		sin, cos := math.Sincos(s.omega*t + s.phi)
		f := s.mean*t + s.amp/s.omega*(s.c0-cos) - x
		if f == 0 {
			break
		}
		if f < 0 {
			lo = t
		} else {
			hi = t
		}
		next := (lo + hi) / 2
		if r := s.mean + s.amp*sin; r > 0 {
			if n := t - f/r; n > lo && n < hi {
				next = n
			}
		}
		// A step under a picosecond cannot move the rounded nanosecond.
		if math.Abs(next-t) < 1e-12 || hi-lo < 1e-12 {
			t = next
			break
		}
		t = next
	}
	return fromSeconds(t, s.d)
}

// Duration implements Stage.
func (s *Sine) Duration() time.Duration { return s.d }

func (s *Sine) String() string {
	return fmt.Sprintf("sine(%s±%s, period %v, phase %v, %v)", formatRate(s.mean), formatRate(s.amp), s.period, s.phase, s.d)
}
