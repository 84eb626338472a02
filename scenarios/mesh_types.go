package scenarios

import "time"

// Mesh data-plane modes.
const (
	ModeProxyless = "proxyless"
	ModeSidecar   = "sidecar"
)

// MeshPolicy is what a caller applies to calls to one destination service.
// Nil blocks are off (no retries, no breaker, no outlier detection, no
// hedging, no slow start).
//
// The loader fills in every default named by a default tag (written in the
// file's own syntax) when a block is present, so zero values reaching the
// mesh were written as zero: retries.attempts 0 never retries, budget
// ratio 0 keeps only the per-second reserve, circuit_breaker
// consecutive_failures 0 leaves the breaker off. In Destinations the
// top-level scalars (Balancer, Timeout, PerTryTimeout) have no defaults:
// zero there means "as the mesh-wide policy".
type MeshPolicy struct {
	// Balancer names the load-balancing policy (Balancers lists them).
	Balancer string `json:"balancer,omitempty" yaml:"balancer,omitempty"`
	// HashKey is what ring_hash and maglev hash on.
	HashKey *HashKey `json:"hash_key,omitempty" yaml:"hash_key"`
	// Timeout bounds a whole call, retries included; 0 means 15s.
	Timeout time.Duration `json:"timeout,omitempty" yaml:"timeout,omitempty"`
	// PerTryTimeout bounds each attempt; 0 means only Timeout applies.
	PerTryTimeout    time.Duration     `json:"per_try_timeout,omitempty" yaml:"per_try_timeout,omitempty"`
	Retries          *Retries          `json:"retries,omitempty" yaml:"retries"`
	CircuitBreaker   *CircuitBreaker   `json:"circuit_breaker,omitempty" yaml:"circuit_breaker"`
	OutlierDetection *OutlierDetection `json:"outlier_detection,omitempty" yaml:"outlier_detection"`
	Hedge            *Hedge            `json:"hedge,omitempty" yaml:"hedge"`
	SlowStart        *SlowStart        `json:"slow_start,omitempty" yaml:"slow_start"`
}

// HashKey says where a consistent-hash balancer takes a request's key
// from; exactly one field is set.
type HashKey struct {
	Header string `json:"header,omitempty" yaml:"header,omitempty"`
	Cookie string `json:"cookie,omitempty" yaml:"cookie,omitempty"`
	// Path hashes the request path; Client hashes the caller's address.
	Path   bool `json:"path,omitempty" yaml:"path,omitempty"`
	Client bool `json:"client,omitempty" yaml:"client,omitempty"`
}

// Retries configures retrying failed attempts (Envoy's retry policy).
type Retries struct {
	// Attempts is the number of retries after the first try; default 2.
	Attempts int `json:"attempts" yaml:"attempts" default:"2"`
	// RetryOn lists the retriable conditions: 5xx, gateway-error, reset,
	// connect-failure, retriable-4xx, retriable-status-codes; default
	// connect-failure, reset, retriable-status-codes (503).
	RetryOn []string `json:"retry_on,omitempty" yaml:"retry_on" default:"[connect-failure, reset, retriable-status-codes]"`
	// StatusCodes are matched by retriable-status-codes; default [503].
	StatusCodes []int `json:"status_codes,omitempty" yaml:"status_codes" default:"[503]"`
	// NonIdempotent allows retrying POST and other non-idempotent methods.
	NonIdempotent bool    `json:"non_idempotent,omitempty" yaml:"non_idempotent"`
	Backoff       Backoff `json:"backoff" yaml:"backoff"`
	// Budget caps retries as a share of requests (Linkerd); nil is none.
	Budget *RetryBudget `json:"budget,omitempty" yaml:"budget"`
}

