package resilience

import (
	"math"
	"sync"
	"time"
)

// Budget defaults, Linkerd's.
const (
	DefaultRetryRatio          = 0.2
	DefaultMinRetriesPerSecond = 10
	DefaultBudgetTTL           = 10 * time.Second
	DefaultBudgetBuckets       = 10
)

// BudgetOptions configures a Budget. The zero value is Linkerd's default
// budget: 20% extra load from retries, at least 10 retries per second,
// counted over 10 seconds.
type BudgetOptions struct {
	// RetryRatio is the number of retries allowed per original request;
	// 0 means 0.2, negative means none (only the MinRetriesPerSecond
	// reserve).
	RetryRatio float64
	// MinRetriesPerSecond is a reserve of retries that does not depend on
	// traffic, so that low-traffic services can still retry; 0 means 10,
	// negative means no reserve.
	MinRetriesPerSecond float64
	// TTL is how long requests and retries count; 0 means 10s.
	TTL time.Duration
	// Buckets is how many slots the TTL window is divided into; 0 means
	// 10. More buckets track the window more closely and cost memory.
	Buckets int
}

func (o BudgetOptions) withDefaults() BudgetOptions {
	if o.RetryRatio == 0 {
		o.RetryRatio = DefaultRetryRatio
	}
	if o.MinRetriesPerSecond == 0 {
		o.MinRetriesPerSecond = DefaultMinRetriesPerSecond
	}
	if o.TTL == 0 {
		o.TTL = DefaultBudgetTTL
	}
	if o.Buckets == 0 {
		o.Buckets = DefaultBudgetBuckets
	}
	return o
}

// Validate reports the first invalid field of o, after defaults.
func (o BudgetOptions) Validate() error {
	o = o.withDefaults()
	switch {
	case math.IsNaN(o.RetryRatio) || o.RetryRatio > 1000:
		return optErr("BudgetOptions.RetryRatio", "%v is not a ratio in [0, 1000]", o.RetryRatio)
	case math.IsNaN(o.MinRetriesPerSecond) || o.MinRetriesPerSecond*o.TTL.Seconds() > 1e9:
		return optErr("BudgetOptions.MinRetriesPerSecond", "%v per second over %v is not a reserve in [0, 1e9]",
			o.MinRetriesPerSecond, o.TTL)
	case o.TTL < 0:
		return optErr("BudgetOptions.TTL", "negative (%v)", o.TTL)
	case o.Buckets < 1 || o.Buckets > 1000:
		return optErr("BudgetOptions.Buckets", "%d is not in [1, 1000]", o.Buckets)
	case o.TTL < time.Duration(o.Buckets):
		return optErr("BudgetOptions.TTL", "%v is shorter than %d buckets of 1ns", o.TTL, o.Buckets)
	}
	return nil
}

// micro is the fixed-point scale of budget arithmetic: ratios and the
// reserve are held in millionths so that the allowance is computed exactly
// in integers (0.2 * 100 must be 20, not 19.999...).
const micro = 1_000_000

// Budget is a Linkerd-style retry budget: retries are allowed while they
// stay a bounded fraction of recent traffic, plus a fixed reserve.
//
// With ratio r = RetryRatio, reserve m = MinRetriesPerSecond, TTL T, and
// R and Q the requests and retries counted in the window at time now, a
// retry at now is allowed iff
//
//	Q + 1 <= r*R + m*T   (T in seconds)
//
// that is, after it is made the window holds at most r*R + m*T retries.
// With the defaults (0.2, 10/s, 10s) and 100 requests in the window, exactly
// 0.2*100 + 10*10 = 120 retries are allowed. r and m*T are held in
// millionths and the comparison is done in integers, so it is exact for
// ratios with at most six decimals.
//
// The window is sliding over Buckets slots of width w = TTL/Buckets,
// aligned to the first time the budget sees. An event in slot s counts at
// every time in slots s .. s+Buckets-1: it stays in the window for between
// TTL-w and TTL. Times earlier than the latest time seen (concurrent
// callers racing to the lock) count in the latest slot.
//
// Only original requests call Request; retries (and hedges) call TryRetry,
// and do not add to R. Budget is safe for concurrent use.
type Budget struct {
	ratio, reserve int64 // millionths
	width          time.Duration
	n              int64

	mu       sync.Mutex
	started  bool
	epoch    time.Time
	head     int64 // newest slot, counted from epoch
	reqs     []int64
	rets     []int64
	sumReqs  int64
	sumRets  int64
	counters BudgetStats
}

// BudgetStats are cumulative counters for telemetry.
type BudgetStats struct {
	// Requests counts Request calls.
	Requests uint64
	// Retries counts TryRetry calls that were allowed.
	Retries uint64
	// Exhausted counts TryRetry calls denied by the budget.
	Exhausted uint64
}

// NewBudget validates o, applies its defaults and builds the budget.
func NewBudget(o BudgetOptions) (*Budget, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	return &Budget{
		ratio:   int64(math.Round(max(o.RetryRatio, 0) * micro)),
		reserve: int64(math.Round(max(o.MinRetriesPerSecond, 0) * o.TTL.Seconds() * micro)),
		width:   o.TTL / time.Duration(o.Buckets),
		n:       int64(o.Buckets),
		reqs:    make([]int64, o.Buckets),
		rets:    make([]int64, o.Buckets),
	}, nil
}

// Request counts one original request at now.
func (b *Budget) Request(now time.Time) {
	b.mu.Lock()
	i := b.advance(now)
	b.reqs[i]++
	b.sumReqs++
	b.counters.Requests++
	b.mu.Unlock()
}

// TryRetry reports whether a retry is allowed at now and, if so, counts it.
// A denial is counted in BudgetStats.Exhausted.
func (b *Budget) TryRetry(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	i := b.advance(now)
	if (b.sumRets+1)*micro > b.limit() {
		b.counters.Exhausted++
		return false
	}
	b.rets[i]++
	b.sumRets++
	b.counters.Retries++
	return true
}

// Available reports how many retries TryRetry would allow at now if no
// request arrived in between.
func (b *Budget) Available(now time.Time) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.advance(now)
	return max(b.limit()/micro-b.sumRets, 0)
}

// Stats returns the cumulative counters.
func (b *Budget) Stats() BudgetStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.counters
}

// limit is r*R + m*T in millionths, saturating instead of overflowing.
func (b *Budget) limit() int64 {
	if b.ratio > 0 && b.sumReqs > (math.MaxInt64-b.reserve)/b.ratio {
		return math.MaxInt64
	}
	return b.ratio*b.sumReqs + b.reserve
}

// advance moves the window to now, expiring old slots, and returns the ring
// index of now's slot. b.mu must be held.
func (b *Budget) advance(now time.Time) int64 {
	if !b.started {
		b.started, b.epoch = true, now
		return 0
	}
	slot := int64(now.Sub(b.epoch) / b.width)
	if slot > b.head {
		if slot-b.head >= b.n {
			clear(b.reqs)
			clear(b.rets)
			b.sumReqs, b.sumRets = 0, 0
		} else {
			for s := b.head + 1; s <= slot; s++ {
				i := s % b.n
				b.sumReqs -= b.reqs[i]
				b.sumRets -= b.rets[i]
				b.reqs[i], b.rets[i] = 0, 0
			}
		}
		b.head = slot
	}
	return b.head % b.n
}
