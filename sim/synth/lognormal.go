package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Lognormal is the log-normal distribution fitted through a median and a
// 99th percentile: ln X ~ N(mu, sigma²) with mu = ln p50 and
// sigma = (ln p99 - ln p50) / Φ⁻¹(0.99). Operators know their p50 and p99,
// not mu and sigma.
type Lognormal struct {
	p50, p99  time.Duration
	mu, sigma float64
}

// NewLognormal fits the log-normal distribution through p50 and p99.
func NewLognormal(p50, p99 time.Duration) (Lognormal, error) {
	if p50 <= 0 {
		return Lognormal{}, fmt.Errorf("%w: lognormal: p50 %v is not positive", ErrLatency, p50)
	}
	if p99 < p50 {
		return Lognormal{}, fmt.Errorf("%w: lognormal: p99 %v is below p50 %v", ErrLatency, p99, p50)
	}
	mu := math.Log(float64(p50))
	// Φ⁻¹(0.99) comes from the same function Quantile uses, so that
	// Quantile(0.99) lands on the configured p99 to the nanosecond.
	z99 := normQuantile(0.99)
	return Lognormal{
		p50:   p50,
		p99:   p99,
		mu:    mu,
		sigma: (math.Log(float64(p99)) - mu) / z99,
	}, nil
}

// Sample draws by inversion (u = 0 maps to exp(-Inf) = 0).
func (l Lognormal) Sample(r *rand.Rand) time.Duration { return l.Quantile(r.Float64()) }

// Quantile is exp(mu + sigma·Φ⁻¹(q)).
func (l Lognormal) Quantile(q float64) time.Duration {
	q = clampQ(q)
	if l.sigma == 0 {
		return l.p50
	}
	return toDuration(math.Exp(l.mu + l.sigma*normQuantile(q)))
}

// Mean is exp(mu + sigma²/2).
func (l Lognormal) Mean() time.Duration {
	return toDuration(math.Exp(l.mu + l.sigma*l.sigma/2))
}

func (l Lognormal) String() string {
	return fmt.Sprintf("lognormal(p50=%v, p99=%v)", l.p50, l.p99)
}
