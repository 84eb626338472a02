package ratelimit

import "time"

// SlidingLog keeps the time of every allowed request in the last Window and
// allows a request when fewer than Limit are logged: the exact sliding
// window, with no boundary burst, at 8 bytes per allowed request per key.
// The window is (now-Window, now]: a request logged at t stops counting at
// exactly t+Window. Denied requests are not logged.
type SlidingLog struct{ k keyed[slState, slCore] }

// slState is one key's log: ts[head:] ascending.
type slState struct {
	ts   []int64
	head int
}

type slCore struct {
	limit  int64
	window int64
	policy string
}

// NewSlidingLog builds a sliding-log limiter from o (Algorithm may be
// empty).
func NewSlidingLog(o Options) (*SlidingLog, error) {
	o, err := o.check(AlgSlidingLog)
	if err != nil {
		return nil, err
	}
	return &SlidingLog{k: newKeyed[slState](newSLCore(o), o.MaxKeys)}, nil
}

func newSLCore(o Options) slCore {
	return slCore{limit: o.Limit, window: int64(o.Window), policy: policyString(o.Limit, o.Window, "")}
}

// Allow logs one request for key at now if the window has room.
func (l *SlidingLog) Allow(key string, now time.Time) Decision { return l.k.take(key, now, 1) }

// AllowN logs a request of cost n (n entries); n == 0 reports the state
// without logging. n above Limit is never allowed.
func (l *SlidingLog) AllowN(key string, now time.Time, n int64) Decision {
	return l.k.take(key, now, max(n, 0))
}

// Stats describes the key store.
func (l *SlidingLog) Stats() Stats { return l.k.keys.stats() }

// expire drops entries that left the window at now.
func (c slCore) expire(s *slState, now int64) {
	for s.head < len(s.ts) && s.ts[s.head] <= now-c.window {
		s.head++
	}
	if s.head == len(s.ts) {
		s.ts, s.head = s.ts[:0], 0
	}
}

func (c slCore) take(s *slState, now, n int64, force bool) Decision {
	c.expire(s, now)
	count := int64(len(s.ts) - s.head)
	d := Decision{Limit: c.limit, Policy: c.policy}
	switch {
	case force || count+n <= c.limit:
		at := now
		if count > 0 && s.ts[len(s.ts)-1] > at {
			// Keep the log sorted when time runs backwards.
			at = s.ts[len(s.ts)-1]
		}
		if s.head > 0 && len(s.ts)+int(n) > cap(s.ts) {
			// Compact before append would grow the buffer.
			s.ts = s.ts[:copy(s.ts, s.ts[s.head:])]
			s.head = 0
		}
		for range n {
			s.ts = append(s.ts, at)
		}
		count += n
		d.Allowed = true
	case n <= c.limit:
		// The request fits once the (count+n-limit)-th oldest entry leaves.
		oldest := s.ts[s.head+int(count+n-c.limit)-1]
		d.RetryAfter = time.Duration(max(1, oldest+c.window-now))
	}
	d.Remaining = max(0, c.limit-count)
	if count > 0 {
		d.Reset = time.Duration(max(0, s.ts[len(s.ts)-1]+c.window-now))
	}
	return d
}

func (c slCore) fresh(s *slState, now int64) bool {
	return len(s.ts) == s.head || s.ts[len(s.ts)-1] <= now-c.window
}

func (slCore) clone(dst, src *slState) {
	dst.ts = append(dst.ts[:0], src.ts[src.head:]...)
	dst.head = 0
}
