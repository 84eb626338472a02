package balance

import (
	"cmp"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// RingHash is consistent hashing on a ketama ring (Envoy's ring_hash): each
// endpoint owns PointsPerWeight × weight points on a 64-bit ring, and a
// request goes to the owner of the first point at or after its hash.
// Points are derived from the endpoint ID alone, so removing an endpoint
// moves exactly the keys it owned and adding one takes keys only for
// itself. The hash is mixed first, so sequential keys spread over the ring.
// Requests without a hash get a weighted random endpoint.
type RingHash struct {
	rng             rng
	pointsPerWeight int
	maxRing         int
	snap            atomic.Pointer[ringSnapshot]
}

type ringSnapshot struct {
	eps    []*Endpoint
	points []uint64 // sorted
	owner  []int32  // owner[k] indexes eps for points[k]
	s      sampler
}

var _ Balancer = (*RingHash)(nil)

// NewRingHash returns a ring_hash balancer.
func NewRingHash(opts Options) (*RingHash, error) {
	o, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	b := &RingHash{pointsPerWeight: o.PointsPerWeight, maxRing: o.MaxRingSize}
	b.rng.seed = o.Seed
	return b, nil
}

// Update builds the ring for eps.
func (b *RingHash) Update(eps []*Endpoint, _ time.Time) {
	s := &ringSnapshot{eps: sortedByID(eligible(eps))}
	s.s = newSampler(s.eps)
	w := scaledWeights(s.eps, max(1, b.maxRing/b.pointsPerWeight))
	type point struct {
		h     uint64
		owner int32
	}
	var total int
	for _, x := range w {
		total += int(x) * b.pointsPerWeight
	}
	pts := make([]point, 0, total)
	for i, ep := range s.eps {
		base := fnv64a(ep.ID)
		for k := range int(w[i]) * b.pointsPerWeight {
			pts = append(pts, point{mix64(base + uint64(k+1)*golden), int32(i)})
		}
	}
	slices.SortFunc(pts, func(a, c point) int {
		if r := cmp.Compare(a.h, c.h); r != 0 {
			return r
		}
		return cmp.Compare(a.owner, c.owner)
	})
	s.points = make([]uint64, len(pts))
	s.owner = make([]int32, len(pts))
	for k, p := range pts {
		s.points[k], s.owner[k] = p.h, p.owner
	}
	b.snap.Store(s)
}

// sortedByID orders eps by ID (then Addr) in place, so a hash balancer's
// placement does not depend on the order Update was given.
func sortedByID(eps []*Endpoint) []*Endpoint {
	slices.SortStableFunc(eps, func(a, c *Endpoint) int {
		if r := strings.Compare(a.ID, c.ID); r != 0 {
			return r
		}
		return strings.Compare(a.Addr, c.Addr)
	})
	return eps
}

// Pick returns the owner of the request's hash.
func (b *RingHash) Pick(req Request, _ time.Time) (*Endpoint, error) {
	s := b.snap.Load()
	if s == nil || len(s.eps) == 0 {
		return nil, ErrNoEndpoint
	}
	if !req.HasHash {
		return acquire(s.eps[s.s.draw(b.rng.next())])
	}
	h := mix64(req.Hash)
	lo, up := 0, len(s.points)
	for lo < up {
		m := int(uint(lo+up) >> 1)
		if s.points[m] >= h {
			up = m
		} else {
			lo = m + 1
		}
	}
	if lo == len(s.points) {
		lo = 0
	}
	return acquire(s.eps[s.owner[lo]])
}

// Done releases ep.
func (b *RingHash) Done(ep *Endpoint, _ Outcome, _ time.Time) { release(ep) }
