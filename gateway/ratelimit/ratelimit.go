// Package ratelimit is Baton's rate-limit laboratory: the limiting
// algorithms a gateway uses, the keys they count by, tiered multi-limit
// policies, the response headers that advertise them, and a model of gateway
// replicas that limit locally or through a shared, lagging counter store.
//
// Every limiter is a deterministic state machine with explicit time, in the
// manner of golang.org/x/time/rate's AllowN(t, n): Allow(key, now) never reads
// the clock, never sleeps, starts no goroutine and does no I/O, so the same
// code runs on sockets, in virtual time and under exact unit tests. Limiters
// are safe for concurrent use; per-key state lives in sharded maps guarded by
// one mutex per shard and bounded in size (see Options.MaxKeys).
//
// Arithmetic is exact: rates are Limit per Window in integer nanoseconds, never
// float64 tokens, so a table of (time, allowed) rows has one right answer.
// Times are converted with time.Time.UnixNano and must lie between the years
// 1678 and 2262.
package ratelimit

import (
	"errors"
	"time"
)

// Decision is the outcome of one limiter call, with everything the response
// headers need (see WriteHeaders).
type Decision struct {
	// Allowed reports whether the request may proceed.
	Allowed bool
	// Limit is the most the key can be allowed at once: the bucket size
	// for token bucket and GCRA, the window's limit for windowed
	// algorithms, the in-flight maximum for concurrency.
	Limit int64
	// Remaining is how many more requests would be allowed right now,
	// after this one.
	Remaining int64
	// Reset is how long until the key is back to its full Limit.
	Reset time.Duration
	// RetryAfter is, for a denied request, how long until the same request
	// would be allowed; 0 when allowed or when no wait can help (a cost
	// above Limit, or a concurrency limit, which frees on release).
	RetryAfter time.Duration
	// Policy describes the limit in the RateLimit-Policy syntax
	// ("100;w=60", "100;w=1;burst=20").
	Policy string
}

// Limiter decides requests one key at a time. Implementations keep per-key
// state inside and are safe for concurrent use.
type Limiter interface {
	Allow(key string, now time.Time) Decision
}

// Every algorithm, and a cluster replica, is a Limiter.
var (
	_ Limiter = (*TokenBucket)(nil)
	_ Limiter = (*GCRA)(nil)
	_ Limiter = (*FixedWindow)(nil)
	_ Limiter = (*SlidingLog)(nil)
	_ Limiter = (*SlidingWindowCounter)(nil)
	_ Limiter = (*Concurrency)(nil)
	_ Limiter = (*Quota)(nil)
	_ Limiter = replicaLimiter{}
)

// Algorithm names a limiting algorithm.
type Algorithm string

// Algorithms.
const (
	// AlgTokenBucket refills Limit tokens per Window continuously into a
	// bucket of Burst tokens; a request takes one (x/time/rate, Envoy's
	// local rate limit, Traefik's average/burst).
	AlgTokenBucket Algorithm = "token_bucket"
	// AlgGCRA is the generic cell rate algorithm (redis-cell, Brandur's
	// throttled): a token bucket stored as one theoretical arrival time.
	AlgGCRA Algorithm = "gcra"
	// AlgFixedWindow counts requests in windows of Window aligned to
	// Anchor (Kong's and Envoy's global counters).
	AlgFixedWindow Algorithm = "fixed_window"
	// AlgSlidingLog keeps the time of every allowed request in the last
	// Window: exact, and memory proportional to Limit.
	AlgSlidingLog Algorithm = "sliding_log"
	// AlgSlidingWindowCounter weights the previous fixed window's count by
	// how much of it still overlaps the sliding window (Cloudflare).
	AlgSlidingWindowCounter Algorithm = "sliding_window_counter"
	// AlgConcurrency limits requests in flight; the caller releases each
	// allowed request when it ends.
	AlgConcurrency Algorithm = "concurrency"
	// AlgQuota is a fixed window over a long period (10 000 per day) or a
	// calendar period (per month) in Anchor's location.
	AlgQuota Algorithm = "quota"
)

// Algorithms lists every algorithm, in documentation order.
func Algorithms() []Algorithm {
	return []Algorithm{AlgTokenBucket, AlgGCRA, AlgFixedWindow, AlgSlidingLog,
		AlgSlidingWindowCounter, AlgConcurrency, AlgQuota}
}

// ErrInvalid is wrapped by every configuration error (*FieldError).
var ErrInvalid = errors.New("ratelimit: invalid configuration")

// FieldError names the configuration field that is wrong and why.
type FieldError struct {
	// Field is the path of the field, such as "limits[1].tiers.gold.burst".
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return "ratelimit: " + e.Field + ": " + e.Problem }

// Unwrap makes every FieldError match ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// fieldErr builds a *FieldError.
func fieldErr(field, problem string) error { return &FieldError{Field: field, Problem: problem} }

// prefixField re-roots a *FieldError under a parent path.
func prefixField(parent string, err error) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		return &FieldError{Field: parent + "." + fe.Field, Problem: fe.Problem}
	}
	return err
}

// core is one algorithm's per-key state machine over state S. The generic
// keyed store and the shared-cluster model drive every algorithm through it,
// so the arithmetic is written once per algorithm.
type core[S any] interface {
	// take decides a request of cost n at now (Unix nanoseconds) and
	// consumes it when allowed. n == 0 peeks without consuming. force
	// consumes even over the limit: it replays consumption that was
	// already allowed elsewhere (shared mode), which may leave the state
	// in debt.
	take(s *S, now, n int64, force bool) Decision
	// fresh reports whether s at now is indistinguishable from the zero
	// state, so dropping it changes no future decision.
	fresh(s *S, now int64) bool
	// clone copies src into dst, reusing dst's buffers.
	clone(dst, src *S)
}

// ceilDiv is ⌈a/b⌉ for a ≥ 0, b > 0.
func ceilDiv(a, b int64) int64 {
	if a <= 0 {
		return 0
	}
	return (a-1)/b + 1
}

// floorDiv is ⌊a/b⌋ for b > 0 and any a.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
