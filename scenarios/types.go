// Package scenarios holds Baton's scenario schema, its strict loader and
// validator, and the embedded library of example scenarios.
//
// The types in this file are the contract between the loader and every
// engine: a *Scenario returned by Parse or Open has been parsed strictly,
// had its defaults applied and passed validation, so engines never
// re-check it.
package scenarios

import (
	"time"

	"github.com/baton-sim/baton/gateway/config"
)

// Version is the only scenario format version this build understands.
const Version = "v1"

// Scenario is one validated scenario file.
type Scenario struct {
	Baton       string        `json:"baton"`
	Name        string        `json:"name"`
	Description string        `json:"description,omitempty"`
	Seed        uint64        `json:"seed"`
	Duration    time.Duration `json:"duration"`

	// Services keeps the order of the file's `services` mapping.
	Services []Service `json:"services"`
	Gateway  Gateway   `json:"gateway"`
	Mesh     Mesh      `json:"mesh"`
	Load     Load      `json:"load"`
	SLO      []SLO     `json:"slo,omitempty"`
	// Faults is the fault timeline: what goes wrong, where and when.
	Faults []Fault `json:"faults,omitempty" yaml:"faults"`
	// Rollout changes gateway routes' backends during the run.
	Rollout []RolloutStep `json:"rollout,omitempty" yaml:"rollout"`
}

// Service is one synthetic service: Replicas identical replicas, each with
// Concurrency workers and a bounded queue of Queue waiting requests.
//
// The yaml tags name the file's fields and the default tags give, in the
// file's own syntax, the value a field takes when the file leaves it out
// (see schema.go).
type Service struct {
	// Name is the key of the service in the file's services mapping.
	Name          string  `json:"name" yaml:"-"`
	Replicas      int     `json:"replicas" yaml:"replicas" default:"1"`
	Concurrency   int     `json:"concurrency" yaml:"concurrency" default:"16"`
	Queue         int     `json:"queue" yaml:"queue" default:"64"`
	Latency       Latency `json:"latency" yaml:"latency" default:"1ms"`
	Errors        Errors  `json:"errors" yaml:"errors"`
	ResponseBytes int     `json:"response_bytes" yaml:"response_bytes" default:"128"`
	Calls         []Step  `json:"calls,omitempty" yaml:"calls"`
	// Zones places replica i in Zones[i % len(Zones)]; empty means no
	// zones.
	Zones []string `json:"zones,omitempty" yaml:"zones"`
	// Overrides change single replicas (a slow one, a flaky one).
	Overrides []ReplicaOverride `json:"overrides,omitempty" yaml:"overrides" example:"[{replica: 0, latency: 200ms}]"`
}

// Distribution kinds for Latency.Dist.
const (
	DistConstant    = "constant"
	DistUniform     = "uniform"
	DistExponential = "exponential"
	DistNormal      = "normal"
	DistLognormal   = "lognormal"
	DistEmpirical   = "empirical"
)

// Distributions lists the latency distribution kinds, in the order the
// documentation presents them.
func Distributions() []string {
	return []string{DistConstant, DistUniform, DistExponential, DistNormal, DistLognormal, DistEmpirical}
}

// Latency is a service-time distribution. Which fields are set depends on
// Dist:
//
//	constant:    Value
//	uniform:     Min, Max
//	exponential: Mean
//	normal:      Mean, StdDev (samples below zero are clamped to zero)
//	lognormal:   P50, P99 (the distribution is fitted through both)
//	empirical:   Percentiles (ascending quantiles, linear in between)
type Latency struct {
	Dist        string        `json:"dist"`
	Value       time.Duration `json:"value,omitempty"`
	Min         time.Duration `json:"min,omitempty"`
	Max         time.Duration `json:"max,omitempty"`
	Mean        time.Duration `json:"mean,omitempty"`
	StdDev      time.Duration `json:"stddev,omitempty"`
	P50         time.Duration `json:"p50,omitempty"`
	P99         time.Duration `json:"p99,omitempty"`
	Percentiles []Percentile  `json:"percentiles,omitempty"`
}

// Percentile is one point of an empirical distribution: Quantile in (0,1]
// (the file writes p50, p99.9, p100) and the latency at it.
type Percentile struct {
	Quantile float64       `json:"quantile"`
	Value    time.Duration `json:"value"`
}

// Errors makes a fraction Rate of a replica's answers fail with Status.
type Errors struct {
	Rate   float64 `json:"rate" yaml:"rate" form:"fraction"`
	Status int     `json:"status" yaml:"status" default:"500"`
}

// Step is one step of a service's downstream calls. Steps run in order;
// exactly one of Call or Parallel is set.
type Step struct {
	Call     *Call  `json:"call,omitempty"`
	Parallel []Call `json:"parallel,omitempty"`
}

// Call is one downstream call made with the given Probability.
type Call struct {
	Service     string  `json:"service"`
	Probability float64 `json:"probability"`
}

// Gateway is the edge in front of the topology: the gateway package's own
// configuration (replicas, limits, server bounds, auth, rate limits and
// routes), read by the tag-driven decoder and checked by its Validate,
// with positions. The scenario format adds one default to it: a route
// left unnamed is named by its path condition (prefix, path, template or
// regex, as written).
type Gateway = config.Gateway

