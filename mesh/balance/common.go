package balance

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// rng is a lock-free counter-based generator: the k-th draw is splitmix64's
// output for state seed + k·γ. Concurrent Picks each take a distinct k with
// one atomic add, and a single goroutine's sequence depends on the seed only.
type rng struct {
	seed uint64
	ctr  atomic.Uint64
}

const golden = 0x9e3779b97f4a7c15

func (r *rng) next() uint64 { return mix64(r.seed + r.ctr.Add(1)*golden) }

// mix64 is splitmix64's finalizer, a bijection that spreads every input
// bit over the output. Hash balancers also run request hashes through it,
// so that sequential keys do not crowd one arc of the ring.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// bounded maps a uniform 64-bit x to [0, n) by multiply-shift (Lemire),
// which avoids a division and is unbiased to within n/2⁶⁴.
func bounded(x uint64, n int) int {
	hi, _ := bits.Mul64(x, uint64(n))
	return int(hi)
}

// eligible copies eps without nil entries, so that a snapshot never shares
// a backing array with the caller.
func eligible(eps []*Endpoint) []*Endpoint {
	out := make([]*Endpoint, 0, len(eps))
	for _, ep := range eps {
		if ep != nil {
			out = append(out, ep)
		}
	}
	return out
}

// weightOf reads ep's weight, 0 counting as 1.
func weightOf(ep *Endpoint) uint64 {
	if ep.Weight == 0 {
		return 1
	}
	return uint64(ep.Weight)
}

// acquire counts a request in flight on ep and returns it.
func acquire(ep *Endpoint) (*Endpoint, error) {
	ep.inFlight.Add(1)
	return ep, nil
}

// release ends a request on ep. It is harmless for an endpoint that has
// since left the balancer: the counter lives on the endpoint.
func release(ep *Endpoint) {
	if ep != nil {
		ep.inFlight.Add(-1)
	}
}

// sampler draws endpoint indexes in proportion to weight. With equal
// weights it keeps no table and draws uniformly.
type sampler struct {
	// cum holds running weight totals; nil when all weights are equal.
	cum []uint64
	n   int
}

func newSampler(eps []*Endpoint) sampler {
	s := sampler{n: len(eps)}
	equal := true
	for _, ep := range eps {
		if weightOf(ep) != weightOf(eps[0]) {
			equal = false
			break
		}
	}
	if equal {
		return s
	}
	s.cum = make([]uint64, len(eps))
	var total uint64
	for i, ep := range eps {
		total += weightOf(ep)
		s.cum[i] = total
	}
	return s
}

// draw maps a uniform x to an index.
func (s *sampler) draw(x uint64) int {
	if s.cum == nil {
		return bounded(x, s.n)
	}
	hi, _ := bits.Mul64(x, s.cum[len(s.cum)-1])
	// First i with cum[i] > hi; written out because sort.Search's closure
	// would have to be proven not to escape.
	lo, up := 0, len(s.cum)
	for lo < up {
		m := int(uint(lo+up) >> 1)
		if s.cum[m] > hi {
			up = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// pair draws two candidates for a power-of-two-choices pick: distinct and
// uniform when weights are equal (one 64-bit draw split in two), else two
// independent weighted draws, as Envoy samples with replacement.
func (s *sampler) pair(r *rng) (int, int) {
	if s.n == 1 {
		return 0, 0
	}
	if s.cum == nil {
		x := r.next()
		a := bounded(x<<32, s.n)
		b := bounded(x&^0xffffffff, s.n-1)
		if b >= a {
			b++
		}
		return a, b
	}
	return s.draw(r.next()), s.draw(r.next())
}

// inFlight reads ep's in-flight count, never below zero even if Done was
// called more often than Pick.
func inFlight(ep *Endpoint) uint64 {
	if n := ep.inFlight.Load(); n > 0 {
		return uint64(n)
	}
	return 0
}

// lessRatio reports whether a/wa < b/wb without division or overflow.
func lessRatio(a, wa, b, wb uint64) bool {
	h1, l1 := bits.Mul64(a, wb)
	h2, l2 := bits.Mul64(b, wa)
	return h1 < h2 || h1 == h2 && l1 < l2
}

// fnv64a hashes s without allocating; hash balancers place endpoints by it
// so placement is stable across processes and runs.
func fnv64a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// observed is the latency a learning balancer records for o.
func observed(o Outcome, penalty time.Duration) time.Duration {
	if o.Failed && penalty > 0 && o.Latency < penalty {
		return penalty
	}
	if o.Latency < 0 {
		return 0
	}
	return o.Latency
}
