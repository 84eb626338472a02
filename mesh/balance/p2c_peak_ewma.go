package balance

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// P2CPeakEWMA is Linkerd's balancer (tower's PeakEwma, after Finagle): the
// power of two choices on cost = latency estimate × (in-flight + 1).
//
// The estimate is a peak-sensitive moving average with time-based decay:
// a response slower than the current estimate replaces it at once (so a
// slowing endpoint is shunned from its first slow answer), a faster one is
// blended in with weight 1 − e^(−Δ/Decay), Δ being the time since the
// previous response. Between responses the estimate decays towards zero
// with time constant Decay, as tower's load() does, so a shunned endpoint
// is tried again after a while and can prove it has recovered. An endpoint
// without any response starts at Options.DefaultRTT from the Update that
// brought it.
//
// Pick only reads the estimates (the decay is computed, not stored), so it
// needs no lock; Done writes them under a per-endpoint seqlock.
type P2CPeakEWMA struct {
	rng        rng
	defaultRTT float64 // ns
	decay      float64 // ns
	penalty    time.Duration

	mu    sync.Mutex // serializes Update
	snap  atomic.Pointer[ewmaSnapshot]
	epoch time.Time // set by the first Update; guarded by mu, published through snap
}

type ewmaSnapshot struct {
	eps   []*Endpoint
	state []*ewmaState // state[i] belongs to eps[i]
	byEP  map[*Endpoint]*ewmaState
	s     sampler
	epoch time.Time
}

// ewmaState is one endpoint's estimate. Writers hold mu and bump seq to odd
// while they write; readers retry until they see the same even seq before
// and after reading, so they never combine a cost with another write's at.
type ewmaState struct {
	mu   sync.Mutex
	seq  atomic.Uint64
	cost atomic.Uint64 // float64 bits, nanoseconds
	at   atomic.Int64  // ns since the balancer's epoch
}

func (s *ewmaState) load() (cost float64, at int64) {
	for {
		q := s.seq.Load()
		if q&1 == 0 {
			c, a := s.cost.Load(), s.at.Load()
			if s.seq.Load() == q {
				return math.Float64frombits(c), a
			}
		}
		runtime.Gosched()
	}
}

func (s *ewmaState) store(cost float64, at int64) {
	s.seq.Add(1)
	s.cost.Store(math.Float64bits(cost))
	s.at.Store(at)
	s.seq.Add(1)
}

var _ Balancer = (*P2CPeakEWMA)(nil)

// NewP2CPeakEWMA returns a p2c_peak_ewma balancer.
func NewP2CPeakEWMA(opts Options) (*P2CPeakEWMA, error) {
	o, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	b := &P2CPeakEWMA{
		defaultRTT: float64(o.DefaultRTT),
		decay:      float64(o.Decay),
		penalty:    o.FailurePenalty,
	}
	b.rng.seed = o.Seed
	return b, nil
}

// Update installs eps. Endpoints already known keep their estimate; new
// ones start at DefaultRTT as of now.
func (b *P2CPeakEWMA) Update(eps []*Endpoint, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	old := b.snap.Load()
	if old == nil {
		b.epoch = now
	}
	s := &ewmaSnapshot{eps: eligible(eps), epoch: b.epoch}
	s.s = newSampler(s.eps)
	s.state = make([]*ewmaState, len(s.eps))
	s.byEP = make(map[*Endpoint]*ewmaState, len(s.eps))
	for i, ep := range s.eps {
		st := s.byEP[ep]
		if st == nil && old != nil {
			st = old.byEP[ep]
		}
		if st == nil {
			st = &ewmaState{}
			st.store(b.defaultRTT, int64(now.Sub(b.epoch)))
		}
		s.state[i] = st
		s.byEP[ep] = st
	}
	b.snap.Store(s)
}

// estimate is st's latency estimate at t, decayed since its last response.
func (b *P2CPeakEWMA) estimate(st *ewmaState, t int64) float64 {
	c, at := st.load()
	if t <= at {
		return c
	}
	return c * math.Exp(-float64(t-at)/b.decay)
}

// Pick takes the cheaper of two drawn endpoints.
func (b *P2CPeakEWMA) Pick(_ Request, now time.Time) (*Endpoint, error) {
	s := b.snap.Load()
	if s == nil || len(s.eps) == 0 {
		return nil, ErrNoEndpoint
	}
	i, j := s.s.pair(&b.rng)
	if i == j {
		return acquire(s.eps[i])
	}
	t := int64(now.Sub(s.epoch))
	ci := b.estimate(s.state[i], t) * float64(inFlight(s.eps[i])+1)
	cj := b.estimate(s.state[j], t) * float64(inFlight(s.eps[j])+1)
	if cj < ci {
		i = j
	}
	return acquire(s.eps[i])
}

// Done releases ep and folds its latency into ep's estimate. A failure
// counts as at least Options.FailurePenalty. Done for an endpoint no longer
// installed only releases it.
func (b *P2CPeakEWMA) Done(ep *Endpoint, o Outcome, now time.Time) {
	release(ep)
	s := b.snap.Load()
	if s == nil {
		return
	}
	st := s.byEP[ep]
	if st == nil {
		return
	}
	x := float64(observed(o, b.penalty))
	t := int64(now.Sub(s.epoch))
	st.mu.Lock()
	defer st.mu.Unlock()
	c, at := st.load()
	if t < at {
		// A Done stamped before the last one (concurrent callers): blend
		// it in as if it arrived together with that one.
		t = at
	}
	d := math.Exp(-float64(t-at) / b.decay)
	if cur := c * d; x > cur {
		c = x
	} else {
		c = cur + x*(1-d)
	}
	st.store(c, t)
}
