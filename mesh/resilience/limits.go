package resilience

import (
	"fmt"
	"math"
	"sync/atomic"
)

// Resource is one of the quantities Limits bounds.
type Resource uint8

// Resources, Envoy's circuit-breaker thresholds.
const (
	// Connections open to the upstream cluster.
	Connections Resource = iota
	// PendingRequests waiting for a connection or a worker.
	PendingRequests
	// Requests in flight to the upstream cluster.
	Requests
	// Retries in flight (concurrent retries, not a rate: see Budget).
	Retries
	numResources
)

var resourceNames = [numResources]string{"connections", "pending_requests", "requests", "retries"}

func (r Resource) String() string {
	if r < numResources {
		return resourceNames[r]
	}
	return fmt.Sprintf("Resource(%d)", uint8(r))
}

// Limits defaults, Envoy's.
const (
	DefaultMaxConnections     = 1024
	DefaultMaxPendingRequests = 1024
	DefaultMaxRequests        = 1024
	DefaultMaxActiveRetries   = 3
)

// LimitsOptions configures Limits. For each field 0 means Envoy's default
// and a negative value means unlimited.
type LimitsOptions struct {
	MaxConnections     int64 // default 1024
	MaxPendingRequests int64 // default 1024
	MaxRequests        int64 // default 1024
	MaxRetries         int64 // default 3
}

func (o LimitsOptions) maxima() [numResources]int64 {
	m := [numResources]int64{o.MaxConnections, o.MaxPendingRequests, o.MaxRequests, o.MaxRetries}
	defaults := [numResources]int64{DefaultMaxConnections, DefaultMaxPendingRequests, DefaultMaxRequests, DefaultMaxActiveRetries}
	for i, v := range m {
		switch {
		case v == 0:
			m[i] = defaults[i]
		case v < 0:
			m[i] = math.MaxInt64
		}
	}
	return m
}

// Validate accepts every LimitsOptions: each value is a default, a bound
// or unlimited. It exists so that all Options types read alike.
func (o LimitsOptions) Validate() error { return nil }

// Limits holds Envoy-style circuit-breaker thresholds for one upstream
// cluster: a counter per Resource that Acquire increments only while it is
// below its maximum. A refused Acquire is an overflow (Envoy's
// upstream_cx_overflow, upstream_rq_pending_overflow,
// upstream_rq_overflow, upstream_rq_retry_overflow) and is counted.
//
// Limits uses atomics only: it is safe for concurrent use, never blocks
// and never allocates. It needs no time: the counters are levels, not
// rates.
type Limits struct {
	max       [numResources]int64
	active    [numResources]atomic.Int64
	overflows [numResources]atomic.Uint64
}

// NewLimits builds Limits from o.
func NewLimits(o LimitsOptions) (*Limits, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return &Limits{max: o.maxima()}, nil
}

// Acquire takes one unit of r if fewer than its maximum are active and
// reports whether it did. Every successful Acquire must be paired with one
// Release.
func (l *Limits) Acquire(r Resource) bool {
	a := &l.active[r]
	for {
		cur := a.Load()
		if cur >= l.max[r] {
			l.overflows[r].Add(1)
			return false
		}
		// CAS rather than Add-then-undo: a transient overshoot would make
		// concurrent callers overflow although the limit was never reached.
		if a.CompareAndSwap(cur, cur+1) {
			return true
		}
	}
}

// Release returns one unit of r taken by Acquire.
func (l *Limits) Release(r Resource) {
	if l.active[r].Add(-1) < 0 {
		panic("resilience: Limits.Release of " + r.String() + " without Acquire")
	}
}

// Active reports the units of r currently held.
func (l *Limits) Active(r Resource) int64 { return l.active[r].Load() }

// Max reports the maximum of r (math.MaxInt64 when unlimited).
func (l *Limits) Max(r Resource) int64 { return l.max[r] }

// Remaining reports how many more units of r Acquire would grant now
// (Envoy's remaining_* gauges).
func (l *Limits) Remaining(r Resource) int64 { return max(l.max[r]-l.active[r].Load(), 0) }

// Overflows reports how many Acquire calls for r were refused.
func (l *Limits) Overflows(r Resource) uint64 { return l.overflows[r].Load() }
