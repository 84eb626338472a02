package synth

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Constant always takes the same value.
type Constant struct {
	value time.Duration
}

// NewConstant returns the distribution that is always v.
func NewConstant(v time.Duration) (Constant, error) {
	if v < 0 {
		return Constant{}, fmt.Errorf("%w: constant: value %v is negative", ErrLatency, v)
	}
	return Constant{value: v}, nil
}

// Sample returns the value. It still consumes one draw so that every
// distribution advances r by the same amount.
func (c Constant) Sample(r *rand.Rand) time.Duration {
	_ = r.Float64()
	return c.value
}

// Quantile returns the value for every q.
func (c Constant) Quantile(float64) time.Duration { return c.value }

// Mean returns the value.
func (c Constant) Mean() time.Duration { return c.value }

func (c Constant) String() string { return fmt.Sprintf("constant(%v)", c.value) }
