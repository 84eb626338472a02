package registry

import "time"

// ProbeOutcome is the verdict of one health probe.
type ProbeOutcome uint8

// Probe outcomes, after Envoy's failure types.
const (
	// Pass: the endpoint answered as expected.
	Pass ProbeOutcome = iota
	// Fail counts towards UnhealthyThreshold: a timeout, a refused
	// connection, or a status Envoy would call retriable.
	Fail
	// FailHard turns a healthy endpoint unhealthy at once, as Envoy does
	// for an HTTP status that is neither expected nor retriable (a 503
	// from a replica that knows it cannot serve).
	FailHard
)

// HealthChecker is the active health-check state machine of one endpoint.
// It decides when a probe is due and what the results mean; the engine runs
// the probes. It is not safe for concurrent use: the Registry guards the
// ones it owns.
//
// A probe's life: Due(now) says one should start, Start(now) records it and
// returns its deadline, and exactly one Result or Observe reports it. The
// next probe is due an interval after that report, never while a probe is
// in flight; so the engine must report every started probe, a timeout as a
// failure.
type HealthChecker struct {
	opts HealthCheckOptions

	healthy   bool
	first     bool // no probe reported yet: one pass is enough
	passes    int  // consecutive passes while unhealthy
	failures  int  // consecutive failures while healthy
	inFlight  bool
	deadline  time.Time
	next      time.Time
	traffic   bool
	changedAt time.Time
}

// NewHealthChecker returns the checker of an endpoint that appears at now.
// Its first probe is due at once, as Envoy starts checking a host when it
// is added.
func NewHealthChecker(opts HealthCheckOptions, now time.Time) (*HealthChecker, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	return newHealthChecker(opts.withDefaults(), now), nil
}

// newHealthChecker takes options that already hold their defaults.
func newHealthChecker(opts HealthCheckOptions, now time.Time) *HealthChecker {
	return &HealthChecker{
		opts:      opts,
		healthy:   opts.StartHealthy,
		first:     true,
		next:      now,
		changedAt: now,
	}
}

// Healthy reports the current verdict.
func (h *HealthChecker) Healthy() bool { return h.healthy }

// Checked reports whether any probe has been reported.
func (h *HealthChecker) Checked() bool { return !h.first }

// Since reports when the verdict last changed (the creation time before
// any change).
func (h *HealthChecker) Since() time.Time { return h.changedAt }

// Due reports whether a probe should start at now: none is in flight and
// the interval since the last report has passed.
func (h *HealthChecker) Due(now time.Time) bool {
	return !h.inFlight && !now.Before(h.next)
}

// Next reports when the next probe is due if none is in flight.
func (h *HealthChecker) Next() time.Time { return h.next }

// Start records a probe starting at now and returns its deadline.
func (h *HealthChecker) Start(now time.Time) (deadline time.Time) {
	h.inFlight = true
	h.deadline = now.Add(h.opts.Timeout)
	return h.deadline
}

// InFlight reports whether a started probe awaits its result.
func (h *HealthChecker) InFlight() bool { return h.inFlight }

// MarkTraffic tells the checker that its cluster has carried traffic, which
// ends the NoTrafficInterval regime for good.
func (h *HealthChecker) MarkTraffic() { h.traffic = true }

// Result reports a probe that passed (ok) or failed at now; a failure
// counts towards UnhealthyThreshold. It returns whether the verdict changed
// and the verdict.
func (h *HealthChecker) Result(ok bool, now time.Time) (changed, healthy bool) {
	if ok {
		return h.Observe(Pass, now)
	}
	return h.Observe(Fail, now)
}

// Observe reports a probe's outcome at now. A probe started with Start and
// reported at or after its deadline counts as Fail whatever o says: the
// timeout came first. It returns whether the verdict changed and the
// verdict.
func (h *HealthChecker) Observe(o ProbeOutcome, now time.Time) (changed, healthy bool) {
	if h.inFlight && !now.Before(h.deadline) {
		o = Fail
	}
	h.inFlight = false
	pending := false
	if o == Pass {
		h.failures = 0
		if !h.healthy {
			h.passes++
			if h.first || h.passes >= h.opts.HealthyThreshold {
				h.healthy, changed = true, true
				h.passes = 0
			} else {
				pending = true
			}
		}
	} else {
		h.passes = 0
		if h.healthy {
			h.failures++
			if o == FailHard || h.failures >= h.opts.UnhealthyThreshold {
				h.healthy, changed = false, true
				h.failures = 0
			} else {
				pending = true
			}
		}
	}
	h.first = false
	if changed {
		h.changedAt = now
	}
	h.next = now.Add(h.interval(pending))
	return changed, h.healthy
}

// interval picks the wait before the next probe, as Envoy's
// HealthCheckerImplBase::interval does (without jitter: Baton staggers
// nothing at random).
func (h *HealthChecker) interval(pending bool) time.Duration {
	if !h.traffic && h.opts.NoTrafficInterval > 0 {
		return h.opts.NoTrafficInterval
	}
	switch {
	case h.healthy && pending:
		return h.opts.HealthyEdgeInterval
	case h.healthy:
		return h.opts.Interval
	case pending:
		return h.opts.UnhealthyEdgeInterval
	default:
		return h.opts.UnhealthyInterval
	}
}
