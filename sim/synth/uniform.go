package synth

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Uniform is uniform on [lo, hi].
type Uniform struct {
	lo, hi time.Duration
}

// NewUniform returns the uniform distribution on [lo, hi].
func NewUniform(lo, hi time.Duration) (Uniform, error) {
	if lo < 0 {
		return Uniform{}, fmt.Errorf("%w: uniform: min %v is negative", ErrLatency, lo)
	}
	if hi < lo {
		return Uniform{}, fmt.Errorf("%w: uniform: max %v is below min %v", ErrLatency, hi, lo)
	}
	return Uniform{lo: lo, hi: hi}, nil
}

// Sample draws by inversion.
func (u Uniform) Sample(r *rand.Rand) time.Duration { return u.Quantile(r.Float64()) }

// Quantile is lo + q(hi-lo).
func (u Uniform) Quantile(q float64) time.Duration {
	return lerp(u.lo, u.hi, clampQ(q))
}

// Mean is the midpoint; written so that it cannot overflow.
func (u Uniform) Mean() time.Duration { return u.lo + (u.hi-u.lo)/2 }

func (u Uniform) String() string { return fmt.Sprintf("uniform(min=%v, max=%v)", u.lo, u.hi) }
