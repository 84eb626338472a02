package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Exponential is the exponential distribution with the given mean: the
// service time of a memoryless server.
type Exponential struct {
	mean time.Duration
}

// NewExponential returns the exponential distribution with mean m.
func NewExponential(m time.Duration) (Exponential, error) {
	if m <= 0 {
		return Exponential{}, fmt.Errorf("%w: exponential: mean %v is not positive", ErrLatency, m)
	}
	return Exponential{mean: m}, nil
}

// Sample draws by inversion. r.Float64 is in [0, 1), so 1-u is in (0, 1]
// and the logarithm is finite.
func (e Exponential) Sample(r *rand.Rand) time.Duration { return e.Quantile(r.Float64()) }

// Quantile is -mean·ln(1-q).
func (e Exponential) Quantile(q float64) time.Duration {
	q = clampQ(q)
	return toDuration(-float64(e.mean) * math.Log1p(-q))
}

// Mean returns the mean.
func (e Exponential) Mean() time.Duration { return e.mean }

func (e Exponential) String() string { return fmt.Sprintf("exponential(mean=%v)", e.mean) }
