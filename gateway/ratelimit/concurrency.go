package ratelimit

import "time"

// Concurrency limits the requests of a key in flight at once to Limit:
// Allow acquires a slot and Release gives it back when the request ends
// (Envoy's max_requests circuit breaker per key, Kong's and Traefik's
// in-flight limits). It counts no time, so its decisions carry no Reset and
// no RetryAfter, and its Policy is empty (the RateLimit draft describes
// quotas over time, not concurrency).
//
// A key with nothing in flight is dropped at once, so the store holds only
// keys with requests running. If the store is full anyway, the least recently
// used key is evicted and its later Release calls are ignored: that key is
// briefly under-counted rather than stuck.
type Concurrency struct{ k keyed[ccState, ccCore] }

type ccState struct{ inflight int64 }

type ccCore struct{ limit int64 }

// NewConcurrency builds an in-flight limiter from o (Algorithm may be
// empty); Limit is the most requests in flight per key.
func NewConcurrency(o Options) (*Concurrency, error) {
	o, err := o.check(AlgConcurrency)
	if err != nil {
		return nil, err
	}
	return &Concurrency{k: newKeyed[ccState](ccCore{limit: o.Limit}, o.MaxKeys)}, nil
}

// Allow acquires one in-flight slot for key. Every allowed call must be
// matched by one Release when the request ends.
func (l *Concurrency) Allow(key string, now time.Time) Decision { return l.k.take(key, now, 1) }

// InFlight reports key's requests in flight.
func (l *Concurrency) InFlight(key string) int64 {
	sh, _ := l.k.keys.shardOf(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if e := sh.m[key]; e != nil {
		return e.s.inflight
	}
	return 0
}

// Release gives back a slot acquired by an allowed Allow. now is part of the
// explicit-time contract; releasing frees the slot whatever the time.
func (l *Concurrency) Release(key string, now time.Time) {
	_ = now
	sh, _ := l.k.keys.shardOf(key)
	sh.mu.Lock()
	if e := sh.m[key]; e != nil {
		e.s.inflight--
		if e.s.inflight <= 0 {
			sh.remove(e)
		}
	}
	sh.mu.Unlock()
}

// Stats describes the key store.
func (l *Concurrency) Stats() Stats { return l.k.keys.stats() }

func (c ccCore) take(s *ccState, _ int64, n int64, force bool) Decision {
	d := Decision{Limit: c.limit}
	if force || s.inflight+n <= c.limit {
		s.inflight += n
		d.Allowed = true
	}
	d.Remaining = max(0, c.limit-s.inflight)
	return d
}

func (ccCore) fresh(s *ccState, _ int64) bool { return s.inflight <= 0 }

func (ccCore) clone(dst, src *ccState) { *dst = *src }
