package scenarios

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file checks faults: the loader checks a scenario's `faults:` list
// with every problem at its file position, and ValidateFault and
// ValidateInjectedFault apply the same rules, with the same messages, to
// faults built in Go (sim/fault's NewTimeline and Inject call them). One
// set of rules serves both through faultCheck, which reports fields by
// their path inside the fault ("for", "target.service").

// faultScope is what a kind of fault hits, which decides the conditions
// it accepts.
type faultScope int

const (
	// scopeRequest kinds hit single requests: they take a percentage,
	// first_n, a ramp and route, consumer, caller and header conditions.
	scopeRequest faultScope = iota
	// scopeReplica kinds hit whole replicas (crash).
	scopeReplica
	// scopeNetwork kinds cut the links between two services (partition).
	scopeNetwork
	// scopeRegistry kinds change only service discovery (discovery_loss).
	scopeRegistry
)

// faultScopeOf returns the scope of a fault kind, false for an unknown
// kind.
func faultScopeOf(kind string) (faultScope, bool) {
	switch kind {
	case FaultLatency, FaultError, FaultHang, FaultSlowBody, FaultReset, FaultDrop:
		return scopeRequest, true
	case FaultCrash:
		return scopeReplica, true
	case FaultPartition:
		return scopeNetwork, true
	case FaultDiscoveryLoss:
		return scopeRegistry, true
	}
	return 0, false
}

// whole says why a kind that is not per-request takes no request
// conditions.
func (s faultScope) whole() string {
	switch s {
	case scopeNetwork:
		return "which cuts every call between two services"
	case scopeRegistry:
		return "which only takes replicas out of service discovery"
	}
	return "which hits whole replicas"
}

// defaultFaultStatus is the answer of an error fault without a status.
const defaultFaultStatus = 503

// faultParamKind names the one kind that uses each kind parameter.
func faultParamKind(field string) string {
	switch field {
	case "add":
		return FaultLatency
	case "status":
		return FaultError
	case "bandwidth":
		return FaultSlowBody
	case "restart":
		return FaultCrash
	case "peer":
		return FaultPartition
	}
	return ""
}

// kindsOfScope lists, in FaultKinds order, the kinds with scope s (or,
// with not, every other scope).
func kindsOfScope(s faultScope, not bool) []string {
	var out []string
	for _, k := range FaultKinds() {
		if ks, _ := faultScopeOf(k); (ks == s) != not {
			out = append(out, k)
		}
	}
	return out
}

// andList renders names for a sentence: a, b and c.
func andList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// faultCheck checks one fault, positioned or not.
type faultCheck struct {
	f *Fault
	// injected allows For 0: a fault injected at run time may last until
	// it is cleared.
	injected bool
	// bad reports a problem with the field at rel, a path inside the fault
	// ("" for the fault itself).
	bad func(rel, format string, args ...any)
	// broken reports a field that failed to read or was misspelt: it has
	// been reported already, and its value means nothing.
	broken func(rel string) bool
}

// unused reports a field the fault's kind does not use, naming the kinds
// that do.
func (c *faultCheck) unused(rel string, users []string, why string) {
	c.bad(rel, "not used by %s fault%s; only %s faults use it", aKind(c.f.Kind), why, andList(users))
}

// aKind writes a kind with its article: a crash, an error.
func aKind(kind string) string {
	if strings.IndexByte("aeiou", kind[0]) >= 0 {
		return "an " + kind
	}
	return "a " + kind
}

