package load

import (
	"fmt"
	"math"
	"time"
)

// Ramp changes the rate linearly from one value to another (k6's
// ramping-arrival-rate stage, vegeta's linear pacer, Gatling's
// rampUsersPerSec).
type Ramp struct {
	from, to float64
	d        time.Duration
	slope    float64 // requests per second per second
	total    float64
}

var _ Stage = (*Ramp)(nil)

// NewRamp goes from from to to requests per second over d.
func NewRamp(from, to float64, d time.Duration) (*Ramp, error) {
	if err := checkRate("ramp", "from", from); err != nil {
		return nil, err
	}
	if err := checkRate("ramp", "to", to); err != nil {
		return nil, err
	}
	if err := checkDuration("ramp", "duration", d); err != nil {
		return nil, err
	}
	r := &Ramp{from: from, to: to, d: d, slope: (to - from) / seconds(d)}
	r.total = (from + to) / 2 * seconds(d)
	return r, nil
}

// Rate implements Stage.
func (r *Ramp) Rate(t time.Duration) float64 {
	if t < 0 || t >= r.d {
		return 0
	}
	return r.from + (r.to-r.from)*float64(t)/float64(r.d)
}

// Cumulative implements Stage: from*t + slope*t²/2.
func (r *Ramp) Cumulative(t time.Duration) float64 {
	if t <= 0 {
		return 0
	}
	if t >= r.d {
		return r.total
	}
	s := seconds(t)
	return r.from*s + (r.to-r.from)*s*s/(2*seconds(r.d))
}

// Invert implements Stage, solving from*t + slope*t²/2 = x in the form
// t = 2x / (from + sqrt(from² + 2*slope*x)), which stays accurate when the
// slope is tiny or zero and when the ramp goes down.
func (r *Ramp) Invert(x float64) time.Duration {
	if !(x > 0) {
		x = 0 // and NaN
	}
	if x >= r.total {
		return r.d
	}
	if x == 0 {
		return 0
	}
	disc := r.from*r.from + 2*r.slope*x
	if disc < 0 {
		disc = 0 // x rounded just past the reachable total of a falling ramp
	}
	return fromSeconds(2*x/(r.from+math.Sqrt(disc)), r.d)
}

// Duration implements Stage.
func (r *Ramp) Duration() time.Duration { return r.d }

func (r *Ramp) String() string {
	return fmt.Sprintf("ramp(%s->%s, %v)", formatRate(r.from), formatRate(r.to), r.d)
}
