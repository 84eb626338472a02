package ratelimit

import "time"

// Quota is a fixed window over a long period: 10 000 requests a day, or per
// calendar month. Its windows start at Anchor + k·Window, or with Calendar
// set at midnight (on the 1st, for months) in Anchor's location, so a quota
// can reset at a customer's local midnight. RateLimit-Reset then tells the
// client when its quota returns, hours or days ahead.
//
// A quota is what a tier sells ("free: 1 000/day"); pair it with a short
// token bucket on the same key to also smooth bursts within the day.
type Quota struct{ k keyed[fwState, fwCore] }

// NewQuota builds a quota from o (Algorithm may be empty): Limit per Window,
// or Limit per Calendar period.
func NewQuota(o Options) (*Quota, error) {
	o, err := o.check(AlgQuota)
	if err != nil {
		return nil, err
	}
	return &Quota{k: newKeyed[fwState](newFWCore(o), o.MaxKeys)}, nil
}

// Allow counts one request against key's quota at now.
func (l *Quota) Allow(key string, now time.Time) Decision { return l.k.take(key, now, 1) }

// AllowN counts a request of cost n; n == 0 reports the state without
// counting. n above Limit is never allowed.
func (l *Quota) AllowN(key string, now time.Time, n int64) Decision {
	return l.k.take(key, now, max(n, 0))
}

// Stats describes the key store.
func (l *Quota) Stats() Stats { return l.k.keys.stats() }
