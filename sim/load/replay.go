package load

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Replay plays back recorded traffic: either the arrival instants of a
// trace or its rate per interval. Under uniform arrivals a timestamp
// trace is reproduced exactly (request n at the trace's n-th instant);
// under Poisson arrivals either kind is a rate curve that new random
// arrivals follow, so a replay can be repeated with fresh noise.
type Replay struct {
	kind  string
	n     int
	scale float64
	pieces
}

var _ Stage = (*Replay)(nil)

// NewReplayTimestamps replays arrivals at the given offsets (ascending,
// the first at 0, as ParseTimestamps returns them), scaled: scale 2 sends
// twice as many requests over the same curve. The cumulative goes through
// (ts[i], i) and is linear in between, so under uniform arrivals request
// i is at exactly ts[i]; equal offsets are arrivals at one instant. After
// the last arrival it rises by one more (scaled) until d, so that the last
// arrival is kept and Poisson replays see the trace's mean gap there too.
// d is the stage's length: 0 means the last offset rounded up to the next
// whole second; a shorter d cuts the trace, a longer one stretches that
// final gap.
func NewReplayTimestamps(ts []time.Duration, scale float64, d time.Duration) (*Replay, error) {
	if len(ts) == 0 {
		return nil, fmt.Errorf("%w: replay: no timestamps", ErrStage)
	}
	if ts[0] != 0 {
		return nil, fmt.Errorf("%w: replay: first timestamp is %v, want 0 (rebase the trace)", ErrStage, ts[0])
	}
	if !slices.IsSorted(ts) {
		return nil, fmt.Errorf("%w: replay: timestamps are not in order", ErrStage)
	}
	if err := checkScale(scale); err != nil {
		return nil, err
	}
	last := ts[len(ts)-1]
	if d == 0 {
		if last > math.MaxInt64-time.Second {
			return nil, fmt.Errorf("%w: replay: trace lasts too long", ErrStage)
		}
		d = (last/time.Second + 1) * time.Second
	}
	if err := checkDuration("replay", "duration", d); err != nil {
		return nil, err
	}
	r := &Replay{kind: "timestamps", n: len(ts), scale: scale}
	r.d = d
	i := 1
	for ; i < len(ts) && ts[i] <= d; i++ {
		r.add(ts[i]-ts[i-1], scale)
	}
	prev := ts[i-1]
	switch {
	case prev == d:
		// An arrival at exactly d belongs to the next stage; the
		// cumulative reaches it at d and stops.
	case i < len(ts):
		// Cut inside a gap: the part of the gap's arrival that fits.
		gap := ts[i] - prev
		r.add(d-prev, scale*float64(d-prev)/float64(gap))
	default:
		r.add(d-prev, scale)
	}
	return r, nil
}

// NewReplayRates replays one rate per interval (per-second rates with
// interval 1s), each multiplied by scale. d is the stage's length: 0
// means len(rates) intervals; a shorter d cuts the trace, a longer one
// ends in silence.
func NewReplayRates(rates []float64, interval time.Duration, scale float64, d time.Duration) (*Replay, error) {
	if len(rates) == 0 {
		return nil, fmt.Errorf("%w: replay: no rates", ErrStage)
	}
	if err := checkDuration("replay", "interval", interval); err != nil {
		return nil, err
	}
	if err := checkScale(scale); err != nil {
		return nil, err
	}
	if int64(len(rates)) > math.MaxInt64/int64(interval) {
		return nil, fmt.Errorf("%w: replay: %d intervals of %v overflow", ErrStage, len(rates), interval)
	}
	if d == 0 {
		d = time.Duration(len(rates)) * interval
	}
	if err := checkDuration("replay", "duration", d); err != nil {
		return nil, err
	}
	r := &Replay{kind: "rates", n: len(rates), scale: scale}
	r.d = d
	at := time.Duration(0)
	for i, rate := range rates {
		if err := checkRate("replay", fmt.Sprintf("rate %d", i), rate); err != nil {
			return nil, err
		}
		if at >= d {
			break
		}
		l := min(interval, d-at)
		r.add(l, rate*scale*seconds(l))
		at += l
	}
	return r, nil
}

func checkScale(scale float64) error {
	if math.IsNaN(scale) || math.IsInf(scale, 0) || scale <= 0 {
		return fmt.Errorf("%w: replay: scale is %v, want a finite number > 0", ErrStage, scale)
	}
	return nil
}

// Rate implements Stage. For a timestamp trace it is the inverse of the
// gap between neighbouring arrivals: spiky, as the trace is.
func (r *Replay) Rate(t time.Duration) float64 { return r.rate(t) }

// Cumulative implements Stage.
func (r *Replay) Cumulative(t time.Duration) float64 { return r.cumulative(t) }

// Invert implements Stage.
func (r *Replay) Invert(x float64) time.Duration { return r.invert(x) }

// Duration implements Stage.
func (r *Replay) Duration() time.Duration { return r.d }

func (r *Replay) String() string {
	if r.scale != 1 {
		return fmt.Sprintf("replay(%d %s x%g, %v)", r.n, r.kind, r.scale, r.d)
	}
	return fmt.Sprintf("replay(%d %s, %v)", r.n, r.kind, r.d)
}
