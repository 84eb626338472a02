package synth

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/baton-sim/baton/scenarios"
)

// ErrLatency is wrapped by every error NewDistribution returns.
var ErrLatency = errors.New("synth: invalid latency")

// Distribution is a service-time distribution.
//
// Implementations are immutable and safe for concurrent use; the *rand.Rand
// passed to Sample is not, so callers keep one per goroutine or lock it.
type Distribution interface {
	// Sample draws one service time. It consumes exactly one r.Float64 and
	// is never negative.
	Sample(r *rand.Rand) time.Duration
	// Quantile is the exact inverse CDF at q, rounded to the nanosecond. q
	// is clamped to [0, 1]; an unbounded distribution's Quantile(1) is the
	// largest time.Duration.
	Quantile(q float64) time.Duration
	// Mean is the exact mean of the distribution as sampled (for the
	// normal distribution, after clamping at zero).
	Mean() time.Duration
	// String describes the distribution, e.g. "lognormal(p50=4ms, p99=30ms)".
	String() string
}

var (
	_ Distribution = Constant{}
	_ Distribution = Uniform{}
	_ Distribution = Exponential{}
	_ Distribution = Normal{}
	_ Distribution = Lognormal{}
	_ Distribution = (*Empirical)(nil)
)

// NewDistribution builds the distribution l describes. It checks the
// parameters itself rather than trusting the loader, because engines and
// tests also build distributions directly.
func NewDistribution(l scenarios.Latency) (Distribution, error) {
	switch l.Dist {
	case scenarios.DistConstant:
		return NewConstant(l.Value)
	case scenarios.DistUniform:
		return NewUniform(l.Min, l.Max)
	case scenarios.DistExponential:
		return NewExponential(l.Mean)
	case scenarios.DistNormal:
		return NewNormal(l.Mean, l.StdDev)
	case scenarios.DistLognormal:
		return NewLognormal(l.P50, l.P99)
	case scenarios.DistEmpirical:
		return NewEmpirical(l.Percentiles)
	case "":
		return nil, fmt.Errorf("%w: no distribution given", ErrLatency)
	default:
		return nil, fmt.Errorf("%w: unknown distribution %q", ErrLatency, l.Dist)
	}
}

// clampQ maps q into [0, 1]; NaN becomes 0 so a bad argument cannot turn
// into a NaN duration.
func clampQ(q float64) float64 {
	if !(q > 0) {
		return 0
	}
	if q > 1 {
		return 1
	}
	return q
}

// toDuration rounds nanoseconds to a Duration, clamping to [0, MaxInt64] so
// that infinite tails and negative normal draws stay representable.
func toDuration(ns float64) time.Duration {
	switch {
	case !(ns > 0): // also NaN
		return 0
	case ns >= math.MaxInt64:
		return time.Duration(math.MaxInt64)
	default:
		return time.Duration(math.Round(ns))
	}
}

// lerp is a + frac·(b-a) for a <= b and frac in [0, 1], rounded to the
// nanosecond. Adding the offset to a (rather than computing in float64)
// keeps the ends exact, and clamping the offset to b-a keeps float rounding
// of huge spans from stepping past b or overflowing.
func lerp(a, b time.Duration, frac float64) time.Duration {
	span := b - a
	return a + min(toDuration(frac*float64(span)), span)
}

// normQuantile is the standard normal inverse CDF. math.Erfinv is accurate
// to float64 precision, which is what lets Quantile be exact.
func normQuantile(q float64) float64 {
	return math.Sqrt2 * math.Erfinv(2*q-1)
}

// normCDF is the standard normal CDF.
func normCDF(x float64) float64 {
	return 0.5 * math.Erfc(-x/math.Sqrt2)
}

// normPDF is the standard normal density.
func normPDF(x float64) float64 {
	return math.Exp(-x*x/2) / math.Sqrt(2*math.Pi)
}

// formatPercentile writes a quantile the way scenario files do: 0.5 as
// "p50", 0.999 as "p99.9". Ten significant digits hide the binary noise of
// q*100 (0.999*100 is 99.89999999999999).
func formatPercentile(q float64) string {
	return "p" + strconv.FormatFloat(q*100, 'g', 10, 64)
}
