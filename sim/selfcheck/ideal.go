package selfcheck

import (
	"math"
	"slices"
	"time"
)

// idealSojourns replays one replica's requests — their arrival instants
// and service draws, as the engine saw them — through an ideal FCFS queue
// with c workers (each request takes the worker that frees first, the
// Kiefer–Wolfowitz recursion) and returns each request's time in system.
// arrivals must be in order. It shares no code with synth.Station on
// purpose: it is the yardstick.
func idealSojourns(c int, arrivals []time.Time, work []time.Duration) []time.Duration {
	free := make([]time.Time, c)
	out := make([]time.Duration, len(arrivals))
	for i, a := range arrivals {
		k := 0
		for j := 1; j < c; j++ {
			if free[j].Before(free[k]) {
				k = j
			}
		}
		start := a
		if free[k].After(a) {
			start = free[k]
		}
		free[k] = start.Add(work[i])
		out[i] = free[k].Sub(a)
	}
	return out
}

// mean is the arithmetic mean of xs (0 for none).
func mean(xs []time.Duration) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	var sum float64
	for _, x := range xs {
		sum += float64(x)
	}
	return time.Duration(sum / float64(len(xs)))
}

// quantileOf is the p-quantile of xs by the nearest-rank method; xs is
// sorted in place.
func quantileOf(xs []time.Duration, p float64) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	i := int(math.Ceil(p*float64(len(xs)))) - 1
	return xs[max(0, min(i, len(xs)-1))]
}

// batchSE estimates the standard error of a statistic of a time-ordered,
// autocorrelated series by batch means: the series is cut into batches
// long enough to be nearly independent, the statistic taken in each, and
// their spread divided by √batches. A queue's sojourn times are strongly
// correlated near saturation, which a naive σ/√n would hide.
func batchSE(xs []time.Duration, batches int, stat func([]time.Duration) time.Duration) time.Duration {
	n := len(xs) / batches
	if n < 2 || batches < 2 {
		return 0
	}
	vals := make([]float64, batches)
	var m float64
	for b := range batches {
		v := float64(stat(slices.Clone(xs[b*n : (b+1)*n])))
		vals[b] = v
		m += v
	}
	m /= float64(batches)
	var ss float64
	for _, v := range vals {
		ss += (v - m) * (v - m)
	}
	sd := math.Sqrt(ss / float64(batches-1))
	return time.Duration(sd / math.Sqrt(float64(batches)))
}

// tokenBucketAllowed counts what an exact token bucket (rate per second,
// capacity burst, full at first) lets through of arrivals at the given
// instants (offsets from the start, in order). Tokens are kept in units of
// 1/1e9 token to stay exact.
func tokenBucketAllowed(rate float64, burst int, arrivals []time.Duration) int {
	const unit = int64(time.Second) // units per token
	capacity := int64(burst) * unit
	tokens := capacity
	var last time.Duration
	allowed := 0
	for _, at := range arrivals {
		refill := int64(float64(at-last) * rate) // ns x tokens/s = token units
		tokens = min(capacity, tokens+refill)
		last = at
		if tokens >= unit {
			tokens -= unit
			allowed++
		}
	}
	return allowed
}
