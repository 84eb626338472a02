package balance

import (
	"sync/atomic"
	"time"
)

// Maglev is Google's Maglev consistent hashing, as in Envoy: a lookup table
// of prime size M where each endpoint fills slots in its own permutation
// order (offset + j·skip mod M, both from its ID), taking turns so every
// endpoint gets M/N slots to within one (or in proportion to weight: on
// each turn an endpoint takes a slot only while its share is behind).
// Lookup is one table read. Removing an endpoint moves its keys and, unlike
// a ring, a few others (the Maglev paper measures about 1% for M ≫ N); the
// table spreads keys far more evenly than a ring of the same memory.
// Requests without a hash get a weighted random endpoint.
type Maglev struct {
	rng  rng
	size int
	snap atomic.Pointer[maglevSnapshot]
}

type maglevSnapshot struct {
	eps   []*Endpoint
	table []int32
	s     sampler
}

var _ Balancer = (*Maglev)(nil)

// NewMaglev returns a maglev balancer.
func NewMaglev(opts Options) (*Maglev, error) {
	o, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	b := &Maglev{size: o.MaglevTableSize}
	b.rng.seed = o.Seed
	return b, nil
}

// Update builds the lookup table for eps.
func (b *Maglev) Update(eps []*Endpoint, _ time.Time) {
	s := &maglevSnapshot{eps: sortedByID(eligible(eps))}
	s.s = newSampler(s.eps)
	s.table = maglevTable(s.eps, uint64(b.size))
	b.snap.Store(s)
}

func maglevTable(eps []*Endpoint, m uint64) []int32 {
	if len(eps) == 0 {
		return nil
	}
	// pos walks the endpoint's permutation offset + j·skip (mod m)
	// incrementally, saving a division per probe.
	type build struct {
		pos, skip      uint64
		weight, target uint64
	}
	bs := make([]build, len(eps))
	var maxW uint64
	for i, ep := range eps {
		h := fnv64a(ep.ID)
		bs[i] = build{
			pos:    mix64(h) % m,
			skip:   mix64(h^0x5bd1e9955bd1e995)%(m-1) + 1,
			weight: weightOf(ep),
		}
		maxW = max(maxW, bs[i].weight)
	}
	table := make([]int32, m)
	for i := range table {
		table[i] = -1
	}
	var filled uint64
	// An endpoint of weight w takes a turn on iteration k only if k·w has
	// caught up with its target, which grows by the largest weight per
	// slot taken: the heaviest endpoints fill on every iteration, one of
	// a third of that weight on every third (Envoy's scheme).
	for k := uint64(1); filled < m; k++ {
		for i := range bs {
			e := &bs[i]
			if k*e.weight < e.target {
				continue
			}
			e.target += maxW
			for table[e.pos] >= 0 {
				e.pos = addMod(e.pos, e.skip, m)
			}
			table[e.pos] = int32(i)
			e.pos = addMod(e.pos, e.skip, m)
			if filled++; filled == m {
				break
			}
		}
	}
	return table
}

// addMod returns (a + b) mod m for a, b < m.
func addMod(a, b, m uint64) uint64 {
	if a += b; a >= m {
		a -= m
	}
	return a
}

// Pick returns the table entry for the request's hash.
func (b *Maglev) Pick(req Request, _ time.Time) (*Endpoint, error) {
	s := b.snap.Load()
	if s == nil || len(s.eps) == 0 {
		return nil, ErrNoEndpoint
	}
	if !req.HasHash {
		return acquire(s.eps[s.s.draw(b.rng.next())])
	}
	return acquire(s.eps[s.table[bounded(mix64(req.Hash), len(s.table))]])
}

// Done releases ep.
func (b *Maglev) Done(ep *Endpoint, _ Outcome, _ time.Time) { release(ep) }
