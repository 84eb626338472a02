package resilience

import "time"

// DefaultTimeout is Envoy's default route timeout.
const DefaultTimeout = 15 * time.Second

// TimeoutOptions configures Timeouts. The zero value is a 15s call timeout
// and no per-try timeout (Envoy's route defaults).
type TimeoutOptions struct {
	// Timeout bounds the whole call, retries and backoffs included; 0
	// means 15s, negative means no call timeout.
	Timeout time.Duration
	// PerTryTimeout bounds each attempt; 0 means none (each attempt is
	// bounded by the call's deadline only).
	PerTryTimeout time.Duration
}

// Validate reports the first invalid field of o.
func (o TimeoutOptions) Validate() error {
	if o.PerTryTimeout < 0 {
		return optErr("TimeoutOptions.PerTryTimeout", "negative (%v)", o.PerTryTimeout)
	}
	return nil
}

// Timeouts computes call and per-try deadlines. It is an immutable value,
// safe for concurrent use. The zero Time stands for "no deadline"
// throughout, as in context.Context's Deadline.
type Timeouts struct {
	call, perTry time.Duration // 0: none
}

// NewTimeouts validates o and applies its defaults.
func NewTimeouts(o TimeoutOptions) (Timeouts, error) {
	if err := o.Validate(); err != nil {
		return Timeouts{}, err
	}
	t := Timeouts{call: o.Timeout, perTry: o.PerTryTimeout}
	switch {
	case o.Timeout == 0:
		t.call = DefaultTimeout
	case o.Timeout < 0:
		t.call = 0
	}
	return t, nil
}

// Timeout is the call timeout (0 for none).
func (t Timeouts) Timeout() time.Duration { return t.call }

// PerTryTimeout is the per-try timeout (0 for none).
func (t Timeouts) PerTryTimeout() time.Duration { return t.perTry }

// Deadline is the deadline of a call started at start: the earlier of
// start+Timeout and parent, the deadline the caller itself must meet (the
// incoming request's, zero for none).
func (t Timeouts) Deadline(start, parent time.Time) time.Time {
	if t.call == 0 {
		return parent
	}
	return earliest(start.Add(t.call), parent)
}

// TryDeadline is the deadline of an attempt starting at now in a call with
// the given deadline (zero for none): the earlier of now+PerTryTimeout and
// deadline. ok is false when the deadline is not after now, so that no
// attempt (and no retry after a backoff ending at now) should start.
func (t Timeouts) TryDeadline(deadline, now time.Time) (time.Time, bool) {
	if !deadline.IsZero() && !deadline.After(now) {
		return time.Time{}, false
	}
	if t.perTry == 0 {
		return deadline, true
	}
	return earliest(now.Add(t.perTry), deadline), true
}

// earliest returns the earlier of a and b, where zero means never.
func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}
