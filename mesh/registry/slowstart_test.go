package registry_test

import (
	"math"
	"testing"
	"time"

	"github.com/baton-sim/baton/mesh/balance"
	"github.com/baton-sim/baton/mesh/registry"
)

func TestSlowStartWeights(t *testing.T) {
	ms := time.Millisecond
	s := time.Second
	linear := registry.SlowStartOptions{Window: 10 * s, Aggression: 1, MinWeightPercent: 10}
	tests := []struct {
		name   string
		opts   registry.SlowStartOptions
		weight uint32 // configured
		at     time.Duration
		want   uint32
	}{
		{"linear at 0 (time factor floored at 1s)", linear, 1, 0, 10},
		{"linear at 0.5s", linear, 1, 500 * ms, 10},
		{"linear at 1s", linear, 1, 1 * s, 10},
		{"linear at 2.5s", linear, 1, 2500 * ms, 25},
		{"linear at 5s", linear, 1, 5 * s, 50},
		{"linear at 9s", linear, 1, 9 * s, 90},
		{"linear at 9.994s rounds", linear, 1, 9994 * ms, 100},
		{"linear at 10s: window over", linear, 1, 10 * s, 100},
		{"linear at 1h", linear, 1, time.Hour, 100},
		{"weight 0 counts as 1", linear, 0, 5 * s, 50},
		{"weight 3 at 5s", linear, 3, 5 * s, 150},
		{"weight 3 after", linear, 3, 10 * s, 300},
		{"defaults are aggression 1, min 10%", registry.SlowStartOptions{Window: 10 * s}, 1, 2500 * ms, 25},
		{"aggression 2 at 0: sqrt(0.1)", registry.SlowStartOptions{Window: 10 * s, Aggression: 2}, 1, 0, 32},
		{"aggression 2 at 2.5s", registry.SlowStartOptions{Window: 10 * s, Aggression: 2}, 1, 2500 * ms, 50},
		{"aggression 2 at 5s", registry.SlowStartOptions{Window: 10 * s, Aggression: 2}, 1, 5 * s, 71},
		{"aggression 0.5 at 5s", registry.SlowStartOptions{Window: 10 * s, Aggression: 0.5}, 1, 5 * s, 25},
		{"min 50% floors the ramp", registry.SlowStartOptions{Window: 10 * s, MinWeightPercent: 50}, 1, 2500 * ms, 50},
		{"min 50% above the floor", registry.SlowStartOptions{Window: 10 * s, MinWeightPercent: 50}, 1, 6 * s, 60},
		{"window under 1s: full at once", registry.SlowStartOptions{Window: 500 * ms}, 1, 0, 100},
		{"off", registry.SlowStartOptions{}, 1, 0, 100},
		{"saturates", registry.SlowStartOptions{}, math.MaxUint32, 0, math.MaxUint32},
		{"saturates in the ramp", linear, math.MaxUint32, 5 * s, math.MaxUint32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRegistry(t, registry.Options{SlowStart: tt.opts})
			must(t, r.Register("svc", &balance.Endpoint{ID: "a", Weight: tt.weight}, t0))
			if got := r.Weight("svc", "a", at(tt.at)); got != tt.want {
				t.Errorf("Weight at %v = %d, want %d", tt.at, got, tt.want)
			}
			set := r.Eligible("svc", "", at(tt.at))
			if len(set.Weights) != 1 || set.Weights[0] != tt.want {
				t.Errorf("Eligible weights at %v = %v, want [%d]", tt.at, set.Weights, tt.want)
			}
		})
	}
}

func TestSlowStartRestarts(t *testing.T) {
	s := time.Second
	r := newRegistry(t, registry.Options{
		SlowStart:   registry.SlowStartOptions{Window: 10 * s},
		HealthCheck: &registry.HealthCheckOptions{UnhealthyThreshold: 1},
	})
	register(t, r, "svc", "a")
	// With active health checking the ramp starts at the first pass.
	must(t, r.ProbeResult("svc", "a", registry.Pass, at(20*s)))
	steps := []struct {
		at   time.Duration
		do   func()
		want uint32
	}{
		{at: 25 * s, want: 50},
		{at: 30 * s, want: 100},
		{at: 31 * s, do: func() { must(t, r.ProbeResult("svc", "a", registry.Fail, at(31*s))) }, want: 100},
		{at: 32 * s, do: func() { must(t, r.ProbeResult("svc", "a", registry.Pass, at(32*s))) }, want: 10},
		{at: 37 * s, want: 50},
		{at: 42 * s, want: 100},
		{at: 43 * s, do: func() { must(t, r.SetReady("svc", "a", false, at(43*s))) }, want: 100},
		{at: 45 * s, do: func() { must(t, r.SetReady("svc", "a", true, at(45*s))) }, want: 10},
		{at: 48 * s, want: 30},
		// An outlier ejection does not restart the ramp (Envoy neither).
		{at: 49 * s, do: func() { must(t, r.Eject("svc", "a", at(50*s), at(49*s))) }, want: 40},
		{at: 55 * s, want: 100},
	}
	for i, st := range steps {
		if st.do != nil {
			st.do()
		}
		if got := r.Weight("svc", "a", at(st.at)); got != st.want {
			t.Errorf("step %d: Weight at %v = %d, want %d", i, st.at, got, st.want)
		}
	}
	if got := r.Weight("svc", "nope", t0); got != 0 {
		t.Errorf("Weight of unknown = %d, want 0", got)
	}
}
