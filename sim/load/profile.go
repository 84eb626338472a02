package load

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Stage is one piece of a load profile: a rate function over
// [0, Duration()) with its integral and the integral's inverse. Times are
// offsets from the start of the stage.
//
// Implementations are immutable and safe for concurrent use.
type Stage interface {
	// Rate is the rate in requests per second at t; 0 outside
	// [0, Duration()).
	Rate(t time.Duration) float64
	// Cumulative is the expected number of arrivals in [0, t], with t
	// clamped to [0, Duration()]. It never decreases.
	Cumulative(t time.Duration) float64
	// Invert is the instant the cumulative passes x: the earliest t in
	// [0, Duration()] after which Cumulative exceeds x, rounded to the
	// nanosecond. Where the rate is positive that is the t with
	// Cumulative(t) = x; where x is reached before a pause it is the end
	// of the pause, so an arrival never lands where the rate is 0. x below
	// 0 counts as 0; Invert is Duration() when the cumulative never
	// exceeds x.
	Invert(x float64) time.Duration
	// Duration is the stage's length, always positive.
	Duration() time.Duration
	// String describes the stage, e.g. "ramp(0/s->100/s, 30s)".
	String() string
}

// Profile is a sequence of stages played one after another: the offered
// rate of a whole run. It is immutable and safe for concurrent use.
type Profile struct {
	stages []Stage
	start  []time.Duration // offset of each stage
	cum    []float64       // expected arrivals before each stage; len(stages)+1
	end    time.Duration
}

// NewProfile plays stages in order. At least one stage is needed, and the
// total length must fit a time.Duration.
func NewProfile(stages ...Stage) (*Profile, error) {
	if len(stages) == 0 {
		return nil, fmt.Errorf("%w: no stages", ErrProfile)
	}
	p := &Profile{
		stages: append([]Stage(nil), stages...),
		start:  make([]time.Duration, len(stages)),
		cum:    make([]float64, len(stages)+1),
	}
	var at time.Duration
	for i, s := range stages {
		if s == nil {
			return nil, fmt.Errorf("%w: stage %d is nil", ErrProfile, i)
		}
		d := s.Duration()
		if d <= 0 {
			return nil, fmt.Errorf("%w: stage %d (%v) has no duration", ErrProfile, i, s)
		}
		if at > math.MaxInt64-d {
			return nil, fmt.Errorf("%w: stages last longer than %v", ErrProfile, time.Duration(math.MaxInt64))
		}
		p.start[i] = at
		p.cum[i+1] = p.cum[i] + s.Cumulative(d)
		at += d
	}
	p.end = at
	return p, nil
}

// Cut returns the profile ended at d, or p itself when it is no longer
// than d. A run shorter than its stages stops the load where the run
// stops.
func (p *Profile) Cut(d time.Duration) *Profile {
	if d <= 0 || d >= p.end {
		return p
	}
	n := p.find(d-1) + 1 // stages starting before d
	q := &Profile{
		stages: p.stages[:n:n],
		start:  p.start[:n:n],
		cum:    append([]float64(nil), p.cum[:n+1]...),
		end:    d,
	}
	q.cum[n] = q.cum[n-1] + q.stages[n-1].Cumulative(d-q.start[n-1])
	return q
}

// find is the index of the stage holding t in [0, end): the last stage
// starting at or before t.
func (p *Profile) find(t time.Duration) int {
	lo, hi := 0, len(p.start)
	for hi-lo > 1 {
		mid := int(uint(lo+hi) >> 1)
		if p.start[mid] <= t {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// Rate is the offered rate in requests per second at offset t; 0 before
// the start and from Duration() on.
func (p *Profile) Rate(t time.Duration) float64 {
	if t < 0 || t >= p.end {
		return 0
	}
	i := p.find(t)
	return p.stages[i].Rate(t - p.start[i])
}

// Cumulative is the expected number of arrivals in [0, t], with t clamped
// to [0, Duration()].
func (p *Profile) Cumulative(t time.Duration) float64 {
	if t <= 0 {
		return 0
	}
	if t >= p.end {
		return p.cum[len(p.cum)-1]
	}
	i := p.find(t)
	return p.cum[i] + p.stages[i].Cumulative(t-p.start[i])
}

// Total is the expected number of arrivals over the whole profile.
func (p *Profile) Total() float64 { return p.cum[len(p.cum)-1] }

// Invert is the instant the cumulative passes x (see Stage.Invert):
// the t with Cumulative(t) = x where the rate is positive, the end of a
// pause where it is not, and Duration() from Total() on. Each stage
// inverts in closed form where one exists and by safeguarded Newton
// iteration otherwise, so the answer is exact to the nanosecond.
func (p *Profile) Invert(x float64) time.Duration {
	if !(x >= 0) {
		x = 0 // and NaN
	}
	if x >= p.Total() {
		return p.end
	}
	// The first stage whose cumulative passes x; stages are few, but
	// Invert runs once per request, so search rather than scan.
	lo := segment(p.cum, x, len(p.stages))
	t := p.start[lo] + p.stages[lo].Invert(x-p.cum[lo])
	return min(t, p.end)
}

// Duration is the profile's length.
func (p *Profile) Duration() time.Duration { return p.end }

// Stages returns the profile's stages (a cut profile keeps the stages it
// still starts).
func (p *Profile) Stages() []Stage { return append([]Stage(nil), p.stages...) }

// String lists the stages, e.g. "ramp(0/s->100/s, 30s) + constant(100/s, 1m0s)".
func (p *Profile) String() string {
	var b strings.Builder
	for i, s := range p.stages {
		if i > 0 {
			b.WriteString(" + ")
		}
		b.WriteString(s.String())
	}
	if len(p.stages) > 0 && p.start[len(p.start)-1]+p.stages[len(p.stages)-1].Duration() != p.end {
		fmt.Fprintf(&b, " cut at %v", p.end)
	}
	return b.String()
}

// seconds converts a duration to float seconds.
func seconds(d time.Duration) float64 { return float64(d) / 1e9 }

// fromSeconds rounds float seconds to the nearest nanosecond within
// [0, limit]: inverse functions computed in floating point land within a
// fraction of a nanosecond of the true instant, and rounding (not
// truncating) is what makes Invert(Cumulative(t)) == t hold exactly.
func fromSeconds(s float64, limit time.Duration) time.Duration {
	ns := math.Round(s * 1e9)
	if !(ns > 0) {
		return 0
	}
	if ns >= float64(limit) {
		return limit
	}
	return time.Duration(ns)
}

// checkRate rejects rates that are negative, infinite or NaN.
func checkRate(stage, field string, r float64) error {
	if math.IsNaN(r) || math.IsInf(r, 0) || r < 0 {
		return fmt.Errorf("%w: %s: %s is %v, want a finite rate >= 0", ErrStage, stage, field, r)
	}
	return nil
}

// checkDuration rejects durations that are not positive.
func checkDuration(stage, field string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%w: %s: %s is %v, want > 0", ErrStage, stage, field, d)
	}
	return nil
}

// formatRate writes a rate compactly: 100/s, 2.5/s.
func formatRate(r float64) string {
	return fmt.Sprintf("%g/s", r)
}

// segment finds the first of n segments whose cumulative end cum[i+1]
// passes x (cum holds n+1 running totals from 0). Invert runs once per
// request, so it searches rather than scans.
func segment(cum []float64, x float64, n int) int {
	lo, hi := 0, n-1
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if cum[mid+1] > x {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}