// alone checks the fault by itself: its kind, times and the fields its
// kind uses.
func (c *faultCheck) alone() {
	f := c.f
	sc, known := faultScopeOf(f.Kind)
	switch {
	case c.broken("kind"):
	case f.Kind == "":
		c.bad("kind", "required; kinds are %s", quoteList(FaultKinds()))
	case !known:
		c.bad("kind", "unknown kind %q%s", f.Kind, knownHint(f.Kind, "kinds", FaultKinds()))
	}

	if !c.broken("at") && f.At < 0 {
		c.bad("at", "must be >= 0, got %v", f.At)
	}
	endless := f.Kind == FaultCrash && !f.Restart
	switch {
	case c.broken("for") || f.Kind == FaultCrash && c.broken("restart"):
	case f.For < 0:
		c.bad("for", "must be > 0, got %v", f.For)
	case endless && f.For != 0:
		c.bad("for", "a crash without restart never ends; leave for out, or set restart: true")
	case f.For == 0 && !endless && !c.injected:
		c.bad("for", "must be > 0")
	case f.At >= 0 && f.At > math.MaxInt64-f.For:
		c.bad("for", "at + for is beyond the end of time; use shorter durations")
	}
	if !known {
		return // which fields the fault may use is not known
	}

	switch {
	case c.broken("ramp") || f.Ramp == 0:
	case f.Ramp < 0:
		c.bad("ramp", "must be >= 0, got %v", f.Ramp)
	case sc != scopeRequest:
		c.unused("ramp", kindsOfScope(scopeRequest, false), ", "+sc.whole())
	case f.For > 0 && f.Ramp > f.For:
		c.bad("ramp", "must be at most for (%v), got %v", f.For, f.Ramp)
	}

	// Request conditions apply only to per-request kinds.
	if sc != scopeRequest {
		for _, cond := range []struct {
			field string
			set   bool
		}{
			{"percentage", f.Percentage != 0},
			{"first_n", f.FirstN != 0},
			{"target.route", f.Target.Route != ""},
			{"target.consumer", f.Target.Consumer != ""},
			{"target.caller", f.Target.Caller != ""},
			{"target.header", f.Target.Header != nil},
		} {
			if cond.set && !c.broken(cond.field) {
				c.unused(cond.field, kindsOfScope(scopeRequest, false), ", "+sc.whole())
			}
		}
	} else {
		if p := f.Percentage; !c.broken("percentage") && (math.IsNaN(p) || p < 0 || p > 100) {
			c.bad("percentage", "must be in (0, 100], got %s", strconv.FormatFloat(p, 'g', -1, 64))
		}
		if !c.broken("first_n") && f.FirstN < 0 {
			c.bad("first_n", "must be >= 0, got %d", f.FirstN)
		}
		if h := f.Target.Header; h != nil && !c.broken("target.header.name") {
			switch {
			case h.Name == "":
				c.bad("target.header.name", "required: the header that turns the fault on, such as name: x-fault")
			case !tokenRE.MatchString(h.Name):
				c.bad("target.header.name", "%q is not a valid header name; use letters, digits and dashes, such as x-fault", h.Name)
			}
		}
	}

	if f.Target.Service == "" && sc != scopeRequest && !c.broken("target.service") && !c.broken("target") {
		c.bad("target.service", "required for %s fault", aKind(f.Kind))
	}
	if r := f.Target.Replica; r != nil && !c.broken("target.replica") {
		switch {
		case sc == scopeNetwork:
			c.unused("target.replica", kindsOfScope(scopeNetwork, true), ", which is between whole services")
		case *r < 0:
			c.bad("target.replica", "must be a replica index >= 0, got %d", *r)
		}
	}

	// Parameters of other kinds are mistakes (status on a latency fault).
	for _, p := range []struct {
		field string
		set   bool
	}{
		{"add", f.Add != nil},
		{"status", f.Status != 0},
		{"bandwidth", f.Bandwidth != 0},
		{"restart", f.Restart},
		{"peer", f.Peer != ""},
	} {
		if owner := faultParamKind(p.field); p.set && owner != f.Kind && !c.broken(p.field) {
			c.unused(p.field, []string{owner}, "")
		}
	}

	switch f.Kind {
	case FaultLatency:
		switch {
		case c.broken("add"):
		case f.Add == nil:
			c.bad("add", "required for a latency fault: a duration such as add: 50ms, or a distribution such as {dist: uniform, min: 10ms, max: 90ms}")
		default:
			checkLatency(*f.Add, func(rel, format string, args ...any) {
				c.bad(joinRel("add", rel), format, args...)
			})
		}
	case FaultError:
		if s := f.Status; s != 0 && (s < 200 || s > 599) && !c.broken("status") {
			c.bad("status", "must be an HTTP status in 200..599, got %d", s)
		}
	case FaultSlowBody:
		switch {
		case c.broken("bandwidth"):
		case f.Bandwidth == 0:
			c.bad("bandwidth", "required for a slow_body fault: bytes per second > 0, such as bandwidth: 1024")
		case f.Bandwidth < 0:
			c.bad("bandwidth", "must be > 0 bytes per second, got %d", f.Bandwidth)
		}
	case FaultPartition:
		switch {
		case c.broken("peer"):
		case f.Peer == "":
			c.bad("peer", "required for a partition fault: the service on the other side from target.service")
		case f.Peer == f.Target.Service:
			c.bad("peer", "must differ from target.service %q: a partition is between two services", f.Peer)
		}
	}
}

