package balance

import (
	"sync/atomic"
	"time"
)

// RoundRobin cycles through the endpoints in the order Update gave them,
// ignoring weights (weighted_round_robin honours them). The cursor survives
// Update, so a changing endpoint set does not restart the cycle at the first
// endpoint.
type RoundRobin struct {
	eps  atomic.Pointer[[]*Endpoint]
	next atomic.Uint64
}

var _ Balancer = (*RoundRobin)(nil)

// NewRoundRobin returns a round_robin balancer.
func NewRoundRobin(opts Options) (*RoundRobin, error) {
	if _, err := opts.normalize(); err != nil {
		return nil, err
	}
	return &RoundRobin{}, nil
}

// Update installs eps.
func (b *RoundRobin) Update(eps []*Endpoint, _ time.Time) {
	s := eligible(eps)
	b.eps.Store(&s)
}

// Pick returns the next endpoint in the cycle.
func (b *RoundRobin) Pick(_ Request, _ time.Time) (*Endpoint, error) {
	p := b.eps.Load()
	if p == nil || len(*p) == 0 {
		return nil, ErrNoEndpoint
	}
	eps := *p
	i := (b.next.Add(1) - 1) % uint64(len(eps))
	return acquire(eps[i])
}

// Done releases ep.
func (b *RoundRobin) Done(ep *Endpoint, _ Outcome, _ time.Time) { release(ep) }
