package balance

import (
	"math/bits"
	"sync/atomic"
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
