// Package balance holds Baton's load-balancing policies.
//
// Every balancer is a deterministic state machine with explicit time: it
// never reads the clock, never sleeps, starts no goroutine and does no I/O.
// Randomness comes from a seed given to its constructor. Pick is safe for
// concurrent use, takes no lock and allocates nothing; Update may do both.
//
// Update builds an immutable snapshot (endpoints, schedule, ring or table)
// and publishes it atomically, as a grpc-go picker is rebuilt; Pick reads
// the current snapshot. State a balancer learns (latency estimates) lives
// beside the snapshot and carries over to the next one for endpoints that
// stay.
//
// The built-in balancers, by the names scenarios use (see New and Names):
//
//	round_robin           cycle in order, ignoring weights
//	weighted_round_robin  nginx's smooth weighted round robin
//	random                weighted random
//	least_request         power of two choices on in-flight requests
//	least_request_full    fewest in-flight per weight, ties by rotation
//	p2c_peak_ewma         Linkerd: two choices on peak-EWMA latency × load
//	least_time            Traefik: lowest smoothed latency × load, full scan
//	ring_hash             ketama consistent hashing on Request.Hash
//	maglev                Maglev consistent hashing on Request.Hash
//
// Package balancetest holds the conformance suite they all pass.
package balance

import (
	"errors"
	"sync/atomic"
	"time"
)

// ErrNoEndpoint is returned by Pick when no endpoint is eligible.
var ErrNoEndpoint = errors.New("balance: no eligible endpoint")

// Endpoint is one replica as balancers see it. The mesh creates one
// *Endpoint per replica and keeps passing the same pointer for as long as the
// replica lives, so per-endpoint load state survives Update calls and
// balancer switches (as Envoy's host stats do).
type Endpoint struct {
	// ID names the replica uniquely and stably ("backend-2").
	ID string
	// Addr is where the replica listens ("127.0.0.1:41234").
	Addr string
	// Zone is the replica's locality; empty when zones are not used.
	Zone string
	// Weight is the relative weight; 0 counts as 1.
	Weight uint32

	// inFlight is maintained by Pick (increment) and Done (decrement).
	inFlight atomic.Int64
}

// InFlight reports the requests picked for e whose Done has not been called.
func (e *Endpoint) InFlight() int64 { return e.inFlight.Load() }

// Request is what a pick may key on.
type Request struct {
	// Hash is the request's hash key for consistent-hash balancers; set
	// HasHash when it is meaningful.
	Hash    uint64
	HasHash bool
}

// Outcome is fed back to the balancer when a picked call ends.
type Outcome struct {
	Latency time.Duration
	// Failed is true for connection errors, timeouts and 5xx answers.
	Failed bool
}

// Balancer chooses an endpoint for each request.
type Balancer interface {
	// Update installs the endpoints eligible for picking (healthy, not
	// ejected, not draining). Endpoints absent from eps are never picked
	// again; Done may still arrive for them.
	Update(eps []*Endpoint, now time.Time)
	// Pick chooses an endpoint and counts the request in flight on it.
	Pick(req Request, now time.Time) (*Endpoint, error)
	// Done reports the end of a request started by Pick on ep.
	Done(ep *Endpoint, o Outcome, now time.Time)
}
