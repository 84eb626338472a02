package scenarios

import "time"

// Fault kinds for Fault.Kind. They follow the usual fault injectors:
// toxiproxy's toxics (latency, bandwidth, reset_peer, timeout), Envoy and
// Istio's HTTP fault filter (delay and abort with a percentage) and Chaos
// Mesh's pod and network chaos (pod-kill, partition, loss).
const (
	// FaultCrash kills replicas: their listener closes and in-flight
	// connections are reset; with Restart they come back when it ends.
	FaultCrash = "crash"
	// FaultLatency delays requests by Add (a duration or a distribution).
	FaultLatency = "latency"
	// FaultError aborts requests with Status, as Envoy's abort fault.
	FaultError = "error"
	// FaultHang blackholes requests: they are accepted and never answered.
	FaultHang = "hang"
	// FaultSlowBody sends response bodies at Bandwidth bytes per second.
	FaultSlowBody = "slow_body"
	// FaultReset resets the connection (a TCP RST) instead of answering.
	FaultReset = "reset"
	// FaultPartition cuts the network between Target.Service and Peer, both
	// ways: calls fail as connect failures.
	FaultPartition = "partition"
	// FaultDrop drops calls on the wire; the caller sees a reset.
	FaultDrop = "drop"
	// FaultDiscoveryLoss removes replicas from service discovery while they
	// keep serving (a lost registration, a stale EDS push).
	FaultDiscoveryLoss = "discovery_loss"
)

// FaultKinds lists the fault kinds a scenario may give faults[].kind, in
// the order the documentation presents them.
func FaultKinds() []string {
	return []string{
		FaultCrash, FaultLatency, FaultError, FaultHang, FaultSlowBody,
		FaultReset, FaultPartition, FaultDrop, FaultDiscoveryLoss,
	}
}

// Fault is one entry of a scenario's `faults:` list: a fault of Kind that
// hits Target from At for For. Which of the kind parameters (Add, Status,
// Bandwidth, Restart, Peer) a kind uses, and which request conditions
// (Percentage, FirstN, Target.Route, Target.Consumer, Target.Caller,
// Target.Header, Ramp) it accepts, is checked here (validate_faults.go),
// by the loader for the scenario's faults and by ValidateFault and
// ValidateInjectedFault for faults built in Go: a field a kind does not
// use must be left out. A zero value below means "not set" and, where a
// default is named, that default; the loader writes the defaults of
// Status (503, error faults) and Percentage (100, per-request kinds) into
// the faults it reads, so that the canonical form shows them.
//
//	faults:
//	  - {at: 10s, for: 20s, kind: latency, target: {service: catalog}, add: 200ms, percentage: 50}
//	  - {at: 30s, for: 15s, kind: crash, target: {service: catalog, replica: 0}, restart: true}
type Fault struct {
	// At is when the fault starts, from the start of the load; >= 0,
	// default 0 (at once).
	At time.Duration `json:"at,omitempty" yaml:"at"`
	// For is how long the fault lasts: it is active in [At, At+For). It
	// must be > 0, except for a crash without Restart, which never ends
	// and must leave For out.
	For time.Duration `json:"for,omitempty" yaml:"for,omitempty"`
	// Ramp makes the fault's intensity grow linearly from 0 at At to full
	// at At+Ramp; 0 (default) is full at once; 0 <= Ramp <= For. It scales
	// the delay of a latency fault and the share of requests hit for the
	// other per-request kinds; crash, partition and discovery_loss have
	// no ramp.
	Ramp time.Duration `json:"ramp,omitempty" yaml:"ramp,omitempty"`
	// Kind is one of FaultKinds(); required.
	Kind string `json:"kind" yaml:"kind" required:"name the fault, such as kind: latency"`
	// Target says which requests or replicas the fault hits.
	Target FaultTarget `json:"target" yaml:"target"`
	// FirstN limits a per-request fault to the first N requests it matches
	// (counted per fault, over the whole run); 0 (default) is no limit;
	// >= 0.
	FirstN int `json:"first_n,omitempty" yaml:"first_n,omitempty"`
	// Percentage is the share of matching requests hit, in percent, for
	// latency, error, hang, slow_body, reset and drop (Envoy's percentage,
	// toxiproxy's toxicity); 0 < Percentage <= 100, fractions allowed
	// (0.5 is one request in two hundred); 0 or left out means 100.
	Percentage float64 `json:"percentage,omitempty" yaml:"percentage,omitempty"`

	// Add is a latency fault's added delay: a duration (50ms) or a
	// distribution written like a service's latency ({dist: uniform, min:
	// 10ms, max: 90ms} for jitter); required for latency, unused
	// otherwise.
	Add *Latency `json:"add,omitempty" yaml:"add"`
	// Status is the HTTP status an error fault answers with; 200..599;
	// 0 or left out means 503.
	Status int `json:"status,omitempty" yaml:"status,omitempty"`
	// Bandwidth is a slow_body fault's rate in bytes per second; > 0,
	// required for slow_body.
	Bandwidth int64 `json:"bandwidth,omitempty" yaml:"bandwidth,omitempty"`
	// Restart brings a crashed replica back (on the same address) when the
	// crash ends; default false: it stays down for the rest of the run.
	Restart bool `json:"restart,omitempty" yaml:"restart,omitempty"`
	// Peer is the service on the other side of a partition from
	// Target.Service; required for partition, a different service.
	Peer string `json:"peer,omitempty" yaml:"peer,omitempty"`
}

// FaultTarget selects what a fault hits. Empty fields match everything;
// set fields must all match.
type FaultTarget struct {
	// Service is the destination service (the one a request is sent to);
	// required for crash, partition and discovery_loss; empty means every
	// service for the per-request kinds.
	Service string `json:"service,omitempty" yaml:"service,omitempty"`
	// Replica is a replica index of Service (0-based, < replicas); left out
	// means every replica. Not allowed for partition.
	Replica *int `json:"replica,omitempty" yaml:"replica"`
	// Route is a gateway route name; the fault hits only requests that
	// came in on it. Per-request kinds only.
	Route string `json:"route,omitempty" yaml:"route,omitempty"`
	// Consumer is a gateway consumer name (an authenticated caller).
	// Per-request kinds only.
	Consumer string `json:"consumer,omitempty" yaml:"consumer,omitempty"`
	// Caller is the calling service's name, or "gateway" for the edge's
	// own calls. Per-request kinds only.
	Caller string `json:"caller,omitempty" yaml:"caller,omitempty"`
	// Header makes the fault header-controlled: only requests carrying the
	// header hit it. Per-request kinds only.
	Header *HeaderMatch `json:"header,omitempty" yaml:"header"`
}

// HeaderMatch matches a request header.
type HeaderMatch struct {
	// Name is the header's name, any case; required.
	Name string `json:"name" yaml:"name" required:"name the header, such as name: x-fault"`
	// Value is the header's exact value; empty (default) matches any
	// non-empty value.
	Value string `json:"value,omitempty" yaml:"value,omitempty"`
}