// Backoff is exponential backoff with jitter between retries.
type Backoff struct {
	// Base is the first retry's backoff ceiling; default 25ms.
	Base time.Duration `json:"base,omitempty" yaml:"base" default:"25ms"`
	// Max caps every backoff; default 10 x Base.
	Max time.Duration `json:"max,omitempty" yaml:"max"`
	// Jitter is full (default), equal, none or decorrelated.
	Jitter string `json:"jitter,omitempty" yaml:"jitter" default:"full"`
}

// RetryBudget allows retries while retries <= Ratio x requests +
// MinPerSecond x TTL over the last TTL.
type RetryBudget struct {
	Ratio        float64       `json:"ratio" yaml:"ratio" form:"fraction" default:"20%"`
	MinPerSecond float64       `json:"min_per_second" yaml:"min_per_second" default:"10"`
	TTL          time.Duration `json:"ttl" yaml:"ttl" default:"10s"`
}

// CircuitBreaker holds Envoy-style thresholds and a consecutive-failure
// breaker. Zero thresholds mean Envoy's defaults (1024, 1024, 1024, 3);
// ConsecutiveFailures 0 (the default) leaves the open/half-open/closed
// breaker off.
type CircuitBreaker struct {
	MaxConnections      int64         `json:"max_connections,omitempty" yaml:"max_connections" default:"1024"`
	MaxPending          int64         `json:"max_pending,omitempty" yaml:"max_pending" default:"1024"`
	MaxRequests         int64         `json:"max_requests,omitempty" yaml:"max_requests" default:"1024"`
	MaxRetries          int64         `json:"max_retries,omitempty" yaml:"max_retries" default:"3"`
	ConsecutiveFailures int           `json:"consecutive_failures,omitempty" yaml:"consecutive_failures"`
	CoolDown            time.Duration `json:"cooldown,omitempty" yaml:"cooldown" default:"30s"`
	MaxCoolDown         time.Duration `json:"max_cooldown,omitempty" yaml:"max_cooldown"` // default cooldown
	Probes              int           `json:"probes,omitempty" yaml:"probes" default:"1"`
}

// OutlierDetection ejects misbehaving endpoints (Envoy's outlier
// detection). Zero fields mean Envoy's defaults.
type OutlierDetection struct {
	Interval                  time.Duration `json:"interval,omitempty" yaml:"interval" default:"10s"`
	Consecutive5xx            int           `json:"consecutive_5xx,omitempty" yaml:"consecutive_5xx" default:"5"`
	ConsecutiveGatewayFailure int           `json:"consecutive_gateway_failure,omitempty" yaml:"consecutive_gateway_failure"`
	BaseEjectionTime          time.Duration `json:"base_ejection_time,omitempty" yaml:"base_ejection_time" default:"30s"`
	MaxEjectionTime           time.Duration `json:"max_ejection_time,omitempty" yaml:"max_ejection_time"` // default max(300s, base_ejection_time)
	// MaxEjectionPercent is a whole percentage, written 50 or 50%; a
	// fraction (0.5) is refused, since 1 would be ambiguous.
	MaxEjectionPercent int                `json:"max_ejection_percent,omitempty" yaml:"max_ejection_percent" form:"percent" default:"10"`
	SuccessRate        *SuccessRate       `json:"success_rate,omitempty" yaml:"success_rate"`
	FailurePercentage  *FailurePercentage `json:"failure_percentage,omitempty" yaml:"failure_percentage"`
}

// SuccessRate ejects hosts whose success rate is below mean - factor x
// stdev of all hosts'.
type SuccessRate struct {
	StdevFactor   float64 `json:"stdev_factor,omitempty" yaml:"stdev_factor" default:"1.9"`
	MinimumHosts  int     `json:"minimum_hosts,omitempty" yaml:"minimum_hosts" default:"5"`
	RequestVolume int     `json:"request_volume,omitempty" yaml:"request_volume" default:"100"`
}

