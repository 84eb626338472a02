package mesh

import (
	"math"
	"strings"

	"github.com/baton-sim/baton/mesh/balance"
	"github.com/baton-sim/baton/mesh/resilience"
	"github.com/baton-sim/baton/scenarios"
)

// Resolve returns the policy a caller applies to calls to service: the
// mesh-wide policy with the destination's overrides laid over it, block by
// block (as an Istio destination rule replaces, not merges, a setting).
func Resolve(m scenarios.Mesh, service string) scenarios.MeshPolicy {
	p := m.MeshPolicy
	o, ok := m.Destinations[service]
	if !ok {
		return p
	}
	if o.Balancer != "" {
		p.Balancer = o.Balancer
	}
	if o.HashKey != nil {
		p.HashKey = o.HashKey
	}
	if o.Timeout != 0 {
		p.Timeout = o.Timeout
	}
	if o.PerTryTimeout != 0 {
		p.PerTryTimeout = o.PerTryTimeout
	}
	if o.Retries != nil {
		p.Retries = o.Retries
	}
	if o.CircuitBreaker != nil {
		p.CircuitBreaker = o.CircuitBreaker
	}
	if o.OutlierDetection != nil {
		p.OutlierDetection = o.OutlierDetection
	}
	if o.Hedge != nil {
		p.Hedge = o.Hedge
	}
	if o.SlowStart != nil {
		p.SlowStart = o.SlowStart
	}
	return p
}

// policy is a destination's resolved, built policy objects. Nil members
// are off.
type policy struct {
	balancer balance.Balancer
	hashKey  *scenarios.HashKey
	timeouts resilience.Timeouts
	retry    *resilience.RetryPolicy
	budget   *resilience.Budget
	limits   *resilience.Limits
	breaker  *resilience.Breaker
	outlier  *resilience.OutlierDetector
	hedge    *resilience.Hedge
}

// buildPolicy turns the scenario's words into policy objects. onBreaker
// receives breaker transitions for telemetry.
func buildPolicy(p scenarios.MeshPolicy, seed uint64, onBreaker func(resilience.Transition)) (*policy, error) {
	name := p.Balancer
	if name == "" {
		name = balance.NameRoundRobin
	}
	b, err := balance.New(name, balance.Options{Seed: seed})
	if err != nil {
		return nil, err
	}
	out := &policy{balancer: b, hashKey: p.HashKey}
	if out.timeouts, err = resilience.NewTimeouts(resilience.TimeoutOptions{
		Timeout:       p.Timeout,
		PerTryTimeout: p.PerTryTimeout,
	}); err != nil {
		return nil, err
	}
	if r := p.Retries; r != nil {
		opts := resilience.RetryOptions{
			MaxRetries:    r.Attempts,
			StatusCodes:   r.StatusCodes,
			NonIdempotent: r.NonIdempotent,
			BaseBackoff:   r.Backoff.Base,
			MaxBackoff:    r.Backoff.Max,
		}
		if opts.MaxRetries == 0 {
			opts.MaxRetries = -1 // written attempts: 0: never retry
		}
		if len(r.RetryOn) > 0 {
			if opts.On, err = resilience.ParseConditions(strings.Join(r.RetryOn, ",")); err != nil {
				return nil, err
			}
		}
		if r.Backoff.Jitter != "" {
			if opts.Jitter, err = resilience.ParseJitter(r.Backoff.Jitter); err != nil {
				return nil, err
			}
		}
		if out.retry, err = resilience.NewRetryPolicy(opts); err != nil {
			return nil, err
		}
		if bg := r.Budget; bg != nil {
			ratio := bg.Ratio
			if ratio == 0 {
				ratio = -1 // written 0%: no ratio, only the reserve
			}
			if out.budget, err = resilience.NewBudget(resilience.BudgetOptions{
				RetryRatio:          ratio,
				MinRetriesPerSecond: negativeIfZero(bg.MinPerSecond),
				TTL:                 bg.TTL,
			}); err != nil {
				return nil, err
			}
		}
	}
	if cb := p.CircuitBreaker; cb != nil {
		if out.limits, err = resilience.NewLimits(resilience.LimitsOptions{
			MaxConnections:     cb.MaxConnections,
			MaxPendingRequests: cb.MaxPending,
			MaxRequests:        cb.MaxRequests,
			MaxRetries:         cb.MaxRetries,
		}); err != nil {
			return nil, err
		}
		if cb.ConsecutiveFailures > 0 {
			if out.breaker, err = resilience.NewBreaker(resilience.BreakerOptions{
				Failures:     cb.ConsecutiveFailures,
				CoolDown:     cb.CoolDown,
				MaxCoolDown:  cb.MaxCoolDown,
				Probes:       cb.Probes,
				OnTransition: onBreaker,
			}); err != nil {
				return nil, err
			}
		}
	}
	if od := p.OutlierDetection; od != nil {
		// The loader has filled every default, so a zero here was written
		// as zero: map it onto resilience's "off" rather than its "default".
		opts := resilience.OutlierOptions{
			Interval:                  od.Interval,
			BaseEjectionTime:          od.BaseEjectionTime,
			MaxEjectionTime:           od.MaxEjectionTime,
			MaxEjectionPercent:        od.MaxEjectionPercent,
			Consecutive5xx:            od.Consecutive5xx,
			ConsecutiveGatewayFailure: od.ConsecutiveGatewayFailure,
			SuccessRateStdevFactor:    -1,
		}
		if opts.Consecutive5xx == 0 {
			opts.Consecutive5xx = -1
		}
		if opts.MaxEjectionPercent == 0 {
			// 0 % may eject nothing; 1 % ejects nothing below 100 hosts.
			opts.MaxEjectionPercent = 1
		}
		if sr := od.SuccessRate; sr != nil {
			opts.SuccessRateStdevFactor = sr.StdevFactor
			opts.SuccessRateMinimumHosts = sr.MinimumHosts
			opts.SuccessRateRequestVolume = sr.RequestVolume
		}
		if fp := od.FailurePercentage; fp != nil {
			opts.FailurePercentageThreshold = int(math.Round(fp.Threshold * 100))
			opts.FailurePercentageMinimumHosts = fp.MinimumHosts
			opts.FailurePercentageRequestVolume = fp.RequestVolume
		}
		if out.outlier, err = resilience.NewOutlierDetector(opts); err != nil {
			return nil, err
		}
	}
	if h := p.Hedge; h != nil {
		attempts := h.MaxAttempts
		if attempts == 0 {
			attempts = 2
		}
		if out.hedge, err = resilience.NewHedge(resilience.HedgeOptions{MaxAttempts: attempts, Delay: h.Delay}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// negativeIfZero maps the scenario's "0 means none" onto resilience's
// "0 means default, negative means none".
func negativeIfZero(v float64) float64 {
	if v == 0 {
		return -1
	}
	return v
}
