package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/baton-sim/baton/scenarios"
)

// Empirical is a distribution given by percentile points, as read off a
// production latency dashboard. Its inverse CDF is linear between points;
// below the first point it is the first point's value (unless the first
// point is p0, in which case there is nothing below it) and above the last
// point it is the last value.
type Empirical struct {
	points []scenarios.Percentile
	mean   time.Duration
}

// NewEmpirical builds the distribution through points, which must have
// strictly ascending quantiles in [0, 1] and non-decreasing, non-negative
// values (anything else is not an inverse CDF). points is copied.
func NewEmpirical(points []scenarios.Percentile) (*Empirical, error) {
	if len(points) == 0 {
		return nil, fmt.Errorf("%w: empirical: no percentiles", ErrLatency)
	}
	for i, p := range points {
		if !(p.Quantile >= 0 && p.Quantile <= 1) {
			return nil, fmt.Errorf("%w: empirical: quantile %v is outside [0, 1]", ErrLatency, p.Quantile)
		}
		if p.Value < 0 {
			return nil, fmt.Errorf("%w: empirical: %s value %v is negative", ErrLatency, formatPercentile(p.Quantile), p.Value)
		}
		if i == 0 {
			continue
		}
		prev := points[i-1]
		if p.Quantile <= prev.Quantile {
			return nil, fmt.Errorf("%w: empirical: %s does not follow %s in ascending order",
				ErrLatency, formatPercentile(p.Quantile), formatPercentile(prev.Quantile))
		}
		if p.Value < prev.Value {
			return nil, fmt.Errorf("%w: empirical: %s value %v is below %s value %v",
				ErrLatency, formatPercentile(p.Quantile), p.Value, formatPercentile(prev.Quantile), prev.Value)
		}
	}
	e := &Empirical{points: append([]scenarios.Percentile(nil), points...)}
	e.mean = e.computeMean()
	return e, nil
}

// computeMean integrates the inverse CDF over [0, 1]: flat before the first
// point, trapezoids between points, flat after the last.
func (e *Empirical) computeMean() time.Duration {
	first, last := e.points[0], e.points[len(e.points)-1]
	sum := first.Quantile*float64(first.Value) + (1-last.Quantile)*float64(last.Value)
	for i := 1; i < len(e.points); i++ {
		a, b := e.points[i-1], e.points[i]
		sum += (b.Quantile - a.Quantile) * (float64(a.Value) + float64(b.Value)) / 2
	}
	return toDuration(sum)
}

// Sample draws by inversion.
func (e *Empirical) Sample(r *rand.Rand) time.Duration { return e.Quantile(r.Float64()) }

// Quantile interpolates linearly between the two points around q.
func (e *Empirical) Quantile(q float64) time.Duration {
	q = clampQ(q)
	pts := e.points
	if q <= pts[0].Quantile {
		return pts[0].Value
	}
	if q >= pts[len(pts)-1].Quantile {
		return pts[len(pts)-1].Value
	}
	// Binary search for the first point at or above q; pts[0] < q < last,
	// so 1 <= i < len(pts).
	lo, hi := 1, len(pts)-1
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if pts[mid].Quantile < q {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	a, b := pts[lo-1], pts[lo]
	frac := (q - a.Quantile) / (b.Quantile - a.Quantile)
	return lerp(a.Value, b.Value, math.Min(frac, 1))
}

// Mean is the integral of the inverse CDF.
func (e *Empirical) Mean() time.Duration { return e.mean }

func (e *Empirical) String() string {
	var b strings.Builder
	b.WriteString("empirical(")
	for i, p := range e.points {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s=%v", formatPercentile(p.Quantile), p.Value)
	}
	b.WriteString(")")
	return b.String()
}
