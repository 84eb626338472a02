package ratelimit

import (
	"strconv"
	"time"
)

// TokenBucket is the classic token bucket: Limit tokens per Window flow
// continuously into a bucket holding at most Burst, and each request takes
// one (golang.org/x/time/rate, Envoy's local rate limit, Traefik's
// average/burst). A full bucket lets Burst requests through at once; after
// that the long-run rate is Limit per Window.
//
// Tokens are counted exactly in integer units of 1/Window of a token per
// nanosecond of refill, so 100/s with burst 20 offered 300/s for 10 s allows
// exactly 20 + 1000 requests, never 1019 from float drift.
type TokenBucket struct{ k keyed[tbState, tbCore] }

// tbState is one key's bucket. Its zero value is a full bucket.
type tbState struct {
	// used is the part of the bucket that is empty, in units where one
	// token is Window units and refill adds Limit units per nanosecond.
	used int64
	// last is when used was last brought up to date.
	last int64
}

type tbCore struct {
	unit     int64 // units per token: Window in nanoseconds
	rate     int64 // units refilled per nanosecond: Limit
	burst    int64
	capacity int64 // burst·unit
	policy   string
}

// NewTokenBucket builds a token bucket from o (Algorithm may be empty).
func NewTokenBucket(o Options) (*TokenBucket, error) {
	o, err := o.check(AlgTokenBucket)
	if err != nil {
		return nil, err
	}
	return &TokenBucket{k: newKeyed[tbState](newTBCore(o), o.MaxKeys)}, nil
}

func newTBCore(o Options) tbCore {
	return tbCore{
		unit:     int64(o.Window),
		rate:     o.Limit,
		burst:    o.Burst,
		capacity: o.Burst * int64(o.Window),
		policy:   policyString(o.Limit, o.Window, ";burst="+strconv.FormatInt(o.Burst, 10)),
	}
}

// Allow takes one token for key at now.
func (l *TokenBucket) Allow(key string, now time.Time) Decision { return l.k.take(key, now, 1) }

// AllowN takes n tokens at once, or none; n == 0 reports the state without
// taking anything. n above Burst is never allowed.
func (l *TokenBucket) AllowN(key string, now time.Time, n int64) Decision {
	return l.k.take(key, now, max(n, 0))
}

// Stats describes the key store.
func (l *TokenBucket) Stats() Stats { return l.k.keys.stats() }

// refill brings s up to now. Time that runs backwards refills nothing and
// does not move last back, so a late caller cannot mint tokens.
func (c tbCore) refill(s *tbState, now int64) {
	if s.used <= 0 {
		// A full bucket has no history worth keeping.
		s.used, s.last = 0, now
		return
	}
	if now <= s.last {
		return
	}
	// Compare before multiplying: elapsed·rate may overflow, but only the
	// part up to used matters.
	if el := now - s.last; el >= ceilDiv(s.used, c.rate) {
		s.used = 0
	} else {
		s.used -= el * c.rate
	}
	s.last = now
}

func (c tbCore) take(s *tbState, now, n int64, force bool) Decision {
	c.refill(s, now)
	d := Decision{Limit: c.burst, Policy: c.policy}
	if n > c.burst && !force {
		d.Remaining = max(0, (c.capacity-s.used)/c.unit)
		d.Reset = time.Duration(ceilDiv(s.used, c.rate))
		return d
	}
	cost := n * c.unit
	if force || s.used+cost <= c.capacity {
		s.used += cost
		d.Allowed = true
	} else {
		d.RetryAfter = time.Duration(ceilDiv(s.used+cost-c.capacity, c.rate))
	}
	d.Remaining = max(0, (c.capacity-s.used)/c.unit)
	d.Reset = time.Duration(ceilDiv(s.used, c.rate))
	return d
}

func (c tbCore) fresh(s *tbState, now int64) bool {
	return s.used <= 0 || now-s.last >= ceilDiv(s.used, c.rate)
}

func (tbCore) clone(dst, src *tbState) { *dst = *src }
