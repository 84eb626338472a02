package ratelimit

import "time"

// FixedWindow counts requests in consecutive windows of Window starting at
// Anchor (by default on clock boundaries, as Kong's rate-limiting plugin and
// Envoy's global rate limit service count). It is the cheapest algorithm and
// the one a shared counter store implements with one INCR, at the price of
// letting up to 2·Limit through across a window boundary.
type FixedWindow struct{ k keyed[fwState, fwCore] }

// fwState is one key's current window and its count.
type fwState struct {
	// idx identifies the window: its number since Anchor, or for calendar
	// quotas its start in Unix nanoseconds.
	idx   int64
	count int64
	set   bool
}

// fwCore serves both FixedWindow and Quota: the two differ only in how a
// window is found.
type fwCore struct {
	limit  int64
	window int64 // nanoseconds; 0 for a calendar quota
	anchor int64 // Unix nanoseconds
	cal    Calendar
	loc    *time.Location
	policy string
}

// NewFixedWindow builds a fixed-window limiter from o (Algorithm may be
// empty).
func NewFixedWindow(o Options) (*FixedWindow, error) {
	o, err := o.check(AlgFixedWindow)
	if err != nil {
		return nil, err
	}
	return &FixedWindow{k: newKeyed[fwState](newFWCore(o), o.MaxKeys)}, nil
}

func newFWCore(o Options) fwCore {
	c := fwCore{limit: o.Limit, window: int64(o.Window), cal: o.Calendar, loc: time.UTC}
	if !o.Anchor.IsZero() {
		c.anchor = o.Anchor.UnixNano()
		c.loc = o.Anchor.Location()
	}
	switch c.cal {
	case CalendarDay:
		c.policy = policyString(o.Limit, 24*time.Hour, "")
	case CalendarMonth:
		// The draft's w is a fixed number of seconds; a month is advertised
		// as 30 days and RateLimit-Reset carries the exact end.
		c.policy = policyString(o.Limit, 30*24*time.Hour, "")
	default:
		c.policy = policyString(o.Limit, o.Window, "")
	}
	return c
}

// Allow counts one request for key at now.
func (l *FixedWindow) Allow(key string, now time.Time) Decision { return l.k.take(key, now, 1) }

// AllowN counts a request of cost n; n == 0 reports the state without
// counting. n above Limit is never allowed.
func (l *FixedWindow) AllowN(key string, now time.Time, n int64) Decision {
	return l.k.take(key, now, max(n, 0))
}

// Stats describes the key store.
func (l *FixedWindow) Stats() Stats { return l.k.keys.stats() }

// windowOf returns the window holding now: its id and its end.
func (c fwCore) windowOf(now int64) (idx, end int64) {
	if c.cal == "" {
		idx = floorDiv(now-c.anchor, c.window)
		return idx, c.anchor + (idx+1)*c.window
	}
	t := time.Unix(0, now).In(c.loc)
	y, m, d := t.Date()
	var start, next time.Time
	if c.cal == CalendarMonth {
		start = time.Date(y, m, 1, 0, 0, 0, 0, c.loc)
		next = time.Date(y, m+1, 1, 0, 0, 0, 0, c.loc)
	} else {
		start = time.Date(y, m, d, 0, 0, 0, 0, c.loc)
		next = time.Date(y, m, d+1, 0, 0, 0, 0, c.loc)
	}
	return start.UnixNano(), next.UnixNano()
}

// endOf is the end of window idx.
func (c fwCore) endOf(idx int64) int64 {
	if c.cal == "" {
		return c.anchor + (idx+1)*c.window
	}
	_, end := c.windowOf(idx)
	return end
}

func (c fwCore) take(s *fwState, now, n int64, force bool) Decision {
	idx, end := c.windowOf(now)
	switch {
	case !s.set || idx > s.idx:
		s.idx, s.count, s.set = idx, 0, true
	case idx < s.idx:
		// Time ran backwards across a boundary: count in the newer window
		// rather than reopen an older one.
		end = c.endOf(s.idx)
	}
	d := Decision{Limit: c.limit, Policy: c.policy}
	switch {
	case force || s.count+n <= c.limit:
		s.count += n
		d.Allowed = true
	case n <= c.limit:
		d.RetryAfter = time.Duration(end - now)
	}
	d.Remaining = max(0, c.limit-s.count)
	if s.count > 0 {
		d.Reset = time.Duration(end - now)
	}
	return d
}

func (c fwCore) fresh(s *fwState, now int64) bool {
	if !s.set || s.count == 0 {
		return true
	}
	idx, _ := c.windowOf(now)
	return idx > s.idx
}

func (fwCore) clone(dst, src *fwState) { *dst = *src }
