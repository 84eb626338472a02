// Package resilience holds the mesh's per-call resilience policies: retry
// conditions and backoff, Linkerd-style retry budgets, Envoy-style
// circuit-breaker thresholds, a consecutive-failure breaker, Envoy-style
// outlier detection, gRPC-style hedging and per-call/per-try timeouts.
//
// Every policy is a deterministic state machine with explicit time: it never
// reads the clock, never sleeps, starts no goroutine and does no I/O. Time
// comes in as an argument, randomness as a seeded *rand.Rand, so the live
// engine (wall clock) and the virtual engine (event clock) make identical
// decisions and tests can assert exact counts.
//
// # Options
//
// Each policy is built from an Options struct whose zero value means the
// documented defaults (Envoy's and Linkerd's, or Istio's where the mesh
// follows a DestinationRule). Where zero is the default but "none" must
// also be expressible, a negative value switches the mechanism off; each
// field says so. Validate reports the first bad field as an *OptionError,
// which wraps ErrInvalidOptions.
//
// # Observability
//
// Every decision telemetry cares about is either returned (Decision,
// HostEvent, HedgeAction, Transition) or counted (the Stats methods), so
// the mesh can record it without the policy knowing about telemetry.
//
// # Concurrency
//
//	RetryPolicy, Hedge, Timeouts   immutable after construction: safe
//	Budget, Breaker, OutlierDetector   guarded by a mutex: safe
//	Limits                         atomics only: safe and lock-free
//	HedgeCall                      per-call state: owned by one call, not safe
//
// A *rand.Rand is not safe for concurrent use; callers pass one per
// goroutine (or per call) to RetryPolicy.Backoff.
package resilience

import (
	"errors"
	"fmt"
)

// ErrInvalidOptions is wrapped by every *OptionError.
var ErrInvalidOptions = errors.New("resilience: invalid options")

// OptionError names the option field that failed validation, so that the
// scenario loader can point at the YAML key that set it.
type OptionError struct {
	// Field is "Type.Field", e.g. "RetryOptions.MaxRetries".
	Field string
	// Problem says what is wrong with its value.
	Problem string
}

func (e *OptionError) Error() string {
	return fmt.Sprintf("resilience: %s: %s", e.Field, e.Problem)
}

// Unwrap makes errors.Is(err, ErrInvalidOptions) true.
func (e *OptionError) Unwrap() error { return ErrInvalidOptions }

func optErr(field, format string, args ...any) error {
	return &OptionError{Field: field, Problem: fmt.Sprintf(format, args...)}
}
