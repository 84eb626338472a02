package scenarios

import (
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// This file reads the typeKind parts of the schema: any struct, list or
// mapping whose Go type carries yaml tags (see schema.go). It reports
// problems exactly as the hand-written code does (positions, unknown
// fields with a did-you-mean, duplicate keys, required fields) and records
// the position of every field it reads for validation.

func newDecoder(file string) *decoder {
	return &decoder{
		file:     file,
		origin:   map[*yaml.Node]string{},
		pos:      map[string]*yaml.Node{},
		bad:      map[string]bool{},
		misspelt: map[string]bool{},
		types:    map[reflect.Type][]fieldInfo{},
	}
}

// fieldsOf is structFields, remembered for the decoder's lifetime:
// reflection is most of the cost of reading a block.
func (d *decoder) fieldsOf(t reflect.Type) []fieldInfo {
	fs, ok := d.types[t]
	if !ok {
		fs = structFields(t)
		d.types[t] = fs
	}
	return fs
}

// value reads n (resolved, not null) into v, an addressable value. f
// describes the field v is, for its form and example; it is the zero
// fieldInfo for the root of a block.
func (d *decoder) value(n *yaml.Node, path string, v reflect.Value, f fieldInfo) {
	switch v.Type() {
	case reflect.TypeFor[time.Duration]():
		if x, ok := d.duration(n, path); ok {
			v.SetInt(int64(x))
		}
		return
	case reflect.TypeFor[Latency]():
		if l, ok := d.latency(n, path); ok {
			v.Set(reflect.ValueOf(l))
		}
		return
	case reflect.TypeFor[[]Step]():
		v.Set(reflect.ValueOf(d.steps(n, path)))
		return
	case reflect.TypeFor[time.Time]():
		if t, ok := d.timestamp(n, path); ok {
			v.Set(reflect.ValueOf(t))
		}
		return
	}
	switch v.Kind() {
	case reflect.Interface:
		if x, ok := d.anyValue(n, path); ok && x != nil {
			v.Set(reflect.ValueOf(x))
		}
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		d.setDefaults(p.Elem())
		d.value(n, path, p.Elem(), f)
		// A block that failed to read is still set, so that it is not
		// mistaken for one left out; its path is marked bad.
		v.Set(p)
	case reflect.Struct:
		d.object(n, path, v)
	case reflect.Slice:
		d.sequence(n, path, v, f)
	case reflect.Map:
		d.nameMap(n, path, v, f)
	case reflect.String:
		if s, ok := d.str(n, path); ok {
			v.SetString(s)
		}
	case reflect.Bool:
		if b, ok := d.boolean(n, path); ok {
			v.SetBool(b)
		}
	case reflect.Int, reflect.Int32, reflect.Int64:
		read := d.integer
		if f.form == "percent" {
			read = d.wholePercent
		}
		if x, ok := read(n, path); ok {
			if v.OverflowInt(x) {
				d.fail(n, path, "%s is out of range; use a much smaller number", n.Value)
				return
			}
			v.SetInt(x)
		}
	case reflect.Uint, reflect.Uint32, reflect.Uint64:
		if x, ok := d.integer(n, path); ok {
			// A uint64 beyond MaxInt64 is out of reach; no field needs it.
			switch {
			case x < 0:
				d.fail(n, path, "must not be negative, got %s", n.Value)
			case v.OverflowUint(uint64(x)):
				d.fail(n, path, "%s is out of range; use at most %d", n.Value, uint64(1)<<v.Type().Bits()-1)
			default:
				v.SetUint(uint64(x))
			}
		}
	case reflect.Float64:
		read := d.number
		switch f.form {
		case "fraction":
			read = d.fraction
		case "rate":
			read = d.rate
		}
		if x, ok := read(n, path); ok {
			v.SetFloat(x)
		}
	default:
		// TestSchemaTypes walks every type the schema reaches, so this is
		// never met; Parse promises not to panic all the same.
		d.fail(n, path, "the loader cannot read a Go %s; this is a bug in baton", v.Type())
	}
}

// object reads mapping n into struct v field by field. Fields the file
// leaves out keep the values v already has: its defaults.
func (d *decoder) object(n *yaml.Node, path string, v reflect.Value) {
	infos := d.fieldsOf(v.Type())
	names := make([]string, len(infos))
	for i, fi := range infos {
		names[i] = fi.name
	}
	f, ok := d.named(n, path, names)
	if !ok {
		return
	}
	n = resolve(n)
	for _, fi := range infos {
		var (
			fn      *yaml.Node
			fp      string
			present bool
		)
		if fi.required != "" {
			fn, fp, present = d.required(f, n, path, fi.name, fi.required)
		} else {
			fn, fp, present = d.field(f, path, fi.name)
		}
		if present {
			d.value(fn, fp, v.FieldByIndex(fi.index), fi)
		}
	}
	derive(v, func(field string) bool {
		_, ok := d.pos[join(path, field)]
		return ok
	})
}

// sequence reads list n into slice v. An empty list leaves v nil, so that
// `zones: []` and no zones are the same scenario.
func (d *decoder) sequence(n *yaml.Node, path string, v reflect.Value, f fieldInfo) {
	if n.Kind != yaml.SequenceNode {
		switch {
		case f.example != "":
			d.fail(n, path, "must be a list such as %s, got %s", f.example, describe(n))
		case n.Kind == yaml.ScalarNode && isScalar(v.Type().Elem()):
			d.fail(n, path, "must be a list, got %s; write [%s]", describe(n), n.Value)
		default:
			d.fail(n, path, "must be a list, got %s", describe(n))
		}
		return
	}
	out := reflect.Zero(v.Type())
	for i, c := range n.Content {
		it, ip := resolve(c), index(path, i)
		d.pos[ip] = it
		e := reflect.New(v.Type().Elem()).Elem()
		d.setDefaults(e)
		d.value(it, ip, e, f)
		out = reflect.Append(out, e)
	}
	v.Set(out)
}

// nameMap reads mapping n, whose keys are names (of services, say), into
// map v. A name with no value takes the element's defaults.
func (d *decoder) nameMap(n *yaml.Node, path string, v reflect.Value, f fieldInfo) {
	if n.Kind != yaml.MappingNode {
		want := "a mapping from names to values"
		if f.example != "" {
			want = "a mapping such as " + f.example
		}
		d.fail(n, path, "must be %s, got %s", want, describe(n))
		return
	}
	out := reflect.Zero(v.Type())
	for _, p := range d.pairs(n, path) {
		kp := join(path, p.name)
		d.pos[kp] = p.key
		key := reflect.ValueOf(p.name)
		if kt := v.Type().Key(); kt.Kind() == reflect.Int {
			// Integer keys (statuses, in status_map: {502: 503}) are named
			// both ways: status_map.502 by --set, status_map[502] by the
			// gateway's validation.
			i, err := strconv.Atoi(p.name)
			if err != nil {
				d.fail(p.key, kp, "must be a whole number such as 502, got %q", p.name)
				continue
			}
			d.pos[path+"["+p.name+"]"] = p.key
			key = reflect.ValueOf(i).Convert(kt)
		} else {
			key = key.Convert(v.Type().Key())
		}
		e := reflect.New(v.Type().Elem()).Elem()
		d.setDefaults(e)
		if vn := resolve(p.value); !isNull(vn) {
			d.value(vn, kp, e, f)
		}
		if out.IsNil() {
			out = reflect.MakeMap(v.Type())
		}
		out.SetMapIndex(key, e)
	}
	v.Set(out)
}

// timestamp reads an RFC 3339 time (2024-01-01T00:00:00Z, with an offset
// or Z), or a date, which is midnight UTC.
func (d *decoder) timestamp(n *yaml.Node, path string) (time.Time, bool) {
	if !d.scalar(n, path, "a time") {
		return time.Time{}, false
	}
	if t := n.ShortTag(); t == "!!str" || t == "!!timestamp" {
		v := strings.TrimSpace(n.Value)
		for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
			if t, err := time.Parse(layout, v); err == nil {
				return t, true
			}
		}
	}
	d.fail(n, path, "invalid time %s; write an RFC 3339 time such as 2024-01-01T00:00:00Z, or a date such as 2024-01-01", describe(n))
	return time.Time{}, false
}

