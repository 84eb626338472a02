package load

import (
	"fmt"
	"time"

	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim/synth"
)

// FromScenario builds the open-model profile of a scenario's load over
// its duration d. Until scenarios.LoadExt is merged into Load it reads the
// rate alone: one constant stage for the whole duration.
func FromScenario(l scenarios.Load, d time.Duration) (*Profile, error) {
	return FromLoad(l, scenarios.LoadExt{}, d)
}

// FromLoad builds the open-model profile of l's rate and x's stages over
// the scenario's duration d. Rate alone is one constant stage for d;
// stages play in order and are cut at d when they last longer. A stage
// whose starting rate is left out (ramp and step from, spike base) starts
// where the previous stage ended, 0 for the first. Zero fields the loader
// would have defaulted (replay format, interval and scale) take their
// defaults here too.
func FromLoad(l scenarios.Load, x scenarios.LoadExt, d time.Duration) (*Profile, error) {
	if x.Model == scenarios.ModelClosed {
		return nil, fmt.Errorf("%w: the closed model has no arrival profile (use NewClosedFromLoad)", ErrProfile)
	}
	if x.Model != "" && x.Model != scenarios.ModelOpen {
		return nil, fmt.Errorf("%w: unknown model %q (want open or closed)", ErrProfile, x.Model)
	}
	if len(x.Stages) == 0 {
		c, err := NewConstant(l.Rate, d)
		if err != nil {
			return nil, err
		}
		return NewProfile(c)
	}
	if l.Rate != 0 {
		return nil, fmt.Errorf("%w: rate %v and stages are both set; write the rate as a constant stage", ErrProfile, l.Rate)
	}
	stages := make([]Stage, 0, len(x.Stages))
	prev := 0.0
	for i, st := range x.Stages {
		s, end, err := buildStage(st, prev)
		if err != nil {
			return nil, locate(fmt.Sprintf("stages[%d]", i), err)
		}
		stages = append(stages, s)
		prev = end
	}
	p, err := NewProfile(stages...)
	if err != nil {
		return nil, err
	}
	return p.Cut(d), nil
}

// buildStage builds one stage and returns the rate it ends at, which is
// where the next stage starts by default.
func buildStage(st scenarios.LoadStage, prev float64) (Stage, float64, error) {
	or := func(p *float64) float64 {
		if p == nil {
			return prev
		}
		return *p
	}
	n := 0
	for _, set := range []bool{st.Constant != nil, st.Ramp != nil, st.Step != nil, st.Sine != nil, st.Spike != nil, st.Replay != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, 0, fmt.Errorf("%w: want exactly one of constant, ramp, step, sine, spike or replay, got %d", ErrStage, n)
	}
	switch {
	case st.Constant != nil:
		s, err := NewConstant(st.Constant.Rate, st.Constant.Duration)
		if err != nil {
			return nil, 0, err
		}
		return s, st.Constant.Rate, nil
	case st.Ramp != nil:
		s, err := NewRamp(or(st.Ramp.From), st.Ramp.To, st.Ramp.Duration)
		if err != nil {
			return nil, 0, err
		}
		return s, st.Ramp.To, nil
	case st.Step != nil:
		s, err := NewStep(or(st.Step.From), st.Step.To, st.Step.Steps, st.Step.Duration)
		if err != nil {
			return nil, 0, err
		}
		return s, st.Step.To, nil
	case st.Sine != nil:
		c := st.Sine
		s, err := NewSine(c.Mean, c.Amplitude, c.Period, c.Phase, c.Duration)
		if err != nil {
			return nil, 0, err
		}
		return s, s.rate(seconds(s.d)), nil
	case st.Spike != nil:
		c := st.Spike
		base := or(c.Base)
		s, err := NewSpike(base, c.Peak, c.At, c.Width, c.Duration)
		if err != nil {
			return nil, 0, err
		}
		return s, s.Rate(s.d - 1), nil
	default:
		s, err := buildReplay(*st.Replay)
		if err != nil {
			return nil, 0, err
		}
		return s, s.Rate(s.d - 1), nil
	}
}

func buildReplay(c scenarios.ReplayStage) (*Replay, error) {
	if c.Data == "" {
		if c.File != "" {
			return nil, fmt.Errorf("%w: replay: trace %q was not read (the loader reads file into data)", ErrStage, c.File)
		}
		return nil, fmt.Errorf("%w: replay: no trace (write file or data)", ErrStage)
	}
	scale := c.Scale
	if scale == 0 {
		scale = 1
	}
	switch c.Format {
	case scenarios.TraceTimestamps, "":
		ts, err := ParseTimestamps([]byte(c.Data))
		if err != nil {
			return nil, locate("replay", err)
		}
		return NewReplayTimestamps(ts, scale, c.Duration)
	case scenarios.TraceRates:
		rates, err := ParseRates([]byte(c.Data))
		if err != nil {
			return nil, locate("replay", err)
		}
		interval := c.Interval
		if interval == 0 {
			interval = time.Second
		}
		return NewReplayRates(rates, interval, scale, c.Duration)
	default:
		return nil, fmt.Errorf("%w: replay: unknown format %q (want timestamps or rates)", ErrStage, c.Format)
	}
}

// NewClosedFromLoad builds the closed model of x over the scenario's
// duration d: x.Users constant, or ramped by x.UserStages, with x.Think
// between each answer and the next request.
func NewClosedFromLoad(x scenarios.LoadExt, d time.Duration) (*Closed, error) {
	if x.Model != scenarios.ModelClosed {
		return nil, fmt.Errorf("%w: model is %q, not closed", ErrClosed, x.Model)
	}
	var think synth.Distribution
	if x.Think != nil {
		t, err := synth.NewDistribution(*x.Think)
		if err != nil {
			return nil, fmt.Errorf("%w: think: %w", ErrClosed, err)
		}
		think = t
	}
	return NewClosed(x.Users, x.UserStages, d, think)
}
