package registry_test

import (
	"errors"
	"testing"
	"time"

	"github.com/baton-sim/baton/mesh/registry"
)

// step is one probe report (or a Start) and what must follow.
type step struct {
	at          time.Duration
	op          string // "start", "pass", "fail", "hard"
	wantChanged bool
	wantHealthy bool
	wantNext    time.Duration // checked after reports, when non-zero
}

func runSteps(t *testing.T, h *registry.HealthChecker, steps []step) {
	t.Helper()
	for i, s := range steps {
		now := at(s.at)
		var changed, healthy bool
		switch s.op {
		case "start":
			if !h.Due(now) {
				t.Fatalf("step %d: Due(%v) = false, want true", i, s.at)
			}
			h.Start(now)
			if h.Due(now) {
				t.Fatalf("step %d: Due right after Start = true, want false", i)
			}
			continue
		case "pass":
			changed, healthy = h.Result(true, now)
		case "fail":
			changed, healthy = h.Result(false, now)
		case "hard":
			changed, healthy = h.Observe(registry.FailHard, now)
		}
		if changed != s.wantChanged || healthy != s.wantHealthy {
			t.Errorf("step %d (%s at %v): got changed=%v healthy=%v, want changed=%v healthy=%v",
				i, s.op, s.at, changed, healthy, s.wantChanged, s.wantHealthy)
		}
		if s.wantNext != 0 && !h.Next().Equal(at(s.wantNext)) {
			t.Errorf("step %d: Next() = %v, want %v", i, h.Next().Sub(t0), s.wantNext)
		}
	}
}

