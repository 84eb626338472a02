package ratelimit

import (
	"fmt"
	"sync/atomic"
	"time"
)

// Mode says how gateway replicas share a limit.
type Mode string

// Modes.
const (
	// ModeLocal gives each replica its own limiter, as Envoy's local rate
	// limit and Kong's "local" policy do: cheap and independent, but the
	// limit a client sees multiplies with the replica count.
	ModeLocal Mode = "local"
	// ModeShared counts in one store all replicas talk to (Kong's
	// "cluster"/"redis" policies, Envoy's global rate limit service),
	// which they see with a lag: see ClusterOptions.SyncDelay.
	ModeShared Mode = "shared"
)

// ClusterOptions describe the gateway replicas a limit runs on.
type ClusterOptions struct {
	// Mode is local (the default) or shared.
	Mode Mode `json:"mode,omitempty" yaml:"mode,omitempty"`
	// Replicas is the number of gateway replicas; 0 means 1.
	Replicas int `json:"replicas,omitempty" yaml:"replicas,omitempty"`
	// SyncDelay is, in shared mode, how late a replica learns of the
	// others' consumption: a request allowed by one replica at t counts
	// for the others from t+SyncDelay on, while the replica's own
	// consumption counts for itself at once. It stands for the push
	// latency plus read staleness of a real store; a periodic sync such as
	// Kong's sync_rate averages about half its period plus a round trip.
	SyncDelay time.Duration `json:"sync_delay,omitempty" yaml:"sync_delay,omitempty"`
	// FailOpen, in shared mode, allows every request while the store is
	// unreachable (Kong's fault_tolerant); false denies them all (Envoy's
	// failure_mode_deny).
	FailOpen bool `json:"fail_open,omitempty" yaml:"fail_open,omitempty"`
}

// Validate reports the first wrong field as a *FieldError.
func (o ClusterOptions) Validate() error {
	switch o.Mode {
	case "", ModeLocal:
		if o.SyncDelay != 0 {
			return fieldErr("sync_delay", "only shared mode has a store to sync")
		}
		if o.FailOpen {
			return fieldErr("fail_open", "only shared mode has a store to fail")
		}
	case ModeShared:
		if o.SyncDelay < 0 {
			return fieldErr("sync_delay", "must not be negative")
		}
	default:
		return fieldErr("mode", fmt.Sprintf("unknown mode %q (want local or shared)", o.Mode))
	}
	if o.Replicas < 0 {
		return fieldErr("replicas", "must not be negative")
	}
	return nil
}

// Cluster is one limit across the gateway replicas. Every call names the
// replica making it, 0 ≤ replica < Replicas(); the engine routes each
// request to a replica and passes its index.
type Cluster struct {
	local  []Limiter
	shared sharedModel
	// reachable is flipped by the engine's fault timeline.
	reachable atomic.Bool
	failOpen  bool
	// desc is a peek at a fresh key: the limit's Limit and Policy.
	desc Decision
	// onFail is the decision while the store is unreachable.
	onFail Decision
}

