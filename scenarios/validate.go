package scenarios

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Bounds a scenario must stay within. They are generous for a laptop, and
// exist so that a typo (replicas: 10000000) fails here rather than by
// exhausting the machine.
const (
	maxReplicas      = 1000
	maxConcurrency   = 10_000
	maxQueue         = 1_000_000
	maxResponseBytes = 10 << 20
	maxDuration      = 24 * time.Hour
	maxRate          = 1e6
	maxNameLen       = 63
)

// nameRE is what scenario and service names look like: they end up in
// hostnames, metric labels and file names.
var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// validate checks what decoding could not: ranges, references between
// services and routes, and call cycles. It reports every problem at the
// position the field was read from.
func (d *decoder) validate(s *Scenario) {
	if d.bad[""] {
		return // the document is not a mapping; there is nothing to check
	}
	v := &validator{d: d, s: s}
	for _, svc := range s.Services {
		v.names = append(v.names, svc.Name)
	}
	v.top()
	for i := range s.Services {
		v.service(&s.Services[i])
	}
	v.cycles()
	v.gateway()
	v.mesh()
	v.load()
	v.faults()
	v.rollout()
}

type validator struct {
	d     *decoder
	s     *Scenario
	names []string // service names in file order
}

// errorf reports a problem with the field at path, at the node it was read
// from or, for a field that took its default, at its nearest written
// parent.
func (v *validator) errorf(path, format string, args ...any) {
	v.d.errorf(v.d.node(path), path, format, args...)
}

// node finds where path, or its nearest parent, was written.
func (d *decoder) node(path string) *yaml.Node {
	for path != "" {
		if n, ok := d.pos[path]; ok {
			return n
		}
		path = path[:max(strings.LastIndexAny(path, ".["), 0)]
	}
	return d.root
}

// got renders the value at path as written, or fallback if it was not.
func (v *validator) got(path, fallback string) string {
	if n, ok := v.d.pos[path]; ok && n.Kind == yaml.ScalarNode {
		return n.Value
	}
	return fallback
}

func (v *validator) between(path string, got, lo, hi int) {
	switch {
	case v.d.bad[path]:
	case got < lo:
		v.errorf(path, "must be at least %d, got %d", lo, got)
	case got > hi:
		v.errorf(path, "must be at most %d, got %d", hi, got)
	}
}

func (v *validator) fraction(path string, got float64) {
	if !v.d.bad[path] && (got < 0 || got > 1) {
		v.errorf(path, "must be between 0 and 1 (or 0%% and 100%%), got %s", v.got(path, fmt.Sprint(got)))
	}
}

func (v *validator) nonNegative(path string, got time.Duration) {
	if !v.d.bad[path] && got < 0 {
		v.errorf(path, "must not be negative, got %s", got)
	}
}

// name checks a scenario or service name.
func (v *validator) name(path, what, name string) {
	switch {
	case len(name) > maxNameLen:
		v.errorf(path, "%s is %d characters long; use at most %d", what, len(name), maxNameLen)
	case !nameRE.MatchString(name):
		v.errorf(path, "%s %q must be lower-case letters, digits and dashes, starting with a letter or digit (such as checkout-v2)", what, name)
	}
}

// reference checks a reference to a service by name.
func (v *validator) reference(path, name string) {
	switch {
	case v.broken(path) || slices.Contains(v.names, name):
	case name == "":
		v.errorf(path, "must name a service; services are %s", quoteList(v.names))
	default:
		v.errorf(path, "unknown service %q%s", name, knownHint(name, "services", v.names))
	}
}

// broken reports whether path or a parent of it failed to decode.
func (v *validator) broken(path string) bool { return v.d.broken(path) }

// broken reports whether path or a parent of it failed to decode.
func (d *decoder) broken(path string) bool {
	for {
		if d.bad[path] {
			return true
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return false
		}
		path = path[:i]
	}
}

func (v *validator) top() {
	s := v.s
	if s.Baton != "" && s.Baton != Version && !v.d.bad["baton"] {
		v.errorf("baton", "unsupported version %q; this build reads baton: %s", s.Baton, Version)
	}
	if s.Name != "" && !v.d.bad["name"] {
		v.name("name", "scenario name", s.Name)
	}
	switch {
	case v.d.bad["duration"] || v.d.durationFrom != "":
		// A duration the stages add up to is checked with the load.
	case s.Duration <= 0:
		v.errorf("duration", "must be positive, got %s", v.got("duration", s.Duration.String()))
	case s.Duration > maxDuration:
		v.errorf("duration", "must be at most 24h, got %s", v.got("duration", s.Duration.String()))
	}
}

