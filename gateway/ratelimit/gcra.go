package ratelimit

import (
	"strconv"
	"time"
)

// GCRA is the generic cell rate algorithm as redis-cell and Brandur's
// throttled implement it: each key stores only its theoretical arrival time
// (TAT), the time at which the bucket would be full again. A request of cost
// n moves TAT to max(TAT, now) + n·T, where T = Window/Limit is the emission
// interval, and is allowed if the new TAT is at most Burst·T ahead of now.
//
// While time moves forward it makes exactly the decisions of a TokenBucket
// with the same Limit, Window and Burst (the tests hold it to that); what it
// adds is a state of one timestamp, which a shared store can update with a
// single compare-and-set. They differ when time runs backwards (calls racing
// to a lock): the bucket freezes its refill, while the GCRA measures its TAT
// from the earlier now and is slightly stricter. redis-cell's max_burst is
// Burst-1.
type GCRA struct{ k keyed[gcraState, gcraCore] }

// gcraState is one key's theoretical arrival time, tat + frac/Limit
// nanoseconds, exact even when T is not a whole number of nanoseconds
// (1s/3).
type gcraState struct {
	tat  int64
	frac int64 // in [0, Limit)
	set  bool
}

type gcraCore struct {
	limit  int64 // L: requests per window
	window int64 // W: nanoseconds
	burst  int64
	tau    int64 // Burst·T in units of 1/L ns: Burst·W
	policy string
}

// NewGCRA builds a GCRA limiter from o (Algorithm may be empty).
func NewGCRA(o Options) (*GCRA, error) {
	o, err := o.check(AlgGCRA)
	if err != nil {
		return nil, err
	}
	return &GCRA{k: newKeyed[gcraState](newGCRACore(o), o.MaxKeys)}, nil
}

func newGCRACore(o Options) gcraCore {
	return gcraCore{
		limit:  o.Limit,
		window: int64(o.Window),
		burst:  o.Burst,
		tau:    o.Burst * int64(o.Window),
		policy: policyString(o.Limit, o.Window, ";burst="+strconv.FormatInt(o.Burst, 10)),
	}
}

// Allow decides one request for key at now.
func (l *GCRA) Allow(key string, now time.Time) Decision { return l.k.take(key, now, 1) }

// AllowN decides a request of cost n; n == 0 reports the state without
// consuming. n above Burst is never allowed.
func (l *GCRA) AllowN(key string, now time.Time, n int64) Decision {
	return l.k.take(key, now, max(n, 0))
}

// Stats describes the key store.
func (l *GCRA) Stats() Stats { return l.k.keys.stats() }

// ahead is how far the TAT (tat, frac) lies after now, in units of 1/L ns;
// never negative.
func (c gcraCore) ahead(tat, frac, now int64) int64 {
	if tat < now || (tat == now && frac == 0) {
		return 0
	}
	return (tat-now)*c.limit + frac
}

func (c gcraCore) take(s *gcraState, now, n int64, force bool) Decision {
	d := Decision{Limit: c.burst, Policy: c.policy}
	// base = max(TAT, now)
	tat, frac := now, int64(0)
	if s.set && c.ahead(s.tat, s.frac, now) > 0 {
		tat, frac = s.tat, s.frac
	}
	if n > c.burst && !force {
		used := c.ahead(tat, frac, now)
		d.Remaining = max(0, (c.tau-used)/c.window)
		d.Reset = time.Duration(ceilDiv(used, c.limit))
		return d
	}
	// new TAT = base + n·T, carrying the fraction.
	inc := n * c.window
	nt, nf := tat+inc/c.limit, frac+inc%c.limit
	if nf >= c.limit {
		nt, nf = nt+1, nf-c.limit
	}
	ahead := c.ahead(nt, nf, now)
	if force || ahead <= c.tau {
		if n > 0 {
			// A peek stores nothing: it must not drag the TAT to now.
			s.tat, s.frac, s.set = nt, nf, true
		}
		d.Allowed = true
		d.Remaining = max(0, (c.tau-ahead)/c.window)
		d.Reset = time.Duration(ceilDiv(ahead, c.limit))
		return d
	}
	d.RetryAfter = time.Duration(ceilDiv(ahead-c.tau, c.limit))
	used := c.ahead(tat, frac, now)
	d.Remaining = max(0, (c.tau-used)/c.window)
	d.Reset = time.Duration(ceilDiv(used, c.limit))
	return d
}

func (c gcraCore) fresh(s *gcraState, now int64) bool {
	return !s.set || c.ahead(s.tat, s.frac, now) == 0
}

func (gcraCore) clone(dst, src *gcraState) { *dst = *src }
