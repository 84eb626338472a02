package fault

import "time"

// latency delays requests (Envoy's delay fault, toxiproxy's latency toxic
// with jitter as a distribution). A ramp scales the delay, not the share
// of requests delayed: a dependency that slows down gradually.
type latency struct{}

func (latency) scope() scope { return perRequest }

func (latency) apply(x *entry, intensity float64, s stream, e Effect) Effect {
	if !hit(x.f.Percentage, 1, s) {
		return e
	}
	d := x.dist.Quantile(s.uniform(1))
	if intensity < 1 {
		d = time.Duration(float64(d) * intensity)
	}
	e.AddLatency = addSat(e.AddLatency, d)
	return e
}

// addSat adds two non-negative durations, saturating at Forever.
func addSat(a, b time.Duration) time.Duration {
	if a > Forever-b {
		return Forever
	}
	return a + b
}
