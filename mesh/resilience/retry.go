package resilience

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Condition is a set of retry_on conditions, Envoy's vocabulary.
type Condition uint32

// Retry conditions. Local failures are matched the way Envoy matches them:
// a reset or connect failure counts as a 5xx and as a gateway error (it
// would become a 503), and a per-try timeout counts as a 504.
const (
	// On5xx retries any 5xx answer and any local failure.
	On5xx Condition = 1 << iota
	// OnGatewayError retries 502, 503, 504 and any local failure.
	OnGatewayError
	// OnReset retries resets and connect failures (no complete answer).
	OnReset
	// OnConnectFailure retries connect failures only.
	OnConnectFailure
	// OnRetriable4xx retries 409 Conflict.
	OnRetriable4xx
	// OnRetriableStatusCodes retries the statuses in
	// RetryOptions.StatusCodes (a per-try timeout counts as 504).
	OnRetriableStatusCodes

	conditionEnd
)

var conditionNames = [...]string{
	"5xx", "gateway-error", "reset", "connect-failure", "retriable-4xx", "retriable-status-codes",
}

// ParseConditions parses a comma-separated retry_on list such as
// "5xx,reset" (spaces around names are ignored). The empty string is the
// empty set. Unknown or empty names are errors.
func ParseConditions(s string) (Condition, error) {
	var c Condition
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	for name := range strings.SplitSeq(s, ",") {
		name = strings.TrimSpace(name)
		i := slices.Index(conditionNames[:], name)
		if i < 0 {
			return 0, fmt.Errorf("resilience: unknown retry condition %q (want one of %s)",
				name, strings.Join(conditionNames[:], ", "))
		}
		c |= 1 << i
	}
	return c, nil
}

// String is the comma-separated list ParseConditions accepts.
func (c Condition) String() string {
	var b strings.Builder
	for i, name := range conditionNames {
		if c&(1<<i) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(name)
	}
	if rest := c &^ (conditionEnd - 1); rest != 0 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "Condition(%#x)", uint32(rest))
	}
	return b.String()
}

// Jitter selects how RetryPolicy.Backoff randomises its exponential
// backoff. See Backoff for the exact ranges.
type Jitter uint8

// Jitter modes. The zero value is Envoy's full jitter.
const (
	JitterFull Jitter = iota
	JitterEqual
	JitterNone
	JitterDecorrelated
)

var jitterNames = [...]string{"full", "equal", "none", "decorrelated"}

func (j Jitter) String() string {
	if int(j) < len(jitterNames) {
		return jitterNames[j]
	}
	return fmt.Sprintf("Jitter(%d)", uint8(j))
}

// ParseJitter parses a jitter name: full, equal, none or decorrelated.
// The empty string is JitterFull.
func ParseJitter(s string) (Jitter, error) {
	if s == "" {
		return JitterFull, nil
	}
	if i := slices.Index(jitterNames[:], s); i >= 0 {
		return Jitter(i), nil
	}
	return 0, fmt.Errorf("resilience: unknown jitter %q (want one of %s)", s, strings.Join(jitterNames[:], ", "))
}

// Retry defaults: Istio's DestinationRule/VirtualService retry defaults
// (2 attempts on connect-failure, refused-stream and 503) and Envoy's
// backoff (25ms base, 10x cap).
const (
	DefaultMaxRetries  = 2
	DefaultBaseBackoff = 25 * time.Millisecond
	DefaultOn          = OnConnectFailure | OnReset | OnRetriableStatusCodes
)

// RetryOptions configures a RetryPolicy. The zero value is the default
// policy.
type RetryOptions struct {
	// MaxRetries is the number of retries after the first attempt.
	// 0 means DefaultMaxRetries; negative means never retry.
	MaxRetries int
	// On is the set of retriable conditions; 0 means DefaultOn.
	On Condition
	// StatusCodes are matched by OnRetriableStatusCodes; nil means [503].
	StatusCodes []int
	// NonIdempotent allows retrying methods that are not idempotent (POST,
	// PATCH, ...). Connect failures are retried for every method anyway:
	// the request never reached the upstream.
	NonIdempotent bool
	// BaseBackoff is the first retry's backoff ceiling; 0 means 25ms.
	BaseBackoff time.Duration
	// MaxBackoff caps every backoff; 0 means 10 x BaseBackoff.
	MaxBackoff time.Duration
	// Jitter is the randomisation mode; the zero value is JitterFull.
	Jitter Jitter
}

