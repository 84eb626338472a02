package balance

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// LeastTime is Traefik's least-time strategy: scan every endpoint and take
// the lowest score = smoothed response time × (in-flight + 1) / weight.
// The response time is an EWMA per response (weight Options.Smoothing for
// the newest sample). Ties are broken by rotation, as in
// least_request_full, so equal endpoints share the traffic.
//
// An endpoint with no response yet is scored with the fastest smoothed
// time among the others (DefaultRTT when none has answered), so new
// endpoints are tried early without being flooded. Unlike p2c_peak_ewma the
// estimate does not decay: an endpoint that was slow is tried again only
// when the others' in-flight counts make it cheaper.
type LeastTime struct {
	alpha      float64
	defaultRTT float64
	penalty    time.Duration

	mu   sync.Mutex // serializes Update
	snap atomic.Pointer[leastTimeSnapshot]
	next atomic.Uint64
}

type leastTimeSnapshot struct {
	eps []*Endpoint
	rt  []*atomic.Uint64 // float64 bits, ns; 0 until the first response
	by  map[*Endpoint]*atomic.Uint64
}

var _ Balancer = (*LeastTime)(nil)

// NewLeastTime returns a least_time balancer.
func NewLeastTime(opts Options) (*LeastTime, error) {
	o, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	return &LeastTime{alpha: o.Smoothing, defaultRTT: float64(o.DefaultRTT), penalty: o.FailurePenalty}, nil
}

// Update installs eps; known endpoints keep their smoothed time.
func (b *LeastTime) Update(eps []*Endpoint, _ time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	old := b.snap.Load()
	s := &leastTimeSnapshot{eps: eligible(eps)}
	s.rt = make([]*atomic.Uint64, len(s.eps))
	s.by = make(map[*Endpoint]*atomic.Uint64, len(s.eps))
	for i, ep := range s.eps {
		rt := s.by[ep]
		if rt == nil && old != nil {
			rt = old.by[ep]
		}
		if rt == nil {
			rt = new(atomic.Uint64)
		}
		s.rt[i] = rt
		s.by[ep] = rt
	}
	b.snap.Store(s)
}

// Pick scans for the lowest score.
func (b *LeastTime) Pick(_ Request, _ time.Time) (*Endpoint, error) {
	s := b.snap.Load()
	if s == nil || len(s.eps) == 0 {
		return nil, ErrNoEndpoint
	}
	unseen := math.Inf(1)
	for _, rt := range s.rt {
		if v := math.Float64frombits(rt.Load()); v > 0 && v < unseen {
			unseen = v
		}
	}
	if math.IsInf(unseen, 1) {
		unseen = b.defaultRTT
	}
	n := len(s.eps)
	start := int(b.next.Load() % uint64(n))
	best, bestScore := -1, 0.0
	for k := range n {
		i := start + k
		if i >= n {
			i -= n
		}
		v := math.Float64frombits(s.rt[i].Load())
		if v <= 0 {
			v = unseen
		}
		ep := s.eps[i]
		score := v * float64(inFlight(ep)+1) / float64(weightOf(ep))
		if best < 0 || score < bestScore {
			best, bestScore = i, score
		}
	}
	b.next.Store(uint64(best) + 1)
	return acquire(s.eps[best])
}

// Done releases ep and folds its latency into ep's smoothed time.
func (b *LeastTime) Done(ep *Endpoint, o Outcome, _ time.Time) {
	release(ep)
	s := b.snap.Load()
	if s == nil {
		return
	}
	rt := s.by[ep]
	if rt == nil {
		return
	}
	// A zero latency would read as "no response yet"; a nanosecond is as
	// good as zero for ranking.
	x := max(float64(observed(o, b.penalty)), 1)
	for {
		old := rt.Load()
		v := math.Float64frombits(old)
		nv := x
		if v > 0 {
			nv = v + b.alpha*(x-v)
		}
		if rt.CompareAndSwap(old, math.Float64bits(nv)) {
			return
		}
	}
}
