package balance

import (
	"sync/atomic"
	"time"
)

// LeastRequest is the power of two choices on in-flight requests (Envoy's
// least_request, grpc-go's leastrequest): draw two candidates, take the one
// with fewer requests in flight, the first drawn on a tie. Two random
// choices avoid the herd a full scan causes when many callers see the same
// least-loaded endpoint, while still never picking the most loaded one.
//
// Candidates are drawn in proportion to weight (distinct when weights are
// equal), so with no concurrency the picks follow the weights.
type LeastRequest struct {
	rng  rng
	snap atomic.Pointer[randomSnapshot]
}

var _ Balancer = (*LeastRequest)(nil)

// NewLeastRequest returns a least_request balancer.
func NewLeastRequest(opts Options) (*LeastRequest, error) {
	o, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	b := &LeastRequest{}
	b.rng.seed = o.Seed
	return b, nil
}

// Update installs eps.
func (b *LeastRequest) Update(eps []*Endpoint, _ time.Time) {
	s := &randomSnapshot{eps: eligible(eps)}
	s.s = newSampler(s.eps)
	b.snap.Store(s)
}

// Pick takes the less loaded of two drawn endpoints.
func (b *LeastRequest) Pick(_ Request, _ time.Time) (*Endpoint, error) {
	s := b.snap.Load()
	if s == nil || len(s.eps) == 0 {
		return nil, ErrNoEndpoint
	}
	i, j := s.s.pair(&b.rng)
	a, c := s.eps[i], s.eps[j]
	if inFlight(c) < inFlight(a) {
		a = c
	}
	return acquire(a)
}

// Done releases ep.
func (b *LeastRequest) Done(ep *Endpoint, _ Outcome, _ time.Time) { release(ep) }