// NewCluster builds limit o over the replicas co describes. Concurrency
// limits count requests in flight in one process and cannot be shared.
func NewCluster(o Options, co ClusterOptions) (*Cluster, error) {
	if err := co.Validate(); err != nil {
		return nil, err
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	n := max(co.Replicas, 1)
	c := &Cluster{failOpen: co.FailOpen, desc: describe(o)}
	c.reachable.Store(true)
	if co.Mode != ModeShared {
		for range n {
			l, err := New(o)
			if err != nil {
				return nil, err
			}
			c.local = append(c.local, l)
		}
		return c, nil
	}
	o = o.withDefaults()
	delay := int64(co.SyncDelay)
	switch o.Algorithm {
	case AlgTokenBucket:
		c.shared = newShared[tbState](newTBCore(o), o.MaxKeys, delay)
	case AlgGCRA:
		c.shared = newShared[gcraState](newGCRACore(o), o.MaxKeys, delay)
	case AlgFixedWindow, AlgQuota:
		c.shared = newShared[fwState](newFWCore(o), o.MaxKeys, delay)
	case AlgSlidingLog:
		c.shared = newShared[slState](newSLCore(o), o.MaxKeys, delay)
	case AlgSlidingWindowCounter:
		c.shared = newShared[scState](newSCCore(o), o.MaxKeys, delay)
	default:
		return nil, fieldErr("algorithm", "concurrency is per replica and cannot be shared")
	}
	c.shared.setReplicas(n)
	c.onFail = c.desc
	if !c.failOpen {
		c.onFail.Allowed, c.onFail.Remaining = false, 0
	}
	return c, nil
}

// Replicas reports the replica count.
func (c *Cluster) Replicas() int {
	if c.shared != nil {
		return c.shared.replicas()
	}
	return len(c.local)
}

// Allow decides one request for key arriving at replica at now.
func (c *Cluster) Allow(replica int, key string, now time.Time) Decision {
	if c.shared == nil {
		return c.local[replica].Allow(key, now)
	}
	if !c.reachable.Load() {
		return c.onFail
	}
	return c.shared.allow(replica, key, now.UnixNano())
}

// Release ends a request allowed by a concurrency limit on replica; for
// other algorithms it does nothing.
func (c *Cluster) Release(replica int, key string, now time.Time) {
	if c.shared != nil {
		return
	}
	if cc, ok := c.local[replica].(*Concurrency); ok {
		cc.Release(key, now)
	}
}

// SetStoreReachable marks the shared store up or down (a fault). While it
// is down, shared-mode decisions follow FailOpen and nothing is counted:
// replicas cannot reach the store to count. Local mode ignores it.
func (c *Cluster) SetStoreReachable(ok bool) { c.reachable.Store(ok) }

// StoreReachable reports the store's state as last set.
func (c *Cluster) StoreReachable() bool { return c.reachable.Load() }

// Stats sums the key stores of every replica (or the shared store).
func (c *Cluster) Stats() Stats {
	if c.shared != nil {
		return c.shared.stats()
	}
	var s Stats
	for _, l := range c.local {
		if st, ok := l.(interface{ Stats() Stats }); ok {
			ls := st.Stats()
			s.Keys += ls.Keys
			s.Evicted += ls.Evicted
		}
	}
	return s
}

// Replica returns the Limiter face of one replica.
func (c *Cluster) Replica(i int) Limiter {
	if i < 0 || i >= c.Replicas() {
		panic(fmt.Sprintf("ratelimit: replica %d of %d", i, c.Replicas()))
	}
	return replicaLimiter{c: c, i: i}
}

type replicaLimiter struct {
	c *Cluster
	i int
}

func (r replicaLimiter) Allow(key string, now time.Time) Decision {
	return r.c.Allow(r.i, key, now)
}

// sharedModel hides the algorithm's state type from Cluster.
type sharedModel interface {
	allow(replica int, key string, now int64) Decision
	setReplicas(n int)
	replicas() int
	stats() Stats
}

// event is one allowed request, kept until every replica has seen it.
type event struct {
	at, n   int64
	replica int
}

// sharedState is one key in the store: the state every replica agrees on
// (all consumption at least SyncDelay old) and the consumption still in
// flight to the store, in the order it was allowed.
type sharedState[S any] struct {
	settled S
	pending []event
}

// shared models the store and its lag. A replica's view of a key is the
// settled state plus its own pending consumption, replayed in time order, so
// every algorithm runs unchanged on it: no goroutine delivers anything, the
// lag is applied by comparing times.
type shared[S any, C core[S]] struct {
	c       C
	keys    store[sharedState[S]]
	scratch []S // one view per shard, used under the shard's lock
	delay   int64
	n       int
}

func newShared[S any, C core[S]](c C, maxKeys int, delay int64) *shared[S, C] {
	m := &shared[S, C]{c: c, keys: newStore[sharedState[S]](maxKeys), delay: delay}
	m.scratch = make([]S, len(m.keys.shards))
	return m
}

func (m *shared[S, C]) setReplicas(n int) { m.n = n }
func (m *shared[S, C]) replicas() int     { return m.n }
func (m *shared[S, C]) stats() Stats      { return m.keys.stats() }

// fresh: a key may be dropped once nothing is in flight and its settled
// state is back to zero.
func (m *shared[S, C]) fresh(s *sharedState[S], now int64) bool {
	return len(s.pending) == 0 && m.c.fresh(&s.settled, now)
}

func (m *shared[S, C]) allow(replica int, key string, now int64) Decision {
	if replica < 0 || replica >= m.n {
		panic(fmt.Sprintf("ratelimit: replica %d of %d", replica, m.n))
	}
	sh, i := m.keys.shardOf(key)
	sh.mu.Lock()
	e := sh.get(key)
	if e == nil {
		e = insert(sh, m, key, now)
	}
	st := &e.s
	// Consumption at least SyncDelay old has reached everyone: fold it
	// into the settled state, oldest first.
	cut := now - m.delay
	k := 0
	for k < len(st.pending) && st.pending[k].at <= cut {
		m.c.take(&st.settled, st.pending[k].at, st.pending[k].n, true)
		k++
	}
	if k > 0 {
		st.pending = st.pending[:copy(st.pending, st.pending[k:])]
	}
	// This replica's view: settled plus its own newer consumption.
	v := &m.scratch[i]
	m.c.clone(v, &st.settled)
	for _, ev := range st.pending {
		if ev.replica == replica {
			m.c.take(v, ev.at, ev.n, true)
		}
	}
	d := m.c.take(v, now, 1, false)
	if d.Allowed {
		st.pending = append(st.pending, event{at: now, n: 1, replica: replica})
	}
	sh.mu.Unlock()
	return d
}

// Describe reports the limit without consuming anything: a peek at a fresh
// key, carrying Limit and Policy.
func (c *Cluster) Describe() Decision { return c.desc }

// describe peeks at a fresh key of the limit o describes (o is valid).
func describe(o Options) Decision {
	o = o.withDefaults()
	switch o.Algorithm {
	case AlgTokenBucket:
		return peekFresh[tbState](newTBCore(o))
	case AlgGCRA:
		return peekFresh[gcraState](newGCRACore(o))
	case AlgFixedWindow, AlgQuota:
		return peekFresh[fwState](newFWCore(o))
	case AlgSlidingLog:
		return peekFresh[slState](newSLCore(o))
	case AlgSlidingWindowCounter:
		return peekFresh[scState](newSCCore(o))
	default:
		return peekFresh[ccState](ccCore{limit: o.Limit})
	}
}

func peekFresh[S any, C core[S]](c C) Decision {
	var s S
	return c.take(&s, 0, 0, false)
}
