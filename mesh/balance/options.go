package balance

import (
	"fmt"
	"time"
)

// Options configures a balancer. The zero value of every field means its
// documented default, so Options{} and Options{Seed: s} are both complete.
// A balancer ignores the fields that do not concern it.
type Options struct {
	// Seed seeds every random choice (random, least_request,
	// p2c_peak_ewma, and the hash balancers' fallback for requests without
	// a hash). The same name, options and call sequence on one goroutine
	// always pick the same endpoints.
	Seed uint64

	// DefaultRTT is the latency assumed for an endpoint with no observed
	// response yet (p2c_peak_ewma, least_time). Default 30ms, Linkerd's.
	DefaultRTT time.Duration
	// Decay is the time constant of p2c_peak_ewma's moving average: an
	// observation's weight falls to 1/e after Decay. Default 10s, Linkerd's.
	Decay time.Duration
	// FailurePenalty is the least latency a failed request counts as in
	// the learning balancers, so that an endpoint failing fast does not
	// look fast and attract all traffic. Default 10 × DefaultRTT; negative
	// means failures count with their own latency.
	FailurePenalty time.Duration
	// Smoothing is least_time's EWMA factor per response, in (0, 1]:
	// the weight of the newest sample. Default 0.3.
	Smoothing float64

	// PointsPerWeight is ring_hash's number of ring points per unit of
	// (gcd-reduced) weight. Default 160, as ketama's 40 digests × 4.
	PointsPerWeight int
	// MaxRingSize caps ring_hash's ring; weights are scaled down to fit.
	// Default 1<<20.
	MaxRingSize int
	// MaglevTableSize is maglev's lookup table size; it must be a prime.
	// Default 65537, Envoy's. Keep it above 100 × the endpoint count for
	// an even spread.
	MaglevTableSize int
	// MaxSchedule caps weighted_round_robin's precomputed schedule (the
	// sum of gcd-reduced weights); larger weight sums are scaled down to
	// fit. Default 1<<14.
	MaxSchedule int
}

// Defaults of Options, exported so help text and tests can name them.
const (
	DefaultRTT             = 30 * time.Millisecond
	DefaultDecay           = 10 * time.Second
	DefaultSmoothing       = 0.3
	DefaultPointsPerWeight = 160
	DefaultMaxRingSize     = 1 << 20
	DefaultMaglevTableSize = 65537
	DefaultMaxSchedule     = 1 << 14
)

// normalize fills defaults and validates, the way grpc-go's ParseConfig
// does: after it, every field holds a usable value.
func (o Options) normalize() (Options, error) {
	if o.DefaultRTT < 0 || o.Decay < 0 || o.PointsPerWeight < 0 || o.MaxRingSize < 0 ||
		o.MaglevTableSize < 0 || o.MaxSchedule < 0 || o.Smoothing < 0 {
		return o, fmt.Errorf("balance: options: negative value in %+v", o)
	}
	if o.DefaultRTT == 0 {
		o.DefaultRTT = DefaultRTT
	}
	if o.Decay == 0 {
		o.Decay = DefaultDecay
	}
	if o.FailurePenalty == 0 {
		o.FailurePenalty = 10 * o.DefaultRTT
	}
	if o.Smoothing == 0 {
		o.Smoothing = DefaultSmoothing
	}
	if o.Smoothing > 1 {
		return o, fmt.Errorf("balance: options: smoothing %v is above 1", o.Smoothing)
	}
	if o.PointsPerWeight == 0 {
		o.PointsPerWeight = DefaultPointsPerWeight
	}
	if o.MaxRingSize == 0 {
		o.MaxRingSize = DefaultMaxRingSize
	}
	if o.MaglevTableSize == 0 {
		o.MaglevTableSize = DefaultMaglevTableSize
	}
	if !isPrime(o.MaglevTableSize) {
		return o, fmt.Errorf("balance: options: maglev table size %d is not a prime", o.MaglevTableSize)
	}
	if o.MaxSchedule == 0 {
		o.MaxSchedule = DefaultMaxSchedule
	}
	return o, nil
}

func isPrime(n int) bool {
	if n < 2 {
		return false
	}
	for d := 2; d*d <= n; d++ {
		if n%d == 0 {
			return false
		}
	}
	return true
}
