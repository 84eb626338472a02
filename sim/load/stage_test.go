package load_test

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim/load"
)

// shapes are one instance of every stage kind, with parameters chosen so
// that the expected arrivals per second are whole numbers where the math
// allows.
func shapes(t testing.TB) []struct {
	name  string
	stage load.Stage
	// uniform is the exact arrivals per second with uniform arrivals.
	uniform []int
} {
	return []struct {
		name    string
		stage   load.Stage
		uniform []int
	}{
		{"constant", must(load.NewConstant(250, 4*s)), []int{250, 250, 250, 250}},
		// C(t) = 5t²: 5(2k+1) in second k.
		{"ramp up", must(load.NewRamp(0, 100, 10*s)), []int{5, 15, 25, 35, 45, 55, 65, 75, 85, 95}},
		// C(t) = 100t - 5t².
		{"ramp down", must(load.NewRamp(100, 0, 10*s)), []int{95, 85, 75, 65, 55, 45, 35, 25, 15, 5}},
		{"step", must(load.NewStep(100, 500, 5, 5*s)), []int{100, 200, 300, 400, 500}},
		{"step down", must(load.NewStep(40, 10, 4, 8*s)), []int{40, 40, 30, 30, 20, 20, 10, 10}},
		{"spike", must(load.NewSpike(10, 100, 2*s, s, 5*s)), []int{10, 10, 100, 10, 10}},
		// C(k) = 100k + (100/π)(1 - cos(πk/2)); a second holds
		// ceil(C(k+1)) - ceil(C(k)) arrivals: 132, 264, 332, 400, ...
		{"sine", must(load.NewSine(100, 50, 4*s, 0, 8*s)), []int{132, 132, 68, 68, 132, 132, 68, 68}},
		{"replay rates", must(load.NewReplayRates([]float64{3, 0, 5, 2}, s, 1, 0)), []int{3, 0, 5, 2}},
		{"replay rates x2", must(load.NewReplayRates([]float64{3, 0, 5, 2}, s, 2, 0)), []int{6, 0, 10, 4}},
	}
}

// TestUniformPerSecond checks that uniform arrivals put exactly the
// integral of the rate into each second.
func TestUniformPerSecond(t *testing.T) {
	for _, tc := range shapes(t) {
		t.Run(tc.name, func(t *testing.T) {
			p := profile(t, tc.stage)
			got := perSecond(load.NewSchedule(p, scenarios.ArrivalUniform, 1, 0).Arrivals(), p.Duration())
			if !slices.Equal(got, tc.uniform) {
				t.Errorf("arrivals per second = %v, want %v", got, tc.uniform)
			}
			// And within 2 % of the rate's integral over each second.
			for k, n := range got {
				want := p.Cumulative(time.Duration(k+1)*s) - p.Cumulative(time.Duration(k)*s)
				if math.Abs(float64(n)-want) > math.Max(1, 0.02*want) {
					t.Errorf("second %d: %d arrivals, integral %.3f", k, n, want)
				}
			}
		})
	}
}

// TestPoissonTotals checks that Poisson arrivals come within 2 % of the
// rate's integral over each half of a 20 s window, and are exactly
// reproducible per seed.
//
// Every shape expects 100000 arrivals, and with one seed every shape gets
// exactly the same number of them: time-rescaling maps one sequence of
// unit exponentials through each profile's inverse, so the shape only
// moves arrivals in time (common random numbers: comparing two profiles
// compares shapes, not noise).
func TestPoissonTotals(t *testing.T) {
	tests := []struct {
		name  string
		stage load.Stage
	}{
		{"constant", must(load.NewConstant(5000, 20*s))},
		{"ramp", must(load.NewRamp(0, 10000, 20*s))},
		{"step", must(load.NewStep(2500, 7500, 5, 20*s))},
		{"sine", must(load.NewSine(5000, 4000, 5*s, 0, 20*s))},
		{"spike", must(load.NewSpike(4000, 24000, 5*s, 1*s, 20*s))},
		{"replay", must(load.NewReplayRates(slices.Repeat([]float64{2500, 7500}, 10), s, 1, 0))},
	}
	const want = 99568 // arrivals for seed 42
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := profile(t, tc.stage)
			if got := p.Total(); math.Abs(got-100000) > 1e-6 {
				t.Fatalf("total = %v, want 100000", got)
			}
			a := load.NewSchedule(p, scenarios.ArrivalPoisson, 42, 0).Arrivals()
			b := load.NewSchedule(p, scenarios.ArrivalPoisson, 42, 0).Arrivals()
			if !slices.Equal(a, b) {
				t.Fatalf("seed 42 gave two different schedules")
			}
			if !slices.IsSorted(a) {
				t.Fatalf("arrivals out of order")
			}
			if len(a) != want {
				t.Errorf("arrivals = %d, want %d for seed 42", len(a), want)
			}
			half, _ := slices.BinarySearch(a, 10*s)
			for i, w := range []struct {
				got      int
				from, to time.Duration
			}{{half, 0, 10 * s}, {len(a) - half, 10 * s, 20 * s}} {
				exp := p.Cumulative(w.to) - p.Cumulative(w.from)
				if math.Abs(float64(w.got)-exp) > 0.02*exp {
					t.Errorf("half %d: %d arrivals, expected %.0f: off by more than 2 %%", i, w.got, exp)
				}
			}
		})
	}
}

