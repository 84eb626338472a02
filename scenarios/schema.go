package scenarios

import (
	"cmp"
	"reflect"
	"strings"
	"time"

	"github.com/baton-sim/baton/gateway/config"
)

// kind names the shape the schema expects at a place in the document. The
// decoder uses it to name known fields and suggest misspelt ones; --set
// uses it to walk and create paths.
//
// Two kinds of kind exist. The parts of the format with irregular shapes
// (the root, an ordered services mapping, latencies and calls with their
// shorthands, percentiles) are tableKinds, read by hand-written
// code. Everything else is a typeKind: a Go type read by its struct tags,
// so that a new block costs its Go type plus its validation rules:
//
//	yaml:"name[,inline][,omitempty]"  the field's name in the file; inline
//	                                  lifts an embedded struct's fields,
//	                                  omitempty leaves a zero scalar out of
//	                                  the canonical form ("not set"),
//	                                  omitdefault leaves it out when it
//	                                  holds its default
//	default:"25ms"                    the value when the file leaves the
//	                                  field out, in the file's own syntax
//	required:"hint"                   the field must be written; the hint
//	                                  says how
//	form:"fraction|percent|rate"      a float read as 0.2 or 20%, an int
//	                                  read as 10 or 10%, a float read as
//	                                  100/s
//	example:"[a, b]"                  shown when a list or mapping is
//	                                  written as something else
//
// Types with a shape of their own (Latency, []Step, time.Duration,
// time.Time) are recognised by kindOf and read by their hand-written
// functions wherever they appear; an any holds whatever YAML value is
// written there. Maps are keyed by names or, for statuses, by integers.
// Defaults that depend on other fields live in derive.
//
// Types from other packages (the gateway's configuration) are read the
// same way: their yaml tags name the fields, and most have no default
// tags, their zero values meaning "not set" to the package that reads
// them.
type kind interface {
	// fields lists the keys an object kind accepts, in canonical order.
	fields() []fieldSpec
	// elem is the kind of the elements of a list kind or of the values of
	// a name-keyed mapping kind.
	elem() kind
	isList() bool
	// isNameMap reports a mapping whose keys are names chosen by the
	// file (services, percentiles, destinations) rather than fields.
	isNameMap() bool
}

type fieldSpec struct {
	name string
	kind kind
}

func fieldNames(k kind) []string {
	var names []string
	for _, f := range k.fields() {
		names = append(names, f.name)
	}
	return names
}

// tableKind is a hand-written part of the schema.
type tableKind int

const (
	kindValue       tableKind = iota // a scalar or a value read as a whole
	kindRoot                         // the scenario
	kindServices                     // service name -> service
	kindLatency                      // a latency distribution
	kindPercentiles                  // pNN -> duration
	kindSteps                        // list of steps
	kindStep                         // one step: a call or a parallel group
	kindCalls                        // list of calls (a parallel group)
	kindCall                         // one call
	kindValues                       // list of scalars
)

func (k tableKind) fields() []fieldSpec {
	switch k {
	case kindRoot:
		return []fieldSpec{{"baton", kindValue}, {"name", kindValue}, {"description", kindValue},
			{"seed", kindValue}, {"duration", kindValue}, {"services", kindServices},
			{"gateway", kindOf(reflect.TypeFor[Gateway]())}, {"mesh", kindOf(reflect.TypeFor[Mesh]())},
			{"load", kindOf(reflect.TypeFor[Load]())}, {"slo", kindValues},
			{"faults", kindOf(reflect.TypeFor[[]Fault]())}, {"rollout", kindOf(reflect.TypeFor[[]RolloutStep]())}}
	case kindLatency:
		return []fieldSpec{{"dist", kindValue}, {"value", kindValue}, {"min", kindValue}, {"max", kindValue},
			{"mean", kindValue}, {"stddev", kindValue}, {"p50", kindValue}, {"p99", kindValue},
			{"percentiles", kindPercentiles}}
	case kindStep:
		return []fieldSpec{{"service", kindValue}, {"probability", kindValue}, {"parallel", kindCalls}}
	case kindCall:
		return []fieldSpec{{"service", kindValue}, {"probability", kindValue}}
	}
	return nil
}

func (k tableKind) elem() kind {
	switch k {
	case kindServices:
		return kindOf(reflect.TypeFor[Service]())
	case kindSteps:
		return kindStep
	case kindCalls:
		return kindCall
	}
	return kindValue
}

func (k tableKind) isList() bool {
	return k == kindSteps || k == kindCalls || k == kindValues
}