// FailurePercentage ejects hosts whose failure share reaches Threshold.
type FailurePercentage struct {
	Threshold     float64 `json:"threshold" yaml:"threshold" form:"fraction" default:"85%"` // a fraction, written 50% or 0.5
	MinimumHosts  int     `json:"minimum_hosts,omitempty" yaml:"minimum_hosts" default:"5"`
	RequestVolume int     `json:"request_volume,omitempty" yaml:"request_volume" default:"50"`
}

// Hedge sends another attempt when the first has not answered after
// Delay, and takes the first answer.
type Hedge struct {
	Delay       time.Duration `json:"delay" yaml:"delay" required:"give the wait before another attempt is sent, such as delay: 50ms"`
	MaxAttempts int           `json:"max_attempts" yaml:"max_attempts" default:"2"` // 2..5
}

// SlowStart ramps a new endpoint's weight up over Window (Envoy).
type SlowStart struct {
	Window     time.Duration `json:"window" yaml:"window" required:"give the ramp-up time of a new endpoint, such as window: 10s"`
	Aggression float64       `json:"aggression,omitempty" yaml:"aggression" default:"1"`
	MinWeight  float64       `json:"min_weight,omitempty" yaml:"min_weight" form:"fraction" default:"10%"`
}

// HealthCheck is active HTTP health checking of every replica.
type HealthCheck struct {
	Interval           time.Duration `json:"interval,omitempty" yaml:"interval" default:"1s"`
	Timeout            time.Duration `json:"timeout,omitempty" yaml:"timeout" default:"500ms"`
	HealthyThreshold   int           `json:"healthy_threshold,omitempty" yaml:"healthy_threshold" default:"1"`
	UnhealthyThreshold int           `json:"unhealthy_threshold,omitempty" yaml:"unhealthy_threshold" default:"3"`
	Path               string        `json:"path,omitempty" yaml:"path" default:"/healthz"`
}

// Locality configures zone-aware routing: callers prefer replicas in their
// own zone while enough of them are healthy.
type Locality struct {
	// FailoverThreshold: below this healthy share of the local zone,
	// traffic spills to other zones; default 0.7.
	FailoverThreshold float64 `json:"failover_threshold,omitempty" yaml:"failover_threshold" form:"fraction" default:"70%"`
	// PanicThreshold: below this healthy share of all replicas, health is
	// ignored (Envoy's panic mode); default 0.5.
	PanicThreshold float64 `json:"panic_threshold,omitempty" yaml:"panic_threshold" form:"fraction" default:"50%"`
}

// mTLS modes.
const (
	MTLSOff        = "off"
	MTLSPermissive = "permissive"
	MTLSStrict     = "strict"
)

// MTLS configures mutual TLS between services.
type MTLS struct {
	Mode        string        `json:"mode" yaml:"mode" default:"off"` // off, permissive, strict
	TrustDomain string        `json:"trust_domain,omitempty" yaml:"trust_domain" default:"baton.local"`
	CertTTL     time.Duration `json:"cert_ttl,omitempty" yaml:"cert_ttl" default:"1h"`
	RotateAt    float64       `json:"rotate_at,omitempty" yaml:"rotate_at" form:"fraction" default:"70%"` // share of the lifetime
}

// AuthzRule allows only the From services to call To. A service that no
// rule names as To may be called by anyone.
type AuthzRule struct {
	To   string   `json:"to" yaml:"to" required:"name the service the rule protects, such as to: pricing"`
	From []string `json:"from" yaml:"from" required:"list the services allowed to call, such as from: [frontend]; [] allows none"`
}

// ReplicaOverride changes one replica's behaviour: the slow or flaky one in
// a demo. Latency and Errors replace the service's whole value; fields left
// out of Errors take a service's defaults (status 500), not this service's
// values.
type ReplicaOverride struct {
	// Replica is the replica's index (0-based).
	Replica int      `json:"replica" yaml:"replica" required:"give the replica's index, such as replica: 0"`
	Latency *Latency `json:"latency,omitempty" yaml:"latency"`
	Errors  *Errors  `json:"errors,omitempty" yaml:"errors"`
}
