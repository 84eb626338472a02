package load_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim/load"
)

func ptr(f float64) *float64 { return &f }

func TestFromScenario(t *testing.T) {
	p := must(load.FromScenario(scenarios.Load{Rate: 50, Arrival: scenarios.ArrivalUniform}, 10*s))
	if got, want := p.String(), "constant(50/s, 10s)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if p.Total() != 500 || p.Duration() != 10*s {
		t.Errorf("Total() = %v, Duration() = %v; want 500, 10s", p.Total(), p.Duration())
	}
}

// TestFromLoadStages builds a k6-style journey from schema stages, with
// starting rates left out, and checks the stages and their arrivals.
func TestFromLoadStages(t *testing.T) {
	x := scenarios.LoadExt{Stages: []scenarios.LoadStage{
		{Ramp: &scenarios.RampStage{To: 100, Duration: 10 * s}},                          // from 0
		{Constant: &scenarios.ConstantStage{Rate: 100, Duration: 10 * s}},                //
		{Spike: &scenarios.SpikeStage{Peak: 1000, At: 2 * s, Width: s, Duration: 5 * s}}, // base 100
		{Step: &scenarios.StepStage{To: 400, Steps: 4, Duration: 4 * s}},                 // from 100
		{Sine: &scenarios.SineStage{Mean: 400, Amplitude: 100, Period: 4 * s, Duration: 4 * s}},
		{Ramp: &scenarios.RampStage{Duration: 5 * s}}, // 400 -> 0
		{Ramp: &scenarios.RampStage{From: ptr(10), To: 20, Duration: s}},
		{Replay: &scenarios.ReplayStage{Format: scenarios.TraceRates, Data: "rps\n30\n40\n"}},
		{Replay: &scenarios.ReplayStage{Data: "0\n0.5\n", Scale: 2}},
	}}
	p := must(load.FromLoad(scenarios.Load{}, x, time.Hour))
	want := "ramp(0/s->100/s, 10s) + constant(100/s, 10s) + spike(100/s, 1000/s at 2s for 1s, 5s) + " +
		"step(100/s->400/s in 4, 4s) + sine(400/s±100/s, period 4s, phase 0s, 4s) + ramp(400/s->0/s, 5s) + " +
		"ramp(10/s->20/s, 1s) + replay(2 rates, 2s) + replay(2 timestamps x2, 1s)"
	if got := p.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
	// 500 + 1000 + 1400 + 1000 + 1600 + 1000 + 15 + 70 + 4
	if got := p.Total(); got != 6589 {
		t.Errorf("Total() = %v, want 6589", got)
	}
	arrivals := load.NewSchedule(p, scenarios.ArrivalUniform, 1, 0).Arrivals()
	if got := len(arrivals); got != 6589 {
		t.Errorf("%d uniform arrivals, want 6589", got)
	}
	last := arrivals[len(arrivals)-4:]
	if want := []time.Duration{41 * s, 41250 * ms, 41500 * ms, 41750 * ms}; !slices.Equal(last, want) {
		t.Errorf("last arrivals %v, want %v (the doubled trace)", last, want)
	}

	// Cut at the scenario's duration.
	p = must(load.FromLoad(scenarios.Load{}, x, 15*s))
	if p.Duration() != 15*s || p.Total() != 1000 {
		t.Errorf("cut at 15s: Duration() = %v, Total() = %v; want 15s, 1000", p.Duration(), p.Total())
	}
}

func TestFromLoadErrors(t *testing.T) {
	ramp := []scenarios.LoadStage{{Ramp: &scenarios.RampStage{To: 10, Duration: s}}}
	tests := []struct {
		name string
		l    scenarios.Load
		x    scenarios.LoadExt
		d    time.Duration
		want string
		is   error
	}{
		{"no duration", scenarios.Load{Rate: 1}, scenarios.LoadExt{}, 0, "load: invalid stage: constant: duration is 0s, want > 0", load.ErrStage},
		{"rate and stages", scenarios.Load{Rate: 1}, scenarios.LoadExt{Stages: ramp}, s, "load: invalid profile: rate 1 and stages are both set; write the rate as a constant stage", load.ErrProfile},
		{"closed", scenarios.Load{}, scenarios.LoadExt{Model: scenarios.ModelClosed, Users: 1}, s, "load: invalid profile: the closed model has no arrival profile (use NewClosedFromLoad)", load.ErrProfile},
		{"model", scenarios.Load{}, scenarios.LoadExt{Model: "ajar"}, s, `load: invalid profile: unknown model "ajar" (want open or closed)`, load.ErrProfile},
		{"empty stage", scenarios.Load{}, scenarios.LoadExt{Stages: []scenarios.LoadStage{{}}}, s, "load: stages[0]: invalid stage: want exactly one of constant, ramp, step, sine, spike or replay, got 0", load.ErrStage},
		{"two kinds", scenarios.Load{}, scenarios.LoadExt{Stages: []scenarios.LoadStage{{Ramp: ramp[0].Ramp, Constant: &scenarios.ConstantStage{Rate: 1, Duration: s}}}}, s, "load: stages[0]: invalid stage: want exactly one of constant, ramp, step, sine, spike or replay, got 2", load.ErrStage},
		{"bad stage", scenarios.Load{}, scenarios.LoadExt{Stages: append(ramp, scenarios.LoadStage{Sine: &scenarios.SineStage{Mean: 1, Amplitude: 2, Period: s, Duration: s}})}, s, "load: stages[1]: invalid stage: sine: amplitude 2 exceeds mean 1, so the rate would go negative", load.ErrStage},
		{"file not read", scenarios.Load{}, scenarios.LoadExt{Stages: []scenarios.LoadStage{{Replay: &scenarios.ReplayStage{File: "trace.csv"}}}}, s, `load: stages[0]: invalid stage: replay: trace "trace.csv" was not read (the loader reads file into data)`, load.ErrStage},
		{"no trace", scenarios.Load{}, scenarios.LoadExt{Stages: []scenarios.LoadStage{{Replay: &scenarios.ReplayStage{}}}}, s, "load: stages[0]: invalid stage: replay: no trace (write file or data)", load.ErrStage},
		{"bad trace", scenarios.Load{}, scenarios.LoadExt{Stages: []scenarios.LoadStage{{Replay: &scenarios.ReplayStage{Data: "1\nx\n"}}}}, s, `load: stages[0]: replay: invalid trace: line 2: timestamp "x" is not seconds, RFC 3339 or a duration`, load.ErrTrace},
		{"format", scenarios.Load{}, scenarios.LoadExt{Stages: []scenarios.LoadStage{{Replay: &scenarios.ReplayStage{Data: "1", Format: "json"}}}}, s, `load: stages[0]: invalid stage: replay: unknown format "json" (want timestamps or rates)`, load.ErrStage},
	}
	for _, tc := range tests {
		_, err := load.FromLoad(tc.l, tc.x, tc.d)
		if err == nil {
			t.Errorf("%s: no error, want %q", tc.name, tc.want)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, err, tc.want)
		}
		if !errors.Is(err, tc.is) {
			t.Errorf("%s: %v does not wrap %v", tc.name, err, tc.is)
		}
	}
}
