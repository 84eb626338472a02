package fault

import (
	"errors"
	"slices"
	"strconv"

	"github.com/baton-sim/baton/scenarios"
)

// CallerGateway is the caller name of the gateway's own calls.
const CallerGateway = "gateway"

// ValidateTopology checks faults against the scenario they run in: the
// services, replica indexes, peers, callers and routes they name must
// exist. NewTimeline cannot, as it sees only the faults. Errors are
// *FieldErrors as NewTimeline's, joined.
func ValidateTopology(faults []scenarios.Fault, sc *scenarios.Scenario) error {
	replicas := make(map[string]int, len(sc.Services))
	var names []string
	for _, s := range sc.Services {
		replicas[s.Name] = s.Replicas
		names = append(names, s.Name)
	}
	var routes []string
	for _, r := range sc.Gateway.Routes {
		routes = append(routes, r.Name)
	}
	var errs []error
	for i := range faults {
		f := &faults[i]
		c := &checker{path: "faults[" + strconv.Itoa(i) + "]"}
		service := func(field, name string, also ...string) {
			if name == "" || contains(also, name) {
				return
			}
			if _, ok := replicas[name]; !ok {
				c.errorf(field, "unknown service %q%s", name, knownHint(name, slices.Concat(names, also)))
			}
		}
		service("target.service", f.Target.Service)
		service("peer", f.Peer)
		service("target.caller", f.Target.Caller, CallerGateway)
		if r := f.Target.Replica; r != nil && f.Target.Service != "" {
			if n, ok := replicas[f.Target.Service]; ok && *r >= n {
				c.errorf("target.replica", "service %q has %d replicas (0..%d), got %d", f.Target.Service, n, n-1, *r)
			}
		}
		if r := f.Target.Route; r != "" && !contains(routes, r) {
			c.errorf("target.route", "unknown route %q%s", r, knownHint(r, routes))
		}
		errs = append(errs, c.errs...)
	}
	return errors.Join(errs...)
}
