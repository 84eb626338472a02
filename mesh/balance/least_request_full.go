package balance

import (
	"sync/atomic"
	"time"
)

// LeastRequestFull scans every endpoint and takes the one with the fewest
// requests in flight per unit of weight. Ties are broken by rotation: each
// Pick starts its scan one endpoint further on and keeps the first minimum,
// so equally loaded endpoints share the traffic in round-robin order
// instead of the first one taking it all (Caddy's least_conn lost its
// spread to a tie rule that depended on input order).
//
// Weights only divide in-flight counts; when every endpoint is idle the
// rotation alone decides, so weights show only under concurrency.
type LeastRequestFull struct {
	eps  atomic.Pointer[[]*Endpoint]
	next atomic.Uint64
}

var _ Balancer = (*LeastRequestFull)(nil)

// NewLeastRequestFull returns a least_request_full balancer.
func NewLeastRequestFull(opts Options) (*LeastRequestFull, error) {
	if _, err := opts.normalize(); err != nil {
		return nil, err
	}
	return &LeastRequestFull{}, nil
}

// Update installs eps.
func (b *LeastRequestFull) Update(eps []*Endpoint, _ time.Time) {
	s := eligible(eps)
	b.eps.Store(&s)
}

// Pick scans for the least loaded endpoint.
func (b *LeastRequestFull) Pick(_ Request, _ time.Time) (*Endpoint, error) {
	p := b.eps.Load()
	if p == nil || len(*p) == 0 {
		return nil, ErrNoEndpoint
	}
	eps := *p
	n := len(eps)
	start := int(b.next.Load() % uint64(n))
	best := start
	bestLoad, bestW := inFlight(eps[start]), weightOf(eps[start])
	for k := 1; k < n; k++ {
		i := start + k
		if i >= n {
			i -= n
		}
		load, w := inFlight(eps[i]), weightOf(eps[i])
		if lessRatio(load, w, bestLoad, bestW) {
			best, bestLoad, bestW = i, load, w
		}
	}
	// Concurrent Picks may start from the same cursor; that only costs
	// them the tie-break spread, never correctness.
	b.next.Store(uint64(best) + 1)
	return acquire(eps[best])
}

// Done releases ep.
func (b *LeastRequestFull) Done(ep *Endpoint, _ Outcome, _ time.Time) { release(ep) }
