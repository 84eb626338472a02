package load

import (
	"fmt"
	"math/bits"
	"time"
)

// maxSteps bounds a step stage's levels: a staircase of more than this
// many levels is a ramp.
const maxSteps = 100000

// Step climbs (or descends) a staircase: steps levels of equal length,
// evenly spaced from from to to, both included (Gatling's
// incrementUsersPerSec with times and eachLevelLasting, a classic capacity
// search).
type Step struct {
	from, to float64
	steps    int
	pieces
}

var _ Stage = (*Step)(nil)

// NewStep holds steps levels over d: level i of steps runs at
// from + (to-from)*i/(steps-1). Steps must be at least 2, or 1 when from
// equals to; d is split at whole nanoseconds, the remainder going to the
// later levels.
func NewStep(from, to float64, steps int, d time.Duration) (*Step, error) {
	if err := checkRate("step", "from", from); err != nil {
		return nil, err
	}
	if err := checkRate("step", "to", to); err != nil {
		return nil, err
	}
	if err := checkDuration("step", "duration", d); err != nil {
		return nil, err
	}
	switch {
	case steps < 1 || steps > maxSteps:
		return nil, fmt.Errorf("%w: step: steps is %d, want 2 to %d", ErrStage, steps, maxSteps)
	case steps == 1 && from != to:
		return nil, fmt.Errorf("%w: step: one step cannot go from %v to %v, want steps >= 2", ErrStage, from, to)
	case time.Duration(steps) > d:
		return nil, fmt.Errorf("%w: step: %d steps do not fit in %v", ErrStage, steps, d)
	}
	s := &Step{from: from, to: to, steps: steps}
	s.d = d
	prev := time.Duration(0)
	for i := range steps {
		end := splitAt(d, i+1, steps)
		l := end - prev
		s.add(l, s.level(i)*seconds(l))
		prev = end
	}
	return s, nil
}

// level is the rate of level i.
func (s *Step) level(i int) float64 {
	if s.steps == 1 {
		return s.from
	}
	return s.from + (s.to-s.from)*float64(i)/float64(s.steps-1)
}

// splitAt is d*i/n rounded down, without overflow for any d.
func splitAt(d time.Duration, i, n int) time.Duration {
	hi, lo := bits.Mul64(uint64(d), uint64(i))
	q, _ := bits.Div64(hi, lo, uint64(n)) // i <= n, so hi < n
	return time.Duration(q)
}

// Rate implements Stage.
func (s *Step) Rate(t time.Duration) float64 { return s.rate(t) }

// Cumulative implements Stage.
func (s *Step) Cumulative(t time.Duration) float64 { return s.cumulative(t) }

// Invert implements Stage.
func (s *Step) Invert(x float64) time.Duration { return s.invert(x) }

// Duration implements Stage.
func (s *Step) Duration() time.Duration { return s.d }

func (s *Step) String() string {
	return fmt.Sprintf("step(%s->%s in %d, %v)", formatRate(s.from), formatRate(s.to), s.steps, s.d)
}
