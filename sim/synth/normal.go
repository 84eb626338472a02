package synth

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Normal is the normal distribution N(mean, stddev²) with samples below zero
// clamped to zero: a service time cannot be negative, and clamping (rather
// than truncating and renormalising) keeps the configured quantiles above
// zero exactly where the file says they are.
type Normal struct {
	mean, stddev time.Duration
}

// NewNormal returns the normal distribution with the given mean and
// standard deviation, clamped at zero.
func NewNormal(mean, stddev time.Duration) (Normal, error) {
	if mean < 0 {
		return Normal{}, fmt.Errorf("%w: normal: mean %v is negative", ErrLatency, mean)
	}
	if stddev < 0 {
		return Normal{}, fmt.Errorf("%w: normal: stddev %v is negative", ErrLatency, stddev)
	}
	return Normal{mean: mean, stddev: stddev}, nil
}

// Sample draws by inversion (u = 0 maps to -Inf, which clamps to zero).
func (n Normal) Sample(r *rand.Rand) time.Duration { return n.Quantile(r.Float64()) }

// Quantile is max(0, mean + stddev·Φ⁻¹(q)).
func (n Normal) Quantile(q float64) time.Duration {
	q = clampQ(q)
	if n.stddev == 0 {
		return n.mean
	}
	return toDuration(float64(n.mean) + float64(n.stddev)*normQuantile(q))
}

// Mean is E[max(0, X)] = μΦ(μ/σ) + σφ(μ/σ), slightly above the configured
// mean when the clamp bites.
func (n Normal) Mean() time.Duration {
	if n.stddev == 0 {
		return n.mean
	}
	mu, sigma := float64(n.mean), float64(n.stddev)
	z := mu / sigma
	return toDuration(mu*normCDF(z) + sigma*normPDF(z))
}

func (n Normal) String() string { return fmt.Sprintf("normal(mean=%v, stddev=%v)", n.mean, n.stddev) }