// topology checks the names the fault gives against scenario s: services,
// replica indexes, peers, callers and routes must exist. Consumers are
// the gateway's and are not checked.
func (c *faultCheck) topology(s *Scenario) {
	f := c.f
	replicas := make(map[string]int, len(s.Services))
	names := make([]string, 0, len(s.Services))
	for _, svc := range s.Services {
		replicas[svc.Name] = svc.Replicas
		names = append(names, svc.Name)
	}
	known := func(rel, name string) bool {
		if name == "" || c.broken(rel) {
			return false
		}
		if _, ok := replicas[name]; ok {
			return true
		}
		c.bad(rel, "unknown service %q%s", name, knownHint(name, "services", names))
		return false
	}
	service := known("target.service", f.Target.Service)
	known("peer", f.Peer)
	if caller := f.Target.Caller; caller != "" && caller != callerGateway && !c.broken("target.caller") {
		if _, ok := replicas[caller]; !ok {
			callers := append([]string{callerGateway}, names...)
			c.bad("target.caller", "unknown caller %q%s", caller, knownHint(caller, "callers", callers))
		}
	}
	if r := f.Target.Replica; r != nil && *r >= 0 && service && !c.broken("target.replica") {
		if n := replicas[f.Target.Service]; *r >= n {
			c.bad("target.replica", "must be a replica index from 0 to %d (service %s has %d %s), got %d",
				n-1, f.Target.Service, n, plural(n, "replica"), *r)
		}
	}
	if route := f.Target.Route; route != "" && !c.broken("target.route") {
		var routes []string
		for _, r := range s.Gateway.Routes {
			routes = append(routes, r.Name)
		}
		if !slices.Contains(routes, route) {
			c.bad("target.route", "unknown route %q%s", route, knownHint(route, "routes", routes))
		}
	}
}

// joinRel joins paths inside a value, where "" is the value itself.
func joinRel(path, rel string) string {
	if rel == "" {
		return path
	}
	return join(path, rel)
}