func (k tableKind) isNameMap() bool { return k == kindServices || k == kindPercentiles }

// typeKind is a struct, list or mapping read by its Go type.
type typeKind struct{ t reflect.Type }

// kindOf is the kind of a value of type t.
func kindOf(t reflect.Type) kind {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeFor[Latency]():
		return kindLatency
	case t == reflect.TypeFor[[]Step]():
		return kindSteps
	case isScalar(t):
		return kindValue
	case t.Kind() == reflect.Slice && isScalar(t.Elem()):
		return kindValues
	}
	return typeKind{t}
}

func (k typeKind) fields() []fieldSpec {
	if k.t.Kind() != reflect.Struct {
		return nil
	}
	infos := structFields(k.t)
	specs := make([]fieldSpec, len(infos))
	for i, f := range infos {
		specs[i] = fieldSpec{f.name, kindOf(f.typ)}
	}
	return specs
}

func (k typeKind) elem() kind {
	if k.t.Kind() == reflect.Slice || k.t.Kind() == reflect.Map {
		return kindOf(k.t.Elem())
	}
	return kindValue
}

func (k typeKind) isList() bool    { return k.t.Kind() == reflect.Slice }
func (k typeKind) isNameMap() bool { return k.t.Kind() == reflect.Map }

// isScalar reports the types read from a single YAML scalar (or, for an
// any, from whatever YAML value is written: it is kept as yaml.v3 decodes
// it).
func isScalar(t reflect.Type) bool {
	if t == reflect.TypeFor[time.Time]() {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint32, reflect.Uint64, reflect.Float64, reflect.Interface:
		return true
	}
	return false
}

// fieldInfo is one field of a struct read by its tags.
type fieldInfo struct {
	name  string
	index []int // for reflect.Value.FieldByIndex, through inline structs
	typ   reflect.Type
	// def is the default in the file's syntax; "" means the zero value.
	def         string
	required    string
	form        string
	example     string
	omitEmpty   bool
	omitDefault bool
}

// structFields lists the fields of struct type t the file may write, in
// declaration order, with inline structs' fields in the place of the
// struct. Fields without a yaml name are not part of the file.
func structFields(t reflect.Type) []fieldInfo {
	var out []fieldInfo
	for i := range t.NumField() {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("yaml")
		if !ok || !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if hasOpt(opts, "inline") {
			for _, in := range structFields(f.Type) {
				in.index = append([]int{i}, in.index...)
				out = append(out, in)
			}
			continue
		}
		out = append(out, fieldInfo{
			name:        name,
			index:       []int{i},
			typ:         f.Type,
			def:         f.Tag.Get("default"),
			required:    f.Tag.Get("required"),
			form:        f.Tag.Get("form"),
			example:     f.Tag.Get("example"),
			omitEmpty:   hasOpt(opts, "omitempty"),
			omitDefault: hasOpt(opts, "omitdefault"),
		})
	}
	return out
}

// hasOpt reports whether the comma-separated opts contain opt.
func hasOpt(opts, opt string) bool {
	for _, o := range strings.Split(opts, ",") {
		if o == opt {
			return true
		}
	}
	return false
}

// derive fills in the defaults that depend on other fields, for the
// fields of v (a struct) that the file did not write. It runs when a
// block takes its defaults and again once it has been read.
func derive(v reflect.Value, written func(field string) bool) {
	if !v.CanAddr() {
		return
	}
	switch x := v.Addr().Interface().(type) {
	case *Backoff:
		if !written("max") {
			x.Max = 10 * x.Base
		}
	case *CircuitBreaker:
		if !written("max_cooldown") {
			x.MaxCoolDown = x.CoolDown
		}
	case *OutlierDetection:
		if !written("max_ejection_time") {
			x.MaxEjectionTime = max(300*time.Second, x.BaseEjectionTime)
		}
	case *config.Route:
		// The gateway needs every route named (metrics, X-Baton-Route);
		// the scenario names a route by the path condition it matches, as
		// the format did when every route was a prefix.
		if !written("name") {
			x.Name = cmp.Or(x.Prefix, x.Path, x.Template, x.Regex)
		}
	case *Fault:
		// The defaults of status and percentage belong to the kinds that
		// use them; other kinds keep them zero ("not used"). A written 0
		// means the default too, so it becomes the default.
		if x.Kind == FaultError && x.Status == 0 {
			x.Status = defaultFaultStatus
		}
		if sc, ok := faultScopeOf(x.Kind); ok && sc == scopeRequest && x.Percentage == 0 {
			x.Percentage = 100
		}
	}
}
