package ratelimit

import "time"

// SlidingWindowCounter approximates a sliding window from two fixed-window
// counts, as Cloudflare describes: with the current window e nanoseconds old,
// the estimate is prev·(Window-e)/Window + cur, and a request of cost n is
// allowed when estimate + n ≤ Limit. It needs two counters per key whatever
// the limit, and assumes requests in the previous window were spread evenly;
// a burst at the end of the previous window is under-counted.
//
// The comparison is done in integers (counts × nanoseconds), so decisions are
// exact for the approximation.
type SlidingWindowCounter struct{ k keyed[scState, scCore] }

// scState is one key's current window and the counts of it and the window
// before.
type scState struct {
	idx       int64
	cur, prev int64
	set       bool
}

type scCore struct {
	limit  int64
	window int64
	anchor int64
	policy string
}

// NewSlidingWindowCounter builds a sliding-window-counter limiter from o
// (Algorithm may be empty).
func NewSlidingWindowCounter(o Options) (*SlidingWindowCounter, error) {
	o, err := o.check(AlgSlidingWindowCounter)
	if err != nil {
		return nil, err
	}
	return &SlidingWindowCounter{k: newKeyed[scState](newSCCore(o), o.MaxKeys)}, nil
}

func newSCCore(o Options) scCore {
	c := scCore{limit: o.Limit, window: int64(o.Window), policy: policyString(o.Limit, o.Window, "")}
	if !o.Anchor.IsZero() {
		c.anchor = o.Anchor.UnixNano()
	}
	return c
}

// Allow counts one request for key at now if the estimate has room.
func (l *SlidingWindowCounter) Allow(key string, now time.Time) Decision {
	return l.k.take(key, now, 1)
}

// AllowN counts a request of cost n; n == 0 reports the state without
// counting. n above Limit is never allowed.
func (l *SlidingWindowCounter) AllowN(key string, now time.Time, n int64) Decision {
	return l.k.take(key, now, max(n, 0))
}

// Stats describes the key store.
func (l *SlidingWindowCounter) Stats() Stats { return l.k.keys.stats() }

// roll moves s to the window holding now and returns how far into it now
// is, in [0, Window].
func (c scCore) roll(s *scState, now int64) int64 {
	idx := floorDiv(now-c.anchor, c.window)
	switch {
	case !s.set || idx > s.idx+1:
		s.idx, s.cur, s.prev, s.set = idx, 0, 0, true
	case idx == s.idx+1:
		s.idx, s.cur, s.prev = idx, 0, s.cur
	}
	// Behind s.idx (time ran backwards) the elapsed time clamps to 0,
	// which weighs the previous window fully: the strict reading.
	return min(max(now-(c.anchor+s.idx*c.window), 0), c.window)
}

func (c scCore) take(s *scState, now, n int64, force bool) Decision {
	e := c.roll(s, now)
	w, lw := c.window, c.limit*c.window
	weighted := s.prev*(w-e) + s.cur*w
	d := Decision{Limit: c.limit, Policy: c.policy}
	switch {
	case n > c.limit && !force:
	case force || weighted+n*w <= lw:
		s.cur += n
		weighted += n * w
		d.Allowed = true
	case s.cur+n <= c.limit:
		// Wait, within this window, for the previous window's weight to
		// fall to (limit-cur-n)·W: the first e' with prev·(W-e') ≤ that.
		r := (c.limit - s.cur - n) * w
		d.RetryAfter = time.Duration(w - r/s.prev - e)
	default:
		// Not before the next window, where this window's count becomes
		// the weighted one: the first e'' with cur·(W-e'') ≤ (limit-n)·W.
		r := (c.limit - n) * w
		d.RetryAfter = time.Duration(w - e + w - r/s.cur)
	}
	d.Remaining = max(0, (lw-weighted)/w)
	switch {
	case s.cur > 0:
		d.Reset = time.Duration(2*w - e)
	case s.prev > 0:
		d.Reset = time.Duration(w - e)
	}
	return d
}

func (c scCore) fresh(s *scState, now int64) bool {
	if !s.set {
		return true
	}
	idx := floorDiv(now-c.anchor, c.window)
	switch {
	case idx > s.idx+1:
		return true
	case idx == s.idx+1:
		return s.cur == 0
	}
	return s.cur == 0 && s.prev == 0
}

func (scCore) clone(dst, src *scState) { *dst = *src }