// Route is one gateway route: a route.Route (match, backends, mirror,
// rewrites, redirect, timeout, retries) plus service, auth, rate_limits,
// transform and aggregate.
type Route = config.Route

// Balancer names, as mesh/balance registers them.
const (
	BalancerLeastRequest       = "least_request"
	BalancerLeastRequestFull   = "least_request_full"
	BalancerLeastTime          = "least_time"
	BalancerMaglev             = "maglev"
	BalancerP2CPeakEWMA        = "p2c_peak_ewma"
	BalancerRandom             = "random"
	BalancerRingHash           = "ring_hash"
	BalancerRoundRobin         = "round_robin"
	BalancerWeightedRoundRobin = "weighted_round_robin"
)

// Balancers lists every balancer name a scenario may give mesh.balancer,
// sorted. It is the one list to extend when a balancer is added; the
// loader and its error messages read it from here.
func Balancers() []string {
	return []string{
		BalancerLeastRequest, BalancerLeastRequestFull, BalancerLeastTime, BalancerMaglev,
		BalancerP2CPeakEWMA, BalancerRandom, BalancerRingHash, BalancerRoundRobin,
		BalancerWeightedRoundRobin,
	}
}

// Mesh configures the service-to-service data plane. Its MeshPolicy
// fields are the defaults for every destination; Destinations overrides
// them per destination service (as Istio's destination rules do).
type Mesh struct {
	// Mode is proxyless (the mesh client runs in the calling replica, as
	// gRPC proxyless) or sidecar (each replica has an outbound and an
	// inbound proxy, so a call crosses two proxy hops as in Istio).
	Mode       string `json:"mode" yaml:"mode" default:"proxyless"`
	MeshPolicy `yaml:",inline"`
	// Destinations overrides the policy per destination service: a field
	// set there replaces the mesh-wide one (whole blocks, not merged).
	Destinations map[string]MeshPolicy `json:"destinations,omitempty" yaml:"destinations" example:"{catalog: {balancer: least_request}}"`

	HealthCheck *HealthCheck `json:"health_check,omitempty" yaml:"health_check"`
	Locality    *Locality    `json:"locality,omitempty" yaml:"locality"`
	MTLS        MTLS         `json:"mtls" yaml:"mtls"`
	Authz       []AuthzRule  `json:"authz,omitempty" yaml:"authz" example:"[{to: pricing, from: [frontend]}]"`
}

// Arrival models.
const (
	ArrivalPoisson = "poisson"
	ArrivalUniform = "uniform"
)

// Arrivals lists the arrival models load.arrival accepts.
func Arrivals() []string {
	return []string{ArrivalPoisson, ArrivalUniform}
}

// Load is the offered load: an open model (requests at a rate, or a rate
// profile of stages) or a closed one (virtual users), and the client mix
// the requests are drawn from. The fields of LoadExt (load_types.go) are
// the load's own, written beside rate in the file.
type Load struct {
	// Rate is requests per second, for the open model. Rate alone is one
	// constant stage for the scenario's duration; it excludes Stages, and
	// the open model needs one of the two. The closed model has no rate.
	// 0 when not written, and then left out of the canonical form.
	Rate float64 `json:"rate" yaml:"rate,omitempty" form:"rate"`
	// Arrival spaces the open model's requests (Arrivals); the closed
	// model, whose users wait for answers, ignores it.
	Arrival string `json:"arrival" yaml:"arrival" default:"poisson"`
	// Paths are the request paths the load sends, chosen uniformly at
	// random per request, for client classes without requests of their
	// own; the default is a path per gateway route: its prefix or path,
	// or its template with each {name} written as name (a regex or
	// redirect route offers none; see defaultPaths).
	Paths   []string `json:"paths,omitempty" yaml:"paths"`
	LoadExt `yaml:",inline"`
}

// SLO metrics.
const (
	MetricErrorRate = "error_rate"
	MetricMean      = "mean"
	MetricMax       = "max"
	// Percentile metrics are written pNN (p50, p99, p99.9) and stored with
	// Metric "percentile" and the quantile in Quantile.
	MetricPercentile = "percentile"
	MetricRPS        = "rps"
)

// SLO is one objective such as `p99 < 150ms` or `error_rate < 1%`.
type SLO struct {
	// Rule is the text as written, normalised (`p99 < 150ms`).
	Rule     string  `json:"rule"`
	Metric   string  `json:"metric"`
	Quantile float64 `json:"quantile,omitempty"`
	// Op is one of <, <=, >, >=.
	Op string `json:"op"`
	// Threshold is in milliseconds for latency metrics, a fraction for
	// error_rate (1% is 0.01) and requests per second for rps.
	Threshold float64 `json:"threshold"`
}

// defaultTimeout bounds a call when the mesh-wide policy gives no timeout.
const defaultTimeout = 15 * time.Second

// MeshModes lists the values mesh.mode accepts.
func MeshModes() []string { return []string{ModeProxyless, ModeSidecar} }

// MTLSModes lists the values mesh.mtls.mode accepts.
func MTLSModes() []string { return []string{MTLSOff, MTLSPermissive, MTLSStrict} }