// withDefaults returns o with zero fields replaced by their defaults.
func (o RetryOptions) withDefaults() RetryOptions {
	if o.MaxRetries == 0 {
		o.MaxRetries = DefaultMaxRetries
	}
	if o.On == 0 {
		o.On = DefaultOn
	}
	if o.StatusCodes == nil {
		o.StatusCodes = []int{503}
	}
	if o.BaseBackoff == 0 {
		o.BaseBackoff = DefaultBaseBackoff
	}
	if o.MaxBackoff == 0 {
		o.MaxBackoff = 10 * o.BaseBackoff
	}
	return o
}

// Validate reports the first invalid field of o, after defaults.
func (o RetryOptions) Validate() error {
	o = o.withDefaults()
	switch {
	case o.On&^(conditionEnd-1) != 0:
		return optErr("RetryOptions.On", "unknown condition bits %#x", uint32(o.On&^(conditionEnd-1)))
	case o.BaseBackoff < 0:
		return optErr("RetryOptions.BaseBackoff", "negative (%v)", o.BaseBackoff)
	case o.MaxBackoff < o.BaseBackoff:
		return optErr("RetryOptions.MaxBackoff", "%v is below BaseBackoff %v", o.MaxBackoff, o.BaseBackoff)
	case o.Jitter > JitterDecorrelated:
		return optErr("RetryOptions.Jitter", "unknown mode %d", o.Jitter)
	}
	for _, s := range o.StatusCodes {
		if s < 100 || s > 599 {
			return optErr("RetryOptions.StatusCodes", "%d is not an HTTP status", s)
		}
	}
	return nil
}

// RetryPolicy decides whether a failed attempt is retried and how long to
// back off first. It is immutable and safe for concurrent use. Budgets and
// the retry circuit-breaker limit are separate (Budget, Limits): the mesh
// asks all three.
type RetryPolicy struct {
	matcher
	max           int
	nonIdempotent bool
	base, cap     time.Duration
	jitter        Jitter
}

// statusSet is a bit set of HTTP statuses 100..599 (so matching a retriable
// status code allocates nothing and takes no loop).
type statusSet [10]uint64

func (s *statusSet) set(code int) { s[code/64] |= 1 << (code % 64) }
func (s *statusSet) has(code int) bool {
	return code >= 0 && code < 640 && s[code/64]&(1<<(code%64)) != 0
}

// NewRetryPolicy validates o, applies its defaults and builds the policy.
func NewRetryPolicy(o RetryOptions) (*RetryPolicy, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	return &RetryPolicy{
		matcher:       newMatcher(o.On, o.StatusCodes),
		max:           max(o.MaxRetries, 0),
		nonIdempotent: o.NonIdempotent,
		base:          o.BaseBackoff,
		cap:           o.MaxBackoff,
		jitter:        o.Jitter,
	}, nil
}

// MaxRetries is the number of retries allowed after the first attempt.
func (p *RetryPolicy) MaxRetries() int { return p.max }

// Decision is the retry policy's verdict on one failed attempt, with the
// reason telemetry records when it is not Retry.
type Decision uint8

// Decisions. The zero value is NotRetriable, so an unset Decision never
// retries.
const (
	// NotRetriable: the outcome matches none of the retry conditions
	// (which includes every success).
	NotRetriable Decision = iota
	// Retry: retry after Backoff.
	Retry
	// NonIdempotent: retriable outcome, but the method may not be repeated.
	NonIdempotent
	// AttemptsExhausted: retriable outcome, but MaxRetries were made
	// (Envoy's upstream_rq_retry_limit_exceeded).
	AttemptsExhausted
)