// anyValue reads a value the schema leaves open (a JSON value a transform
// writes), as yaml.v3 decodes it: maps, lists, strings, numbers, booleans
// and null.
func (d *decoder) anyValue(n *yaml.Node, path string) (any, bool) {
	var x any
	if err := n.Decode(&x); err != nil {
		d.fail(n, path, "cannot read the value: %s", strings.TrimPrefix(err.Error(), "yaml: "))
		return nil, false
	}
	return x, true
}

// boolean reads true or false.
func (d *decoder) boolean(n *yaml.Node, path string) (bool, bool) {
	if !d.scalar(n, path, "true or false") {
		return false, false
	}
	if n.ShortTag() == "!!bool" {
		if b, err := strconv.ParseBool(n.Value); err == nil {
			return b, true
		}
	}
	d.fail(n, path, "must be true or false, got %s", describe(n))
	return false, false
}

// wholePercent reads a whole number of percent, written 10 or 10%.
func (d *decoder) wholePercent(n *yaml.Node, path string) (int64, bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		if num, ok := strings.CutSuffix(strings.TrimSpace(n.Value), "%"); ok {
			if v, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64); err == nil {
				return v, true
			}
			d.fail(n, path, "must be a whole percentage such as 10 or 10%%, got %s", describe(n))
			return 0, false
		}
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!float" {
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil && f != math.Trunc(f) {
			d.fail(n, path, "must be a whole percentage such as 10 or 10%%, got %s", n.Value)
			return 0, false
		}
	}
	return d.integer(n, path)
}

// setDefaults gives the fields of struct v their default tags' values,
// recursing into struct fields (not into pointers: a block left out is
// off). The defaults are read by the decoder itself, in a scratch decoder
// whose problems are dropped; TestSchemaTypes checks there are none.
func (d *decoder) setDefaults(v reflect.Value) {
	if v.Kind() != reflect.Struct || v.Type() == reflect.TypeFor[Latency]() {
		return
	}
	for _, fi := range d.fieldsOf(v.Type()) {
		f := v.FieldByIndex(fi.index)
		switch {
		case fi.def != "":
			if d.scratch == nil {
				d.scratch = newDecoder("default")
				d.scratch.types = d.types
				d.scratch.scratch = d.scratch
			}
			if n := defaultNode(fi.def); n != nil {
				d.scratch.value(n, fi.name, f, fi)
			}
		case f.Kind() == reflect.Struct:
			d.setDefaults(f)
		}
	}
	derive(v, func(string) bool { return false })
}

// defaultNode reads a default tag as the YAML it is. Defaults other than
// flow lists and mappings are plain scalars, which need no parser: an
// untagged node resolves its own tag.
func defaultNode(def string) *yaml.Node {
	if !strings.HasPrefix(def, "[") && !strings.HasPrefix(def, "{") {
		return &yaml.Node{Kind: yaml.ScalarNode, Value: def}
	}
	var doc yaml.Node
	if yaml.Unmarshal([]byte(def), &doc) != nil || len(doc.Content) != 1 {
		return nil
	}
	return doc.Content[0]
}
