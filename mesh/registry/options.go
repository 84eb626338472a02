package registry

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrInvalidOptions is wrapped by every options validation error.
var ErrInvalidOptions = errors.New("invalid options")

// Defaults, with their sources.
const (
	// Envoy requires interval, timeout and both thresholds; these are
	// Kubernetes' probe defaults (periodSeconds 10, timeoutSeconds 1,
	// successThreshold 1, failureThreshold 3).
	DefaultHealthInterval     = 10 * time.Second
	DefaultHealthTimeout      = 1 * time.Second
	DefaultHealthyThreshold   = 1
	DefaultUnhealthyThreshold = 3
	// DefaultHealthPath is what Baton's replicas are probed on.
	DefaultHealthPath = "/healthz"

	// DefaultSlowStartAggression and DefaultMinWeightPercent are Envoy's
	// slow_start_config defaults (aggression 1.0, min_weight_percent 10).
	DefaultSlowStartAggression = 1.0
	DefaultMinWeightPercent    = 10.0

	// DefaultOverprovisioningFactor is Envoy's overprovisioning_factor
	// (140, i.e. 1.4): a zone keeps all of its callers' traffic while
	// healthy × 140 ≥ 100 × total, that is while at least 5/7 ≈ 71.4 % of
	// its endpoints are healthy (Envoy's docs round this to 72 %).
	DefaultOverprovisioningFactor = 140
	// DefaultPanicThreshold is Envoy's healthy_panic_threshold (50 %).
	DefaultPanicThreshold = 50
	// DefaultEventLimit bounds the event log.
	DefaultEventLimit = 1024
)

// Options configures a Registry. The zero value of every field means its
// documented default, so Options{} is complete: no active health checking,
// no slow start, Envoy's zone failover and panic thresholds.
type Options struct {
	// HealthCheck turns on active health checking when non-nil. Without it
	// an instance counts as healthy as soon as it is registered (Envoy
	// trusts EDS health when no checker is configured).
	HealthCheck *HealthCheckOptions
	// SlowStart ramps the weight of endpoints that just joined or just
	// became healthy. Off while Window is 0.
	SlowStart SlowStartOptions
	// OverprovisioningFactor, in percent, sets the zone failover threshold:
	// callers are restricted to their own zone while its healthy endpoints
	// × factor ≥ 100 × its endpoints. 0 means 140 (Envoy's default, which
	// Istio's locality failover inherits); it must be in [100, 10000].
	OverprovisioningFactor int
	// PanicThreshold, in percent: when fewer than this share of the
	// endpoints a caller would balance over are healthy, health is ignored
	// and all of them are used (Envoy's panic mode). 0 means 50 (Envoy's
	// healthy_panic_threshold); negative disables panic mode.
	PanicThreshold int
	// FailOnPanic makes panic mode return no endpoint at all instead of
	// every endpoint (Envoy's fail_traffic_on_panic).
	FailOnPanic bool
	// EventLimit bounds the event log; the oldest events are dropped
	// first. 0 means 1024; negative records no events.
	EventLimit int
}

// HealthCheckOptions configures active health checking. Zero values mean
// the documented defaults. The interval rules are Envoy's.
type HealthCheckOptions struct {
	// Interval is the time between the end of one probe and the start of
	// the next for a healthy endpoint; 0 means 10s.
	Interval time.Duration
	// Timeout bounds one probe: a result reported at or after the deadline
	// counts as a failure, as Envoy's timeout timer fires first. 0 means 1s.
	Timeout time.Duration
	// HealthyThreshold is how many consecutive passes turn an unhealthy
	// endpoint healthy; 0 means 1. The very first probe of an endpoint
	// turns it healthy on its own if it passes (Envoy: "during startup,
	// only a single successful health check is required").
	HealthyThreshold int
	// UnhealthyThreshold is how many consecutive failures turn a healthy
	// endpoint unhealthy; 0 means 3. Hard failures (Observe with FailHard)
	// do it at once.
	UnhealthyThreshold int
	// UnhealthyInterval is the interval while unhealthy; 0 means Interval.
	UnhealthyInterval time.Duration
	// UnhealthyEdgeInterval is the interval after a pass that has not yet
	// reached HealthyThreshold; 0 means UnhealthyInterval.
	UnhealthyEdgeInterval time.Duration
	// HealthyEdgeInterval is the interval after a failure that has not yet
	// reached UnhealthyThreshold; 0 means Interval.
	HealthyEdgeInterval time.Duration
	// NoTrafficInterval, when positive, replaces every interval until the
	// checker is told of traffic (MarkTraffic), as Envoy slows checks of a
	// cluster that never carried a request. 0 turns it off: Envoy's default
	// is 60s, but Baton's load starts at once, so a slow idle rate would
	// only delay the first verdicts.
	NoTrafficInterval time.Duration
	// Path is the HTTP path the engine probes; default "/healthz".
	Path string
	// StartHealthy makes new endpoints healthy until a probe says
	// otherwise. By default they start unhealthy until their first pass,
	// as in Envoy.
	StartHealthy bool
	// IgnoreNewUntilFirstCheck leaves an endpoint out of the pool until its
	// first probe has been reported, so that endpoints nobody has checked
	// yet neither receive traffic nor drag the healthy percentages towards
	// panic (Envoy's ignore_new_hosts_until_first_hc). By default they count
	// as unhealthy: a service whose instances all register at once starts
	// in panic mode until the first probes come back.
	IgnoreNewUntilFirstCheck bool
}