func (v *validator) service(svc *Service) {
	path := "services." + svc.Name
	v.name(path, "service name", svc.Name)
	v.between(path+".replicas", svc.Replicas, 1, maxReplicas)
	v.between(path+".concurrency", svc.Concurrency, 1, maxConcurrency)
	v.between(path+".queue", svc.Queue, 0, maxQueue)
	v.between(path+".response_bytes", svc.ResponseBytes, 0, maxResponseBytes)
	v.latency(path+".latency", svc.Latency)
	v.fraction(path+".errors.rate", svc.Errors.Rate)
	v.between(path+".errors.status", svc.Errors.Status, 400, 599)
	v.zones(path+".zones", svc.Zones)
	v.overrides(path, svc)
	for i, st := range svc.Calls {
		sp := index(path+".calls", i)
		if st.Call != nil {
			v.reference(sp+".service", st.Call.Service)
			v.fraction(sp+".probability", st.Call.Probability)
		}
		for j, c := range st.Parallel {
			cp := index(sp+".parallel", j)
			v.reference(cp+".service", c.Service)
			v.fraction(cp+".probability", c.Probability)
		}
	}
}

func (v *validator) latency(path string, l Latency) {
	if v.d.bad[path] {
		return
	}
	switch l.Dist {
	case DistConstant:
		if _, ok := v.d.pos[path+".value"]; ok {
			v.nonNegative(path+".value", l.Value)
		} else {
			// The shorthand latency: 5ms was read from path itself.
			v.nonNegative(path, l.Value)
		}
	case DistUniform:
		v.nonNegative(path+".min", l.Min)
		v.nonNegative(path+".max", l.Max)
		if l.Min > l.Max {
			v.errorf(path+".max", "must not be below min (%s), got %s", l.Min, l.Max)
		}
	case DistExponential:
		v.nonNegative(path+".mean", l.Mean)
	case DistNormal:
		v.nonNegative(path+".mean", l.Mean)
		v.nonNegative(path+".stddev", l.StdDev)
	case DistLognormal:
		if l.P50 <= 0 {
			v.errorf(path+".p50", "must be positive, got %s", l.P50)
		} else if l.P99 <= l.P50 {
			v.errorf(path+".p99", "must be above p50 (%s), got %s", l.P50, l.P99)
		}
	case DistEmpirical:
		pp := path + ".percentiles"
		for i, p := range l.Percentiles {
			at := pp + "." + percentileName(p.Quantile)
			switch {
			case p.Value < 0:
				v.errorf(at, "must not be negative, got %s", p.Value)
			case i > 0 && p.Value < l.Percentiles[i-1].Value:
				prev := l.Percentiles[i-1]
				v.errorf(at, "must not be below %s (%s): latencies must not decrease as the percentile rises, got %s",
					percentileName(prev.Quantile), prev.Value, p.Value)
			}
		}
	}
}

// cycles reports every call cycle, naming it (frontend -> cart ->
// frontend) at the call that closes it. Calls form a DAG so that every
// request ends.
func (v *validator) cycles() {
	type edge struct{ to, path string }
	edges := map[string][]edge{}
	for _, svc := range v.s.Services {
		for i, st := range svc.Calls {
			sp := index("services."+svc.Name+".calls", i)
			if st.Call != nil {
				edges[svc.Name] = append(edges[svc.Name], edge{st.Call.Service, sp + ".service"})
			}
			for j, c := range st.Parallel {
				edges[svc.Name] = append(edges[svc.Name], edge{c.Service, index(sp+".parallel", j) + ".service"})
			}
		}
	}
	const (
		unseen = iota
		onStack
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(string)
	visit = func(u string) {
		state[u] = onStack
		stack = append(stack, u)
		for _, e := range edges[u] {
			switch state[e.to] {
			case unseen:
				if slices.Contains(v.names, e.to) {
					visit(e.to)
				}
			case onStack:
				cycle := append(slices.Clone(stack[slices.Index(stack, e.to):]), e.to)
				v.errorf(e.path, "call cycle %s; calls must not lead back to a service already on the path", strings.Join(cycle, " -> "))
			}
		}
		stack = stack[:len(stack)-1]
		state[u] = done
	}
	for _, name := range v.names {
		if state[name] == unseen {
			visit(name)
		}
	}
}
