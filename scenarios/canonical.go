package scenarios

import (
	"bytes"
	"cmp"
	"errors"
	"maps"
	"math"
	"reflect"
	"slices"
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
		add(services, svc.Name, valueNode(reflect.ValueOf(svc), fieldInfo{}, true))
	}
	add(root, "services", services)

	add(root, "gateway", valueNode(reflect.ValueOf(s.Gateway), fieldInfo{}, true))
	add(root, "mesh", valueNode(reflect.ValueOf(s.Mesh), fieldInfo{}, true))
	add(root, "load", valueNode(reflect.ValueOf(s.Load), fieldInfo{}, true))
	if len(s.SLO) > 0 {
		slo := &yaml.Node{Kind: yaml.SequenceNode}
		for _, r := range s.SLO {
			slo.Content = append(slo.Content, str(r.Rule))
		}
		add(root, "slo", slo)
	}
	if len(s.Faults) > 0 {
		add(root, "faults", valueNode(reflect.ValueOf(s.Faults), fieldInfo{}, true))
	}
	if len(s.Rollout) > 0 {
		add(root, "rollout", valueNode(reflect.ValueOf(s.Rollout), fieldInfo{}, true))
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

func stepsNode(steps []Step) *yaml.Node {
	calls := &yaml.Node{Kind: yaml.SequenceNode}
	for _, st := range steps {
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
	return calls
}

// valueNode writes a value of a typeKind (see schema.go) by its tags:
// fields in declaration order, blocks left out when off (nil), lists and
// name maps when empty, omitempty scalars when zero. Small structs of
// scalars are written in flow style ({base: 25ms, max: 250ms}) unless
// block asks for a block mapping, as the top-level sections are written.
func valueNode(v reflect.Value, f fieldInfo, block bool) *yaml.Node {
	switch v.Type() {
	case reflect.TypeFor[time.Duration]():
		return dur(time.Duration(v.Int()))
	case reflect.TypeFor[Latency]():
		return latencyNode(v.Interface().(Latency))
	case reflect.TypeFor[[]Step]():
		return stepsNode(v.Interface().([]Step))
	case reflect.TypeFor[time.Time]():
		return str(v.Interface().(time.Time).Format(time.RFC3339Nano))
	}
	switch v.Kind() {
	case reflect.Pointer:
		return valueNode(v.Elem(), f, block)
	case reflect.Interface:
		if v.IsNil() {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
		}
		return anyNode(v.Elem().Interface())
	case reflect.Struct:
		n := mapping(!block && flowStruct(v.Type()))
		for _, fi := range structFields(v.Type()) {
			fv := v.FieldByIndex(fi.index)
			if leftOut(fv, fi) || fi.name == "data" && fromFile(v) || foreignZero(v.Type(), fv, fi) {
				continue
			}
			add(n, fi.name, valueNode(fv, fi, false))
		}
		return n
	case reflect.Slice:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		if isScalar(v.Type().Elem()) {
			n.Style = yaml.FlowStyle
		}
		for i := range v.Len() {
			n.Content = append(n.Content, valueNode(v.Index(i), f, false))
		}
		return n
	case reflect.Map:
		n := mapping(false)
		keys := v.MapKeys()
		if v.Type().Key().Kind() == reflect.Int {
			slices.SortFunc(keys, func(a, b reflect.Value) int { return cmp.Compare(a.Int(), b.Int()) })
			for _, k := range keys {
				n.Content = append(n.Content, num(strconv.FormatInt(k.Int(), 10)), valueNode(v.MapIndex(k), f, false))
			}
			return n
		}
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			add(n, k.String(), valueNode(v.MapIndex(k), f, false))
		}
		return n
	case reflect.String:
		n := str(v.String())
		if strings.Contains(v.String(), "\n") {
			// A trace or body keeps its own lines.
			n.Style = yaml.LiteralStyle
		}
		return n
	case reflect.Bool:
		return num(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int32, reflect.Int64:
		return num(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint32, reflect.Uint64:
		return num(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float64:
		if f.form == "rate" {
			return str(float(v.Float()) + "/s")
		}
		return num(float(v.Float()))
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "~"}
}

// leftOut reports a field the canonical form leaves out because leaving it
// out means the same.
func leftOut(v reflect.Value, f fieldInfo) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Map:
		return v.IsNil()
	case reflect.Slice:
		// A required list is written even when empty: from: [] is not the
		// same as no from.
		return v.Len() == 0 && f.required == ""
	}
	return f.omitEmpty && v.IsZero() || f.omitDefault && isDefault(v, f)
}

// foreignZero reports a zero field of a type another package declares
// (the gateway's configuration) that has no default: there, zero is "not
// set" (a tier's algorithm: "" keeps the base limit's), and reads back as
// the same zero when left out. The scenario's own types write every field.
func foreignZero(t reflect.Type, v reflect.Value, f fieldInfo) bool {
	return t.PkgPath() != reflect.TypeFor[Scenario]().PkgPath() && f.def == "" && v.IsZero()
}

// isDefault reports whether v holds the default of field f.
func isDefault(v reflect.Value, f fieldInfo) bool {
	n := defaultNode(f.def)
	if n == nil {
		return false
	}
	d := reflect.New(v.Type()).Elem()
	newDecoder("default").value(n, f.name, d, f)
	return reflect.DeepEqual(d.Interface(), v.Interface())
}

// fromFile reports a replay stage whose trace was read from its file: the
// canonical form names the file, as the scenario did, rather than
// writing out what was read.
func fromFile(v reflect.Value) bool {
	r, ok := v.Interface().(ReplayStage)
	return ok && r.File != ""
}

// flowStruct reports a struct small and flat enough for one line: at most
// five fields, each a scalar or a list of scalars.
func flowStruct(t reflect.Type) bool {
	fields := structFields(t)
	if len(fields) > 5 {
		return false
	}
	for _, f := range fields {
		if kindOf(f.typ) != kindValue && kindOf(f.typ) != kindValues {
			return false
		}
	}
	return true
}

// anyNode writes a value read by anyValue so that it reads back equal:
// maps with sorted keys, and floats that stay floats (1.0, not 1).
func anyNode(x any) *yaml.Node {
	switch x := x.(type) {
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	case string:
		return str(x)
	case bool:
		return num(strconv.FormatBool(x))
	case int:
		return num(strconv.Itoa(x))
	case int64:
		return num(strconv.FormatInt(x, 10))
	case uint64:
		return num(strconv.FormatUint(x, 10))
	case float64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: floatText(x)}
	case time.Time:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!timestamp", Value: x.Format(time.RFC3339Nano)}
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, e := range x {
			n.Content = append(n.Content, anyNode(e))
		}
		return n
	case map[string]any:
		n := mapping(true)
		for _, k := range slices.Sorted(maps.Keys(x)) {
			add(n, k, anyNode(x[k]))
		}
		return n
	}
	// What yaml.v3 decoded it can encode; only values that cannot become
	// JSON (a mapping with non-text keys) come here, and Validate refuses
	// those.
	var n yaml.Node
	if err := n.Encode(x); err != nil {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	}
	return &n
}

// floatText writes a float so that YAML reads it back as the same float.
func floatText(f float64) string {
	switch {
	case math.IsNaN(f):
		return ".nan"
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
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
