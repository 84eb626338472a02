package load

import (
	"fmt"
	"time"
)

// Constant holds one rate for its whole duration (k6's
// constant-arrival-rate, vegeta's constant pacer). A rate of 0 is a pause.
type Constant struct {
	rate float64
	d    time.Duration
}

var _ Stage = (*Constant)(nil)

// NewConstant holds rate requests per second for d.
func NewConstant(rate float64, d time.Duration) (*Constant, error) {
	if err := checkRate("constant", "rate", rate); err != nil {
		return nil, err
	}
	if err := checkDuration("constant", "duration", d); err != nil {
		return nil, err
	}
	return &Constant{rate: rate, d: d}, nil
}

// Rate implements Stage.
func (c *Constant) Rate(t time.Duration) float64 {
	if t < 0 || t >= c.d {
		return 0
	}
	return c.rate
}

// Cumulative implements Stage.
func (c *Constant) Cumulative(t time.Duration) float64 {
	t = max(0, min(t, c.d))
	// Multiply before dividing: with integral rates this is exact, so
	// uniform arrivals land on whole requests at whole seconds.
	return c.rate * float64(t) / 1e9
}

// Invert implements Stage.
func (c *Constant) Invert(x float64) time.Duration {
	if !(x > 0) {
		x = 0 // and NaN
	}
	if x >= c.Cumulative(c.d) {
		return c.d
	}
	return fromSeconds(x/c.rate, c.d)
}

// Duration implements Stage.
func (c *Constant) Duration() time.Duration { return c.d }

func (c *Constant) String() string {
	return fmt.Sprintf("constant(%s, %v)", formatRate(c.rate), c.d)
}
