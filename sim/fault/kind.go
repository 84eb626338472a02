package fault

import "github.com/baton-sim/baton/scenarios"

// scope is what a kind of fault hits, which decides how a request is
// matched against it and which conditions it accepts.
type scope int

const (
	// perRequest kinds hit single requests: they take a percentage,
	// first_n, a ramp and route, consumer, caller and header conditions.
	perRequest scope = iota
	// perReplica kinds hit whole replicas (crash); requests to them fail.
	perReplica
	// network kinds cut links between two services (partition).
	network
	// registry kinds change only service discovery (discovery_loss): the
	// engine applies them from Transitions and requests are untouched.
	registry
)

// kind is one kind of fault, in its own file as toxiproxy keeps its toxics.
type kind interface {
	scope() scope
	// apply folds a request's fate under fault x into e and returns it.
	// intensity is x's at the request's time and s the decision's
	// randomness.
	apply(x *entry, intensity float64, s stream, e Effect) Effect
}

var (
	_ kind = crash{}
	_ kind = latency{}
	_ kind = abort{}
	_ kind = hang{}
	_ kind = slowBody{}
	_ kind = reset{}
	_ kind = partition{}
	_ kind = drop{}
	_ kind = discoveryLoss{}
)

// kindNamed returns the kind called name.
func kindNamed(name string) (kind, bool) {
	switch name {
	case scenarios.FaultCrash:
		return crash{}, true
	case scenarios.FaultLatency:
		return latency{}, true
	case scenarios.FaultError:
		return abort{}, true
	case scenarios.FaultHang:
		return hang{}, true
	case scenarios.FaultSlowBody:
		return slowBody{}, true
	case scenarios.FaultReset:
		return reset{}, true
	case scenarios.FaultPartition:
		return partition{}, true
	case scenarios.FaultDrop:
		return drop{}, true
	case scenarios.FaultDiscoveryLoss:
		return discoveryLoss{}, true
	}
	return nil, false
}

// hit reports whether a per-request fault with percentage pct hits at
// the given intensity, using the decision's first number.
func hit(pct, intensity float64, s stream) bool {
	if pct == 0 {
		pct = 100
	}
	return s.uniform(0) < pct/100*intensity
}
