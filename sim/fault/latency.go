package fault

import (
	"strings"
	"time"

	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim/synth"
)

// latency delays requests (Envoy's delay fault, toxiproxy's latency toxic
// with jitter as a distribution). A ramp scales the delay, not the share
// of requests delayed: a dependency that slows down gradually.
type latency struct{}

func (latency) scope() scope     { return perRequest }
func (latency) params() []string { return []string{"add"} }

func (latency) check(f *scenarios.Fault, c *checker) {
	if f.Add == nil {
		c.errorf("add", "required for a latency fault: a duration such as add: 50ms, or a distribution such as {dist: uniform, min: 10ms, max: 90ms}")
		return
	}
	if _, err := synth.NewDistribution(*f.Add); err != nil {
		c.errorf("add", "%s", strings.TrimPrefix(err.Error(), synth.ErrLatency.Error()+": "))
	}
}

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
