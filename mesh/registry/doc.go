// Package registry is Baton's service discovery: which instances each
// service has, which of them a caller may send new requests to, and with
// what weight.
//
// It models Envoy's EDS view of a cluster together with the policies that
// decide eligibility:
//
//   - registration, readiness (Kubernetes readiness, Consul's passing
//     state) and draining (a terminating pod: never picked for new requests);
//   - active health checking as a per-endpoint state machine (HealthChecker:
//     Envoy's interval, timeout, healthy_threshold, unhealthy_threshold and
//     no_traffic_interval);
//   - outlier ejection fed in from mesh/resilience (Eject until a time);
//   - slow start (Envoy's slow_start_config: window, aggression,
//     min_weight_percent);
//   - zone-aware routing with failover (Envoy priorities with the
//     overprovisioning factor, as Istio's localityLbSetting builds them) and
//     Envoy's healthy panic threshold.
//
// Like every Baton policy the registry is a deterministic state machine with
// explicit time: every method takes now, nothing reads the clock, sleeps,
// starts a goroutine or does I/O. The engine owns the loops: it calls
// Probes on a ticker, runs the HTTP probes and reports them with
// ProbeResult, and calls Tick so that time-driven changes (ejections ending,
// slow-start ramps) reach the subscribers.
//
// # Subscribers
//
// Watch registers a callback per caller (one per calling replica, since each
// has its own balancer). The registry calls it synchronously, while holding
// its lock, whenever the caller's eligible Set changes, so callbacks see the
// changes in the order they happened. A callback must be quick (typically
// balancer.Update) and must not call back into the registry: that would
// deadlock.
//
// # Weights
//
// Endpoint pointers are shared and stable: in-flight counters live in them,
// and several callers (in different zones) hold the same pointer. The
// registry therefore never writes balance.Endpoint fields. The effective
// weight of each eligible endpoint (its configured weight scaled by slow
// start) travels beside it in Set.Weights, and Weight reports it for one
// instance. Writing Endpoint.Weight instead would race with balancers that
// read it in Pick without a lock (least_request_full, least_time), and
// could not hold per-caller values.
package registry
