package registry

import (
	"math"
	"time"
)

// WeightScale is the effective weight of an endpoint of configured weight 1
// (or 0, which counts as 1) outside slow start. Weights are scaled so that
// the ramp's fractions stay integers: an endpoint of weight 1 at 10 % of
// its ramp weighs 10 against its peers' 100.
const WeightScale = 100

// slowStartFactor is the share of its weight an endpoint gets at elapsed
// into its ramp: Envoy's max(min, timeFactor^(1/aggression)) with
// timeFactor = max(elapsed, 1s) / window, and 1 from the end of the window.
// o holds its defaults.
func slowStartFactor(o SlowStartOptions, elapsed time.Duration) float64 {
	if o.Window <= 0 || elapsed >= o.Window {
		return 1
	}
	secs := max(elapsed.Seconds(), 1)
	tf := secs / o.Window.Seconds()
	if tf >= 1 {
		return 1
	}
	f := tf
	if o.Aggression != 1 {
		f = math.Pow(tf, 1/o.Aggression)
	}
	return max(o.MinWeightPercent/100, f)
}

// effectiveWeight scales base (0 counting as 1) by WeightScale and factor,
// rounding to the nearest integer in [1, MaxUint32].
func effectiveWeight(base uint32, factor float64) uint32 {
	b := uint64(max(base, 1))
	if factor >= 1 {
		w := b * WeightScale
		if w > math.MaxUint32 {
			return math.MaxUint32
		}
		return uint32(w)
	}
	w := math.Round(float64(b) * WeightScale * factor)
	switch {
	case w < 1:
		return 1
	case w > math.MaxUint32:
		return math.MaxUint32
	}
	return uint32(w)
}
