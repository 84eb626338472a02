package balance

import (
	"sync/atomic"
	"time"
)

// Random picks an endpoint at random in proportion to its weight, from the
// seeded stream. It keeps no per-endpoint state, which makes it the
// baseline the informed policies are measured against.
type Random struct {
	rng  rng
	snap atomic.Pointer[randomSnapshot]
}

type randomSnapshot struct {
	eps []*Endpoint
	s   sampler
}

var _ Balancer = (*Random)(nil)

// NewRandom returns a random balancer.
func NewRandom(opts Options) (*Random, error) {
	o, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	b := &Random{}
	b.rng.seed = o.Seed
	return b, nil
}

// Update installs eps.
func (b *Random) Update(eps []*Endpoint, _ time.Time) {
	s := &randomSnapshot{eps: eligible(eps)}
	s.s = newSampler(s.eps)
	b.snap.Store(s)
}

// Pick draws an endpoint.
func (b *Random) Pick(_ Request, _ time.Time) (*Endpoint, error) {
	s := b.snap.Load()
	if s == nil || len(s.eps) == 0 {
		return nil, ErrNoEndpoint
	}
	return acquire(s.eps[s.s.draw(b.rng.next())])
}

// Done releases ep.
func (b *Random) Done(ep *Endpoint, _ Outcome, _ time.Time) { release(ep) }
