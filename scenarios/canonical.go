package scenarios

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Canonical writes s as a normalised scenario file: every field explicit
// (defaults filled in), fields in schema order, durations as Go writes them
// (150ms, 1.5s), rates per second, latencies and calls in their long form.
// Parsing the output gives back an equal Scenario, which makes it a good
// golden-file format and a way to show what a scenario really says.
func Canonical(s *Scenario) ([]byte, error) {
	if s == nil {
		return nil, errors.New("scenarios: canonical form of a nil scenario")
	}
	root := mapping(false,
		"baton", str(s.Baton),
		"name", str(s.Name))
	if s.Description != "" {
		d := str(s.Description)
		if strings.Contains(s.Description, "\n") {
			// yaml.v3 cannot be told a line width, so a folded paragraph
			// would not wrap either; literal keeps the text's own lines.
			d.Style = yaml.LiteralStyle
		}
		add(root, "description", d)
	}
	add(root,
		"seed", num(strconv.FormatUint(s.Seed, 10)),
		"duration", dur(s.Duration))

	services := mapping(false)
	for _, svc := range s.Services {
		sn := mapping(false,
			"replicas", num(strconv.Itoa(svc.Replicas)),
			"concurrency", num(strconv.Itoa(svc.Concurrency)),
			"queue", num(strconv.Itoa(svc.Queue)),
			"latency", latencyNode(svc.Latency),
			"errors", mapping(true,
				"rate", num(float(svc.Errors.Rate)),
				"status", num(strconv.Itoa(svc.Errors.Status))),
			"response_bytes", num(strconv.Itoa(svc.ResponseBytes)))
		if len(svc.Calls) > 0 {
			calls := &yaml.Node{Kind: yaml.SequenceNode}
			for _, st := range svc.Calls {
				if st.Call != nil {
					calls.Content = append(calls.Content, callNode(*st.Call))
					continue
				}
				group := &yaml.Node{Kind: yaml.SequenceNode}
				for _, c := range st.Parallel {
					group.Content = append(group.Content, callNode(c))
				}
				calls.Content = append(calls.Content, mapping(false, "parallel", group))
			}
			add(sn, "calls", calls)
		}
		add(services, svc.Name, sn)
	}
	add(root, "services", services)

	routes := &yaml.Node{Kind: yaml.SequenceNode}
	for _, r := range s.Gateway.Routes {
		routes.Content = append(routes.Content, mapping(true,
			"prefix", str(r.Prefix), "service", str(r.Service), "name", str(r.Name)))
	}
	add(root, "gateway", mapping(false, "routes", routes))
	add(root, "mesh", mapping(false, "balancer", str(s.Mesh.Balancer)))

	load := mapping(false,
		"rate", str(float(s.Load.Rate)+"/s"),
		"arrival", str(s.Load.Arrival))
	if len(s.Load.Paths) > 0 {
		paths := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, p := range s.Load.Paths {
			paths.Content = append(paths.Content, str(p))
		}
		add(load, "paths", paths)
	}
	add(root, "load", load)
	if len(s.SLO) > 0 {
		slo := &yaml.Node{Kind: yaml.SequenceNode}
		for _, r := range s.SLO {
			slo.Content = append(slo.Content, str(r.Rule))
		}
		add(root, "slo", slo)
	}

	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, errors.Join(errors.New("scenarios: writing canonical form"), err)
	}
	if err := enc.Close(); err != nil {
		return nil, errors.Join(errors.New("scenarios: writing canonical form"), err)
	}
	return b.Bytes(), nil
}

func latencyNode(l Latency) *yaml.Node {
	n := mapping(true, "dist", str(l.Dist))
	switch l.Dist {
	case DistConstant:
		add(n, "value", dur(l.Value))
	case DistUniform:
		add(n, "min", dur(l.Min), "max", dur(l.Max))
	case DistExponential:
		add(n, "mean", dur(l.Mean))
	case DistNormal:
		add(n, "mean", dur(l.Mean), "stddev", dur(l.StdDev))
	case DistLognormal:
		add(n, "p50", dur(l.P50), "p99", dur(l.P99))
	case DistEmpirical:
		ps := mapping(true)
		for _, p := range l.Percentiles {
			add(ps, percentileName(p.Quantile), dur(p.Value))
		}
		add(n, "percentiles", ps)
	}
	return n
}

func callNode(c Call) *yaml.Node {
	return mapping(true, "service", str(c.Service), "probability", num(float(c.Probability)))
}

// mapping builds a mapping node from alternating keys and values.
func mapping(flow bool, kv ...any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	if flow {
		n.Style = yaml.FlowStyle
	}
	add(n, kv...)
	return n
}

func add(n *yaml.Node, kv ...any) {
	for i := 0; i+1 < len(kv); i += 2 {
		n.Content = append(n.Content, str(kv[i].(string)), kv[i+1].(*yaml.Node))
	}
}

// str is a string node; the encoder quotes it if it would otherwise read
// as another type.
func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func num(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }

func dur(d time.Duration) *yaml.Node { return str(d.String()) }

// float writes f exactly and without an exponent, so it parses back to
// the same float64.
func float(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