var decisionNames = [...]string{"not-retriable", "retry", "non-idempotent", "attempts-exhausted"}

func (d Decision) String() string {
	if int(d) < len(decisionNames) {
		return decisionNames[d]
	}
	return fmt.Sprintf("Decision(%d)", uint8(d))
}

// Decide judges an attempt that ended with o. attempt is the number of
// attempts made so far, the original request being attempt 1; a retry is
// allowed while attempt <= MaxRetries. method is the HTTP method ("" is
// GET).
func (p *RetryPolicy) Decide(method string, attempt int, o Outcome) Decision {
	if !p.matches(o) {
		return NotRetriable
	}
	if !o.ConnectFailure && !p.nonIdempotent && !idempotent(method) {
		return NonIdempotent
	}
	if attempt > p.max {
		return AttemptsExhausted
	}
	return Retry
}

// ShouldRetry reports whether Decide returns Retry.
func (p *RetryPolicy) ShouldRetry(method string, attempt int, o Outcome) bool {
	return p.Decide(method, attempt, o) == Retry
}

// matcher matches outcomes against a Condition set; shared by retries and
// hedging's non-fatal outcomes.
type matcher struct {
	on    Condition
	codes statusSet
}

func newMatcher(on Condition, codes []int) matcher {
	m := matcher{on: on}
	for _, c := range codes {
		m.codes.set(c)
	}
	return m
}

func (m *matcher) matches(o Outcome) bool {
	s := o.effectiveStatus()
	switch {
	case m.on&On5xx != 0 && s >= 500:
		return true
	case m.on&OnGatewayError != 0 && (s == 502 || s == 503 || s == 504):
		return true
	case m.on&OnReset != 0 && (o.Reset || o.ConnectFailure):
		return true
	case m.on&OnConnectFailure != 0 && o.ConnectFailure:
		return true
	case m.on&OnRetriable4xx != 0 && o.Status == 409:
		return true
	case m.on&OnRetriableStatusCodes != 0 && (o.Status != 0 || o.Timeout) && m.codes.has(s):
		return true
	}
	return false
}

// idempotent reports RFC 9110's idempotent methods.
func idempotent(method string) bool {
	switch method {
	case "", "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE":
		return true
	}
	return false
}

// Backoff is how long to wait before retry number retry (1 for the first
// retry). With b = BaseBackoff, m = MaxBackoff and the exponential ceiling
// c = min(b * 2^(retry-1), m):
//
//	JitterFull          uniform in [0, c)                 (Envoy)
//	JitterEqual         c/2 + uniform in [0, c - c/2)
//	JitterNone          c
//	JitterDecorrelated  min(m, uniform in [b, 3*max(prev, b)))  (AWS; retry is ignored)
//
// prev is the previous backoff of the same call (0 before the first
// retry); only JitterDecorrelated uses it. r supplies the randomness and
// must not be shared between goroutines; a nil r yields the upper bound of
// the range (c, or min(m, 3*max(prev, b))).
func (p *RetryPolicy) Backoff(retry int, prev time.Duration, r *rand.Rand) time.Duration {
	if p.jitter == JitterDecorrelated {
		lo := p.base
		hi := 3 * max(prev, lo)
		if hi > p.cap || hi < 0 { // hi < 0: overflow of a huge prev
			hi = p.cap
		}
		if r == nil || hi <= lo {
			return hi
		}
		return lo + time.Duration(r.Int64N(int64(hi-lo)))
	}
	c := p.base
	for i := 1; i < retry && c < p.cap; i++ {
		c *= 2
	}
	c = min(c, p.cap)
	if r == nil || c <= 0 || p.jitter == JitterNone {
		return c
	}
	if p.jitter == JitterEqual {
		half := c / 2
		return half + time.Duration(r.Int64N(int64(c-half)))
	}
	return time.Duration(r.Int64N(int64(c)))
}