// checkLatency checks a latency distribution built in Go or read from a
// file, reporting through bad with rel a field of the latency ("" for
// the latency itself). It demands what sim/synth.NewDistribution does, so
// that a distribution it passes always builds.
func checkLatency(l Latency, bad func(rel, format string, args ...any)) {
	nonNegative := func(rel string, d time.Duration) {
		if d < 0 {
			bad(rel, "must not be negative, got %s", d)
		}
	}
	switch l.Dist {
	case "":
		bad("dist", "required; one of %s", quoteList(Distributions()))
	case DistConstant:
		nonNegative("", l.Value)
	case DistUniform:
		nonNegative("min", l.Min)
		nonNegative("max", l.Max)
		if l.Min >= 0 && l.Max >= 0 && l.Min > l.Max {
			bad("max", "must not be below min (%s), got %s", l.Min, l.Max)
		}
	case DistExponential:
		if l.Mean <= 0 {
			bad("mean", "must be positive, got %s", l.Mean)
		}
	case DistNormal:
		nonNegative("mean", l.Mean)
		nonNegative("stddev", l.StdDev)
	case DistLognormal:
		if l.P50 <= 0 {
			bad("p50", "must be positive, got %s", l.P50)
		} else if l.P99 <= l.P50 {
			bad("p99", "must be above p50 (%s), got %s", l.P50, l.P99)
		}
	case DistEmpirical:
		if len(l.Percentiles) == 0 {
			bad("percentiles", "must give at least one percentile, such as {p50: 3ms, p99: 20ms}")
		}
		for i, p := range l.Percentiles {
			if !(p.Quantile > 0 && p.Quantile <= 1) {
				bad("percentiles", "quantile %s is outside (0, 1]; write percentiles p0.1 to p100", strconv.FormatFloat(p.Quantile, 'g', -1, 64))
				return
			}
			at := "percentiles." + percentileName(p.Quantile)
			switch {
			case i > 0 && p.Quantile <= l.Percentiles[i-1].Quantile:
				bad("percentiles", "%s follows %s; list percentiles in ascending order, each once",
					percentileName(p.Quantile), percentileName(l.Percentiles[i-1].Quantile))
				return
			case p.Value < 0:
				bad(at, "must not be negative, got %s", p.Value)
			case i > 0 && p.Value < l.Percentiles[i-1].Value:
				prev := l.Percentiles[i-1]
				bad(at, "must not be below %s (%s): latencies must not decrease as the percentile rises, got %s",
					percentileName(prev.Quantile), prev.Value, p.Value)
			}
		}
	default:
		bad("dist", "unknown distribution %q%s", l.Dist, knownHint(l.Dist, "distributions", Distributions()))
	}
}

// faults checks the scenario's fault timeline.
func (v *validator) faults() {
	for i := range v.s.Faults {
		path := index("faults", i)
		if v.broken(path) {
			continue // not a mapping: nothing in it can be checked
		}
		c := &faultCheck{
			f: &v.s.Faults[i],
			bad: func(rel, format string, args ...any) {
				v.errorf(joinRel(path, rel), format, args...)
			},
			broken: func(rel string) bool {
				p := joinRel(path, rel)
				return v.broken(p) || v.d.misspelt[p]
			},
		}
		c.alone()
		c.topology(v.s)
	}
}

// ValidateFault checks a fault built in Go by the rules the loader applies
// to each entry of a scenario's faults, without a scenario to check names
// against (see ValidateFaultTopology). path names the fault in messages,
// such as faults[2]. It returns nil or an ErrorList whose *Errors have no
// position, only Field (faults[2].for) and Msg (must be > 0).
func ValidateFault(f Fault, path string) error {
	return collectFault(&f, path, false, nil)
}

// ValidateInjectedFault checks a fault injected into a running scenario
// (named "fault" in messages): the rules of ValidateFault, except that For
// may be 0, which means until the fault is cleared, and, when s is not
// nil, the names of ValidateFaultTopology.
func ValidateInjectedFault(f Fault, s *Scenario) error {
	return collectFault(&f, "fault", true, s)
}

// ValidateFaultTopology checks the services, replica indexes, peers,
// callers and routes fault f names against scenario s, which a fault
// alone cannot tell. path names the fault in messages, as for
// ValidateFault.
func ValidateFaultTopology(f Fault, path string, s *Scenario) error {
	var list ErrorList
	c := unpositioned(&f, path, &list)
	c.topology(s)
	return list.orNil()
}

func collectFault(f *Fault, path string, injected bool, s *Scenario) error {
	var list ErrorList
	c := unpositioned(f, path, &list)
	c.injected = injected
	c.alone()
	if s != nil {
		c.topology(s)
	}
	return list.orNil()
}

// unpositioned is a faultCheck that collects into list.
func unpositioned(f *Fault, path string, list *ErrorList) *faultCheck {
	return &faultCheck{
		f: f,
		bad: func(rel, format string, args ...any) {
			*list = append(*list, &Error{Field: joinRel(path, rel), Msg: fmt.Sprintf(format, args...)})
		},
		broken: func(string) bool { return false },
	}
}