func TestHealthCheckerSequences(t *testing.T) {
	s := time.Second
	opts := registry.HealthCheckOptions{Interval: 10 * s, HealthyThreshold: 2, UnhealthyThreshold: 3}
	tests := []struct {
		name  string
		opts  registry.HealthCheckOptions
		steps []step
	}{
		{
			name: "first pass is enough, then thresholds apply",
			opts: opts,
			steps: []step{
				{at: 0, op: "pass", wantChanged: true, wantHealthy: true},
				{at: 10 * s, op: "fail", wantHealthy: true},
				{at: 20 * s, op: "fail", wantHealthy: true},
				{at: 30 * s, op: "fail", wantChanged: true, wantHealthy: false},
				{at: 40 * s, op: "pass", wantHealthy: false},
				{at: 50 * s, op: "pass", wantChanged: true, wantHealthy: true},
			},
		},
		{
			name: "a failed first probe spends the startup shortcut",
			opts: opts,
			steps: []step{
				{at: 0, op: "fail", wantHealthy: false},
				{at: 10 * s, op: "pass", wantHealthy: false},
				{at: 20 * s, op: "pass", wantChanged: true, wantHealthy: true},
			},
		},
		{
			name: "a pass resets the failure count",
			opts: opts,
			steps: []step{
				{at: 0, op: "pass", wantChanged: true, wantHealthy: true},
				{at: 10 * s, op: "fail", wantHealthy: true},
				{at: 20 * s, op: "fail", wantHealthy: true},
				{at: 30 * s, op: "pass", wantHealthy: true},
				{at: 40 * s, op: "fail", wantHealthy: true},
				{at: 50 * s, op: "fail", wantHealthy: true},
				{at: 60 * s, op: "fail", wantChanged: true, wantHealthy: false},
			},
		},
		{
			name: "a failure resets the pass count",
			opts: opts,
			steps: []step{
				{at: 0, op: "fail"},
				{at: 10 * s, op: "pass"},
				{at: 20 * s, op: "fail"},
				{at: 30 * s, op: "pass"},
				{at: 40 * s, op: "pass", wantChanged: true, wantHealthy: true},
			},
		},
		{
			name: "start healthy",
			opts: registry.HealthCheckOptions{UnhealthyThreshold: 2, StartHealthy: true},
			steps: []step{
				{at: 0, op: "fail", wantHealthy: true},
				{at: 10 * s, op: "fail", wantChanged: true, wantHealthy: false},
			},
		},
		{
			name: "hard failure is immediate",
			opts: opts,
			steps: []step{
				{at: 0, op: "pass", wantChanged: true, wantHealthy: true},
				{at: 10 * s, op: "hard", wantChanged: true, wantHealthy: false},
				{at: 20 * s, op: "hard", wantHealthy: false},
			},
		},
		{
			name: "defaults: one pass heals, three failures hurt",
			opts: registry.HealthCheckOptions{},
			steps: []step{
				{at: 0, op: "pass", wantChanged: true, wantHealthy: true, wantNext: 10 * s},
				{at: 10 * s, op: "fail", wantHealthy: true},
				{at: 20 * s, op: "fail", wantHealthy: true},
				{at: 30 * s, op: "fail", wantChanged: true, wantHealthy: false},
				{at: 40 * s, op: "pass", wantChanged: true, wantHealthy: true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := registry.NewHealthChecker(tt.opts, t0)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := h.Healthy(), tt.opts.StartHealthy; got != want {
				t.Fatalf("initial Healthy() = %v, want %v", got, want)
			}
			runSteps(t, h, tt.steps)
		})
	}
}

func TestHealthCheckerIntervals(t *testing.T) {
	ms := time.Millisecond
	s := time.Second
	h, err := registry.NewHealthChecker(registry.HealthCheckOptions{
		Interval: 10 * s, Timeout: 1 * s, UnhealthyInterval: 3 * s, UnhealthyEdgeInterval: 1 * s,
		HealthyEdgeInterval: 2 * s, HealthyThreshold: 2, UnhealthyThreshold: 2,
	}, t0)
	if err != nil {
		t.Fatal(err)
	}
	runSteps(t, h, []step{
		{at: 0, op: "start"},
		// first pass: healthy, next after Interval
		{at: 100 * ms, op: "pass", wantChanged: true, wantHealthy: true, wantNext: 10*s + 100*ms},
		{at: 10*s + 100*ms, op: "start"},
		// failure short of the threshold: HealthyEdgeInterval
		{at: 10*s + 200*ms, op: "fail", wantHealthy: true, wantNext: 12*s + 200*ms},
		{at: 12*s + 200*ms, op: "start"},
		// a result at the deadline is a timeout whatever it says
		{at: 13*s + 200*ms, op: "pass", wantChanged: true, wantHealthy: false, wantNext: 16*s + 200*ms},
		{at: 16*s + 200*ms, op: "start"},
		// pass short of the threshold: UnhealthyEdgeInterval
		{at: 16*s + 300*ms, op: "pass", wantHealthy: false, wantNext: 17*s + 300*ms},
		{at: 17*s + 300*ms, op: "start"},
		{at: 17*s + 400*ms, op: "pass", wantChanged: true, wantHealthy: true, wantNext: 27*s + 400*ms},
	})
	if h.Due(at(27*s + 399*ms)) {
		t.Error("Due one millisecond early = true, want false")
	}
	if got, want := h.Since(), at(17*s+400*ms); !got.Equal(want) {
		t.Errorf("Since() = %v, want %v", got, want)
	}
}

func TestHealthCheckerNoTrafficInterval(t *testing.T) {
	s := time.Second
	h, err := registry.NewHealthChecker(registry.HealthCheckOptions{Interval: 5 * s, NoTrafficInterval: 60 * s}, t0)
	if err != nil {
		t.Fatal(err)
	}
	runSteps(t, h, []step{
		{at: 0, op: "pass", wantChanged: true, wantHealthy: true, wantNext: 60 * s},
	})
	h.MarkTraffic()
	runSteps(t, h, []step{
		{at: 60 * s, op: "pass", wantHealthy: true, wantNext: 65 * s},
	})
}

func TestNewHealthCheckerRejectsBadOptions(t *testing.T) {
	_, err := registry.NewHealthChecker(registry.HealthCheckOptions{UnhealthyThreshold: -1}, t0)
	if !errors.Is(err, registry.ErrInvalidOptions) {
		t.Errorf("got %v, want ErrInvalidOptions", err)
	}
}