// SlowStartOptions configures Envoy's slow start: during Window after an
// endpoint becomes eligible its weight is
//
//	weight × max(MinWeightPercent/100, timeFactor^(1/Aggression))
//	timeFactor = max(secondsSinceStart, 1) / windowSeconds
//
// and from the end of the window on it is the full weight.
type SlowStartOptions struct {
	// Window is the ramp duration; 0 turns slow start off.
	Window time.Duration
	// Aggression shapes the ramp: 1 is linear, larger ramps faster early.
	// 0 means 1.0.
	Aggression float64
	// MinWeightPercent is the floor of the ramp, in (0, 100]; 0 means 10.
	MinWeightPercent float64
}

func optErr(field, format string, args ...any) error {
	return fmt.Errorf("registry: options: %s: %s: %w", field, fmt.Sprintf(format, args...), ErrInvalidOptions)
}

func (o HealthCheckOptions) withDefaults() HealthCheckOptions {
	if o.Interval == 0 {
		o.Interval = DefaultHealthInterval
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultHealthTimeout
	}
	if o.HealthyThreshold == 0 {
		o.HealthyThreshold = DefaultHealthyThreshold
	}
	if o.UnhealthyThreshold == 0 {
		o.UnhealthyThreshold = DefaultUnhealthyThreshold
	}
	if o.UnhealthyInterval == 0 {
		o.UnhealthyInterval = o.Interval
	}
	if o.UnhealthyEdgeInterval == 0 {
		o.UnhealthyEdgeInterval = o.UnhealthyInterval
	}
	if o.HealthyEdgeInterval == 0 {
		o.HealthyEdgeInterval = o.Interval
	}
	if o.Path == "" {
		o.Path = DefaultHealthPath
	}
	return o
}

// Validate reports the first invalid field of o, after defaults.
func (o HealthCheckOptions) Validate() error { return o.validate("HealthCheckOptions") }

func (o HealthCheckOptions) validate(prefix string) error {
	o = o.withDefaults()
	durations := []struct {
		name string
		d    time.Duration
	}{
		{"Interval", o.Interval},
		{"Timeout", o.Timeout},
		{"UnhealthyInterval", o.UnhealthyInterval},
		{"UnhealthyEdgeInterval", o.UnhealthyEdgeInterval},
		{"HealthyEdgeInterval", o.HealthyEdgeInterval},
	}
	for _, d := range durations {
		if d.d < 0 {
			return optErr(prefix+"."+d.name, "negative (%v)", d.d)
		}
	}
	switch {
	case o.NoTrafficInterval < 0:
		return optErr(prefix+".NoTrafficInterval", "negative (%v)", o.NoTrafficInterval)
	case o.HealthyThreshold < 1:
		return optErr(prefix+".HealthyThreshold", "%d is below 1", o.HealthyThreshold)
	case o.UnhealthyThreshold < 1:
		return optErr(prefix+".UnhealthyThreshold", "%d is below 1", o.UnhealthyThreshold)
	case o.Path[0] != '/':
		return optErr(prefix+".Path", "%q does not start with /", o.Path)
	}
	return nil
}

func (o SlowStartOptions) withDefaults() SlowStartOptions {
	if o.Aggression == 0 {
		o.Aggression = DefaultSlowStartAggression
	}
	if o.MinWeightPercent == 0 {
		o.MinWeightPercent = DefaultMinWeightPercent
	}
	return o
}

// Validate reports the first invalid field of o, after defaults.
func (o SlowStartOptions) Validate() error { return o.validate("SlowStartOptions") }

func (o SlowStartOptions) validate(prefix string) error {
	o = o.withDefaults()
	switch {
	case o.Window < 0:
		return optErr(prefix+".Window", "negative (%v)", o.Window)
	case !(o.Aggression > 0) || math.IsInf(o.Aggression, 1):
		return optErr(prefix+".Aggression", "%v is not a positive finite number", o.Aggression)
	case !(o.MinWeightPercent > 0 && o.MinWeightPercent <= 100):
		return optErr(prefix+".MinWeightPercent", "%v is not in (0, 100]", o.MinWeightPercent)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.HealthCheck != nil {
		hc := o.HealthCheck.withDefaults()
		o.HealthCheck = &hc
	}
	o.SlowStart = o.SlowStart.withDefaults()
	if o.OverprovisioningFactor == 0 {
		o.OverprovisioningFactor = DefaultOverprovisioningFactor
	}
	if o.PanicThreshold == 0 {
		o.PanicThreshold = DefaultPanicThreshold
	}
	if o.EventLimit == 0 {
		o.EventLimit = DefaultEventLimit
	}
	return o
}

// Validate reports the first invalid field of o, after defaults.
func (o Options) Validate() error {
	if o.HealthCheck != nil {
		if err := o.HealthCheck.validate("Options.HealthCheck"); err != nil {
			return err
		}
	}
	if err := o.SlowStart.validate("Options.SlowStart"); err != nil {
		return err
	}
	o = o.withDefaults()
	switch {
	case o.OverprovisioningFactor < 100 || o.OverprovisioningFactor > 10000:
		return optErr("Options.OverprovisioningFactor", "%d is not in [100, 10000]", o.OverprovisioningFactor)
	case o.PanicThreshold > 100:
		return optErr("Options.PanicThreshold", "%d is above 100", o.PanicThreshold)
	}
	return nil
}
