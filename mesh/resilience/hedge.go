package resilience

import (
	"fmt"
	"time"
)

// MaxHedgeAttempts is gRPC's upper bound on hedged attempts (A6).
const MaxHedgeAttempts = 5

// HedgeOptions configures hedging, after gRPC's hedgingPolicy (A6). The
// zero value turns hedging off.
type HedgeOptions struct {
	// MaxAttempts is the total number of attempts, the original included,
	// 0..5; 0 and 1 mean no hedging.
	MaxAttempts int
	// Delay is the wait after each attempt before the next is sent if no
	// answer has committed the call; 0 sends all attempts at once.
	Delay time.Duration
	// NonFatalOn is the set of outcomes after which the call does not
	// commit but sends the next attempt at once (gRPC's
	// nonFatalStatusCodes); 0 means none: every answer, failures included,
	// commits, as gRPC's default.
	NonFatalOn Condition
	// NonFatalStatusCodes are matched by OnRetriableStatusCodes in
	// NonFatalOn.
	NonFatalStatusCodes []int
}

// Validate reports the first invalid field of o.
func (o HedgeOptions) Validate() error {
	switch {
	case o.MaxAttempts < 0 || o.MaxAttempts > MaxHedgeAttempts:
		return optErr("HedgeOptions.MaxAttempts", "%d is not in [0, %d]", o.MaxAttempts, MaxHedgeAttempts)
	case o.Delay < 0:
		return optErr("HedgeOptions.Delay", "negative (%v)", o.Delay)
	case o.NonFatalOn&^(conditionEnd-1) != 0:
		return optErr("HedgeOptions.NonFatalOn", "unknown condition bits %#x", uint32(o.NonFatalOn&^(conditionEnd-1)))
	}
	for _, s := range o.NonFatalStatusCodes {
		if s < 100 || s > 599 {
			return optErr("HedgeOptions.NonFatalStatusCodes", "%d is not an HTTP status", s)
		}
	}
	return nil
}

// Hedge is a hedging policy: send the same request again after Delay if
// the previous attempts have not answered, up to MaxAttempts in flight,
// and take the first answer. It is immutable and safe for concurrent use;
// each call keeps its own HedgeCall.
//
// Every hedge beyond the original should pass Budget.TryRetry first (gRPC
// throttles hedges with the retry throttle); on a denial call
// HedgeCall.Stop.
type Hedge struct {
	nonFatal matcher
	attempts int
	delay    time.Duration
}

// NewHedge validates o and builds the policy.
func NewHedge(o HedgeOptions) (*Hedge, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return &Hedge{
		nonFatal: newMatcher(o.NonFatalOn, o.NonFatalStatusCodes),
		attempts: max(o.MaxAttempts, 1),
		delay:    o.Delay,
	}, nil
}

// Enabled reports whether the policy ever sends more than one attempt.
func (h *Hedge) Enabled() bool { return h.attempts > 1 }

// MaxAttempts is the total number of attempts allowed per call.
func (h *Hedge) MaxAttempts() int { return h.attempts }

// Delay is the wait between attempts.
func (h *Hedge) Delay() time.Duration { return h.delay }

// Start begins a call whose original attempt is sent at now.
func (h *Hedge) Start(now time.Time) HedgeCall {
	return HedgeCall{h: h, sent: 1, outstanding: 1, last: now}
}

// HedgeAction is what the caller does after an attempt answers.
type HedgeAction uint8

// Hedge actions.
const (
	// Commit: return this answer and cancel the other attempts. Any answer
	// not matched by NonFatalOn commits, failures included.
	Commit HedgeAction = iota
	// SendNow: the answer was a non-fatal failure; send the next attempt
	// at once (then call Sent).
	SendNow
	// Wait: the answer was a non-fatal failure and no attempt is left to
	// send; wait for the others still in flight.
	Wait
	// Fail: the answer was a non-fatal failure and was the last one; return
	// it.
	Fail
	// Late: the call had already committed or failed; discard the answer.
	Late
)

var actionNames = [...]string{"commit", "send-now", "wait", "fail", "late"}

func (a HedgeAction) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("HedgeAction(%d)", uint8(a))
}

// HedgeCall is the hedging state of one call. It is a value owned by that
// call and not safe for concurrent use. The caller's loop is:
//
//	c := h.Start(now)                        // original attempt sent
//	for t, ok := c.Next(); ok && !now.Before(t); t, ok = c.Next() {
//		send another attempt; c.Sent(now)
//	}
//	on each answer: switch c.Result(outcome, now) { ... }
type HedgeCall struct {
	h           *Hedge
	sent        int
	outstanding int
	last        time.Time
	stopped     bool
	done        bool
}

// Next reports when the next attempt is due if no answer commits the call
// first: Delay after the last attempt was sent. ok is false when no
// further attempt will be sent (MaxAttempts reached, Stop called, or the
// call has finished).
func (c *HedgeCall) Next() (at time.Time, ok bool) {
	if c.done || c.stopped || c.sent >= c.h.attempts {
		return time.Time{}, false
	}
	return c.last.Add(c.h.delay), true
}

// Sent records that an attempt was sent at now and returns its number
// (the original is 1). Call it only when Next allows an attempt.
func (c *HedgeCall) Sent(now time.Time) int {
	c.sent++
	c.outstanding++
	c.last = now
	return c.sent
}

// Stop prevents further attempts, e.g. when the retry budget denies one
// or the call's deadline leaves no room.
func (c *HedgeCall) Stop() { c.stopped = true }

// Attempts reports how many attempts have been sent.
func (c *HedgeCall) Attempts() int { return c.sent }

// Result records the answer of one attempt at now and says what to do.
func (c *HedgeCall) Result(o Outcome, now time.Time) HedgeAction {
	if c.done {
		return Late
	}
	if c.outstanding > 0 {
		c.outstanding--
	}
	if !c.h.nonFatal.matches(o) {
		c.done = true
		return Commit
	}
	if _, ok := c.Next(); ok {
		return SendNow
	}
	if c.outstanding > 0 {
		return Wait
	}
	c.done = true
	return Fail
}
