package load

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"time"

	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim/synth"
)

// maxUsers bounds the closed model's user count: each user is a goroutine
// in the live engine.
const maxUsers = 1 << 20

// Closed is the closed model's plan: how many virtual users are active at
// each instant and how long each thinks between an answer and its next
// request (k6's constant-vus and ramping-vus, Gatling's closed
// injection). It is pure; the engine runs the users: user vu is active
// while vu < Users(t), and a user found inactive stops after its current
// request, so a ramp down retires the highest-numbered users first.
//
// Closed is immutable and safe for concurrent use.
type Closed struct {
	stages []userStage
	end    time.Duration
	think  synth.Distribution // nil: no think time
	max    int
}

type userStage struct {
	from, to int
	start, d time.Duration
}

// NewClosed plans users virtual users, then ramps linearly from one
// stage's target to the next (users is the first stage's starting
// count); without stages, users stay constant for d. With stages the
// plan lasts their total, cut at d when d is positive and shorter. think
// is the pause after each answer; nil for none.
func NewClosed(users int, stages []scenarios.UserStage, d time.Duration, think synth.Distribution) (*Closed, error) {
	if users < 0 || users > maxUsers {
		return nil, fmt.Errorf("%w: users is %d, want 0 to %d", ErrClosed, users, maxUsers)
	}
	c := &Closed{think: think, max: users}
	if len(stages) == 0 {
		if users == 0 {
			return nil, fmt.Errorf("%w: no users and no user stages", ErrClosed)
		}
		if d <= 0 {
			return nil, fmt.Errorf("%w: duration is %v, want > 0", ErrClosed, d)
		}
		c.stages = []userStage{{from: users, to: users, d: d}}
		c.end = d
		return c, nil
	}
	from := users
	var at time.Duration
	for i, s := range stages {
		switch {
		case s.Target < 0 || s.Target > maxUsers:
			return nil, fmt.Errorf("%w: user stage %d: target is %d, want 0 to %d", ErrClosed, i, s.Target, maxUsers)
		case s.Duration <= 0:
			return nil, fmt.Errorf("%w: user stage %d: duration is %v, want > 0", ErrClosed, i, s.Duration)
		case at > math.MaxInt64-s.Duration:
			return nil, fmt.Errorf("%w: user stages last too long", ErrClosed)
		}
		c.stages = append(c.stages, userStage{from: from, to: s.Target, start: at, d: s.Duration})
		c.max = max(c.max, s.Target)
		from = s.Target
		at += s.Duration
	}
	c.end = at
	if d > 0 && d < at {
		c.end = d
	}
	return c, nil
}

// Users is the number of active users at offset t: 0 before the start and
// from Duration() on. Within a stage it is the linear ramp rounded down,
// computed in integers so that whole counts land on exact instants.
func (c *Closed) Users(t time.Duration) int {
	if t < 0 || t >= c.end {
		return 0
	}
	s := &c.stages[c.find(t)]
	return s.at(t - s.start)
}

func (c *Closed) find(t time.Duration) int {
	i := len(c.stages) - 1
	for i > 0 && c.stages[i].start > t {
		i--
	}
	return i
}

// at is floor(from + (to-from)*e/d) for 0 <= e < d.
func (s *userStage) at(e time.Duration) int {
	if s.to >= s.from {
		return s.from + int(mulDiv(uint64(s.to-s.from), uint64(e), uint64(s.d)))
	}
	// Falling: floor(from - k) = from - ceil(k).
	return s.from - int(mulDivUp(uint64(s.from-s.to), uint64(e), uint64(s.d)))
}

// NextChange is the first offset after t at which Users changes, and
// false when it never does again (the plan's end counts as a change when
// users are active then). Engines that walk time use it instead of
// polling Users.
func (c *Closed) NextChange(t time.Duration) (time.Duration, bool) {
	if t < 0 {
		if c.Users(0) != 0 {
			return 0, true
		}
		t = 0
	}
	if t >= c.end {
		return 0, false
	}
	now := c.Users(t)
	for i := c.find(t); i < len(c.stages); i++ {
		s := &c.stages[i]
		if s.start >= c.end {
			break
		}
		if next, ok := s.change(max(t-s.start, 0), now); ok {
			if s.start+next < c.end {
				return s.start + next, true
			}
			break
		}
		// A ramp rounded down reaches its target only where the next
		// stage begins.
		boundary := s.start + s.d
		if boundary >= c.end {
			break
		}
		if now != s.to {
			return boundary, true
		}
	}
	if now != 0 {
		return c.end, true
	}
	return 0, false
}

// change is the first e' in (e, d) at which the stage's count differs
// from now, if any.
func (s *userStage) change(e time.Duration, now int) (time.Duration, bool) {
	var next time.Duration
	switch {
	case s.to > s.from:
		// The count reaches now+1 at the first e' with
		// (to-from)*e' >= (now+1-from)*d.
		k := uint64(now + 1 - s.from)
		if k > uint64(s.to-s.from) {
			return 0, false
		}
		next = time.Duration(mulDivUp(k, uint64(s.d), uint64(s.to-s.from)))
	case s.to < s.from:
		// The count drops below now at the first e' with
		// (from-to)*e' > (from-now)*d.
		k := uint64(s.from - now)
		if k >= uint64(s.from-s.to) {
			return 0, false
		}
		next = time.Duration(mulDiv(k, uint64(s.d), uint64(s.from-s.to))) + 1
	default:
		return 0, false
	}
	next = max(next, e+1)
	if next >= s.d {
		return 0, false
	}
	return next, true
}

// Next is virtual user vu's think time before its next request, one draw
// from r (none without a think distribution). Every user shares one
// distribution; vu names the user so that a per-user plan (a user pinned
// to a client class with a think time of its own) needs no new API.
func (c *Closed) Next(vu int, r *rand.Rand) time.Duration {
	if c.think == nil {
		return 0
	}
	return c.think.Sample(r)
}

// MaxUsers is the most users ever active at once: how many workers the
// engine needs.
func (c *Closed) MaxUsers() int { return c.max }

// Duration is when the plan ends.
func (c *Closed) Duration() time.Duration { return c.end }

func (c *Closed) String() string {
	think := "no think time"
	if c.think != nil {
		think = "think " + c.think.String()
	}
	if len(c.stages) == 1 && c.stages[0].from == c.stages[0].to {
		return fmt.Sprintf("closed(%d users, %v, %s)", c.stages[0].from, c.end, think)
	}
	return fmt.Sprintf("closed(%d stages up to %d users, %v, %s)", len(c.stages), c.max, c.end, think)
}

// mulDiv is a*b/c rounded down; the quotient must fit 64 bits.
func mulDiv(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	q, _ := bits.Div64(hi, lo, c)
	return q
}

// mulDivUp is a*b/c rounded up; the quotient must fit 64 bits.
func mulDivUp(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	q, r := bits.Div64(hi, lo, c)
	if r != 0 {
		q++
	}
	return q
}