// TestCumulativeInvert checks exact values of the integral and its
// inverse for each stage kind.
func TestCumulativeInvert(t *testing.T) {
	ramp := must(load.NewRamp(0, 100, 10*s))
	down := must(load.NewRamp(100, 0, 10*s))
	ramp2 := must(load.NewRamp(20, 60, 4*s)) // C(t) = 20t + 5t²
	step := must(load.NewStep(100, 500, 5, 5*s))
	sine := must(load.NewSine(10, 5, 4*s, 0, 8*s)) // C(t) = 10t + (10/π)(1 - cos(πt/2))
	peak := must(load.NewSine(10, 5, 4*s, s, 8*s)) // starts at the peak: C(t) = 10t + (10/π) sin(πt/2)
	spike := must(load.NewSpike(10, 100, 2*s, s, 5*s))
	pause := must(load.NewSpike(0, 100, 2*s, s, 5*s)) // nothing outside the burst
	tests := []struct {
		stage load.Stage
		t     time.Duration
		cum   float64
	}{
		{ramp, 0, 0},
		{ramp, s, 5},
		{ramp, 5 * s, 125},
		{ramp, 10 * s, 500},
		{ramp, 500 * ms, 1.25},
		{down, 5 * s, 375},
		{down, 10 * s, 500},
		{ramp2, s, 25},
		{ramp2, 2 * s, 60},
		{ramp2, 4 * s, 160},
		{step, s, 100},
		{step, 1500 * ms, 200},
		{step, 2 * s, 300},
		{step, 4500 * ms, 1250},
		{step, 5 * s, 1500},
		{sine, 2 * s, 20 + 20/math.Pi},
		{sine, 4 * s, 40},
		{sine, 8 * s, 80},
		{peak, s, 10 + 10/math.Pi},
		{peak, 2 * s, 20},
		{peak, 3 * s, 30 - 10/math.Pi},
		{spike, 2 * s, 20},
		{spike, 2500 * ms, 70},
		{spike, 3 * s, 120},
		{spike, 5 * s, 140},
		{pause, 2500 * ms, 50},
	}
	for _, tc := range tests {
		if got := tc.stage.Cumulative(tc.t); math.Abs(got-tc.cum) > 1e-12*math.Max(1, tc.cum) {
			t.Errorf("%v.Cumulative(%v) = %v, want %v", tc.stage, tc.t, got, tc.cum)
		}
		if tc.t == 0 {
			continue
		}
		if got := tc.stage.Invert(tc.cum); got != tc.t {
			t.Errorf("%v.Invert(%v) = %v, want %v", tc.stage, tc.cum, got, tc.t)
		}
	}

	// Invert answers the instant the cumulative passes x: pauses are
	// skipped, so no arrival lands where the rate is 0.
	edges := []struct {
		stage load.Stage
		x     float64
		want  time.Duration
	}{
		{pause, 0, 2 * s},                       // the pause is skipped
		{pause, 1e-6, 2*s + 10*time.Nanosecond}, // 1e-6 at 100/s
		{pause, 99.5, 2995 * ms},                // inside the burst
		{pause, 100, 5 * s},                     // the total is never passed
		{ramp, -1, 0},                           // before the start
		{ramp, math.NaN(), 0},                   // nonsense
		{ramp, 500, 10 * s},                     // the total
		{spike, math.Inf(1), 5 * s},             // beyond the total
		{must(load.NewConstant(0, s)), 0, s},    // nothing to pass
		{profile(t, pauseThen(t)...), 0, 3 * s}, // across stages too
		{profile(t, pauseThen(t)...), 10, 3100 * ms},
	}
	for _, tc := range edges {
		if got := tc.stage.Invert(tc.x); got != tc.want {
			t.Errorf("%v.Invert(%v) = %v, want %v", tc.stage, tc.x, got, tc.want)
		}
	}
}

// TestRoundTrip checks Invert(Cumulative(t)) == t to the nanosecond
// wherever the rate is positive.
func TestRoundTrip(t *testing.T) {
	stages := []load.Stage{
		must(load.NewConstant(3, 10*s)),
		must(load.NewRamp(0, 100, 10*s)),
		must(load.NewRamp(70, 10, 7*s)),
		must(load.NewStep(10, 50, 5, 10*s)),
		must(load.NewSine(100, 60, 3*s, 700*ms, 10*s)),
		must(load.NewSine(100, 100, 2*s, 0, 10*s)), // touches 0 once a period
		must(load.NewSpike(5, 500, 3*s, 250*ms, 10*s)),
		must(load.NewReplayRates([]float64{7, 1, 1000, 3}, 2500*ms, 1, 0)),
	}
	p := profile(t, stages...)
	stages = append(stages, p)
	for _, st := range stages {
		d := st.Duration()
		for i := int64(1); i < 1000; i++ {
			at := time.Duration(int64(d) / 1000 * i)
			at += time.Duration(i * 7919 % 1000) // off the round grid
			if st.Rate(at) < 1 {
				continue // a flat or nearly flat cumulative has no unique inverse
			}
			if got := st.Invert(st.Cumulative(at)); got != at {
				t.Errorf("%v: Invert(Cumulative(%v)) = %v", st, at, got)
			}
		}
	}
}

func TestStageErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"negative rate", err2(load.NewConstant(-1, s)), "load: invalid stage: constant: rate is -1, want a finite rate >= 0"},
		{"nan rate", err2(load.NewConstant(math.NaN(), s)), "load: invalid stage: constant: rate is NaN, want a finite rate >= 0"},
		{"no duration", err2(load.NewRamp(0, 1, 0)), "load: invalid stage: ramp: duration is 0s, want > 0"},
		{"one step", err2(load.NewStep(1, 2, 1, s)), "load: invalid stage: step: one step cannot go from 1 to 2, want steps >= 2"},
		{"no steps", err2(load.NewStep(1, 2, 0, s)), "load: invalid stage: step: steps is 0, want 2 to 100000"},
		{"tiny steps", err2(load.NewStep(1, 2, 10, 5)), "load: invalid stage: step: 10 steps do not fit in 5ns"},
		{"sine below zero", err2(load.NewSine(10, 11, s, 0, s)), "load: invalid stage: sine: amplitude 11 exceeds mean 10, so the rate would go negative"},
		{"sine period", err2(load.NewSine(10, 1, 0, 0, s)), "load: invalid stage: sine: period is 0s, want > 0"},
		{"spike outside", err2(load.NewSpike(1, 2, 4*s, 2*s, 5*s)), "load: invalid stage: spike: burst at 4s for 2s does not fit in 5s"},
		{"spike width", err2(load.NewSpike(1, 2, 0, 0, 5*s)), "load: invalid stage: spike: width is 0s, want > 0"},
		{"replay empty", err2(load.NewReplayRates(nil, s, 1, 0)), "load: invalid stage: replay: no rates"},
		{"replay scale", err2(load.NewReplayRates([]float64{1}, s, 0, 0)), "load: invalid stage: replay: scale is 0, want a finite number > 0"},
		{"replay unsorted", err2(load.NewReplayTimestamps([]time.Duration{0, 2, 1}, 1, 0)), "load: invalid stage: replay: timestamps are not in order"},
		{"replay not rebased", err2(load.NewReplayTimestamps([]time.Duration{5}, 1, 0)), "load: invalid stage: replay: first timestamp is 5ns, want 0 (rebase the trace)"},
		{"no stages", err2(load.NewProfile()), "load: invalid profile: no stages"},
		{"nil stage", err2(load.NewProfile(nil)), "load: invalid profile: stage 0 is nil"},
	}
	for _, tc := range tests {
		if tc.err == nil {
			t.Errorf("%s: no error, want %q", tc.name, tc.want)
			continue
		}
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("%s: error %q, want %q", tc.name, got, tc.want)
		}
		if !errors.Is(tc.err, load.ErrStage) && !errors.Is(tc.err, load.ErrProfile) {
			t.Errorf("%s: %v wraps neither ErrStage nor ErrProfile", tc.name, tc.err)
		}
	}
}

func err2[T any](_ T, err error) error { return err }

func TestStageStrings(t *testing.T) {
	tests := []struct {
		stage load.Stage
		want  string
	}{
		{must(load.NewConstant(100, time.Minute)), "constant(100/s, 1m0s)"},
		{must(load.NewRamp(0, 2.5, 30*s)), "ramp(0/s->2.5/s, 30s)"},
		{must(load.NewStep(100, 500, 5, 5*time.Minute)), "step(100/s->500/s in 5, 5m0s)"},
		{must(load.NewSine(100, 50, time.Minute, 5*time.Minute+15*s, 10*time.Minute)), "sine(100/s±50/s, period 1m0s, phase 15s, 10m0s)"},
		{must(load.NewSpike(10, 1000, 30*s, 5*s, time.Minute)), "spike(10/s, 1000/s at 30s for 5s, 1m0s)"},
		{must(load.NewReplayRates([]float64{1, 2}, s, 3, 0)), "replay(2 rates x3, 2s)"},
		{must(load.NewReplayTimestamps([]time.Duration{0, s}, 1, 0)), "replay(2 timestamps, 2s)"},
	}
	for _, tc := range tests {
		if got := fmt.Sprint(tc.stage); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

// pauseThen is a 3 s pause followed by 100/s for a second.
func pauseThen(t testing.TB) []load.Stage {
	return []load.Stage{must(load.NewConstant(0, 3*s)), must(load.NewConstant(100, s))}
}
