package balance

import (
	"sync"
	"sync/atomic"
	"time"
)

// WeightedRoundRobin is nginx's smooth weighted round robin: over each
// cycle every endpoint is picked in proportion to its weight, and the picks
// of a heavy endpoint are interleaved with the others rather than bunched
// (weights 5,1,1 give a a b a c a a).
//
// nginx mutates per-endpoint counters on every pick under a lock. Here
// Update runs that algorithm once over a whole cycle and stores the
// resulting schedule; Pick only advances an atomic cursor through it.
// Weights are first divided by their gcd; a cycle longer than
// Options.MaxSchedule is scaled down to fit (each weight stays at least 1),
// which bounds Update's cost at MaxSchedule × endpoints steps.
type WeightedRoundRobin struct {
	maxSchedule int
	mu          sync.Mutex // serializes Update
	snap        atomic.Pointer[wrrSnapshot]
	next        atomic.Uint64
}

type wrrSnapshot struct {
	eps   []*Endpoint
	sched []int32
}

var _ Balancer = (*WeightedRoundRobin)(nil)

// NewWeightedRoundRobin returns a weighted_round_robin balancer.
func NewWeightedRoundRobin(opts Options) (*WeightedRoundRobin, error) {
	o, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	return &WeightedRoundRobin{maxSchedule: o.MaxSchedule}, nil
}

// Update installs eps and precomputes one smooth cycle over them. The
// cursor carries on, so an Update does not send the next picks to the
// heaviest endpoint again.
func (b *WeightedRoundRobin) Update(eps []*Endpoint, _ time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := &wrrSnapshot{eps: eligible(eps)}
	s.sched = smoothSchedule(scaledWeights(s.eps, b.maxSchedule))
	b.snap.Store(s)
}

// scaledWeights returns the endpoints' weights divided by their gcd and,
// if their sum exceeds limit, scaled to about limit.
func scaledWeights(eps []*Endpoint, limit int) []uint64 {
	w := make([]uint64, len(eps))
	var g, total uint64
	for i, ep := range eps {
		w[i] = weightOf(ep)
		g = gcd(g, w[i])
	}
	for i := range w {
		w[i] /= g
		total += w[i]
	}
	if total <= uint64(limit) {
		return w
	}
	g = 0
	for i := range w {
		w[i] = max(1, w[i]*uint64(limit)/total)
		g = gcd(g, w[i])
	}
	for i := range w {
		w[i] /= g
	}
	return w
}

// smoothSchedule runs nginx's smooth weighted round robin for one full
// cycle: each step adds every weight to its running score, picks the
// highest score (the first on a tie) and takes the total off the winner.
func smoothSchedule(w []uint64) []int32 {
	var total int64
	for _, x := range w {
		total += int64(x)
	}
	sched := make([]int32, 0, total)
	cur := make([]int64, len(w))
	for range total {
		best := 0
		for i, x := range w {
			cur[i] += int64(x)
			if cur[i] > cur[best] {
				best = i
			}
		}
		cur[best] -= total
		sched = append(sched, int32(best))
	}
	return sched
}

// Pick returns the next endpoint of the schedule.
func (b *WeightedRoundRobin) Pick(_ Request, _ time.Time) (*Endpoint, error) {
	s := b.snap.Load()
	if s == nil || len(s.sched) == 0 {
		return nil, ErrNoEndpoint
	}
	i := (b.next.Add(1) - 1) % uint64(len(s.sched))
	return acquire(s.eps[s.sched[i]])
}

// Done releases ep.
func (b *WeightedRoundRobin) Done(ep *Endpoint, _ Outcome, _ time.Time) { release(ep) }
