package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Limits on untrusted input. yaml.v3 bounds nesting at 10 000 levels and
// never expands aliases while building a yaml.Node, but it happily builds a
// node for every comma of a 4 MiB flow list (seconds and hundreds of MB), so
// the loader counts structural characters before parsing and then bounds
// the tree it walks with aliases expanded. Real scenarios are hundreds of
// lines and ten levels deep.
const (
	maxInputBytes = 4 << 20
	// maxStructural bounds the bytes that can start a YAML node (",[{-?:"
	// and newlines); a node needs at least one of them, so it bounds the
	// parser's work at about twice as many nodes.
	maxStructural = 100_000
	// maxNodes bounds the node tree with every alias expanded.
	maxNodes = 100_000
	// maxDepth bounds nesting with aliases expanded.
	maxDepth = 64
)

// Parse reads a scenario: it parses data strictly, applies sets, fills in
// defaults and validates. filename only labels error positions. Every
// problem found is returned together as an ErrorList. Parse reads no
// files, so a replay stage must give its trace inline (see ParseFiles).
func Parse(filename string, data []byte, sets ...Set) (*Scenario, error) {
	return ParseFiles(filename, data, nil, sets...)
}

// ReadFunc reads a file a scenario names, such as a replay stage's trace,
// by the name written in the scenario.
type ReadFunc func(name string) ([]byte, error)

// ParseFiles is Parse for a scenario that may name files: read reads
// them (a replay stage's file into its data). Open passes a ReadFunc that
// reads them relative to the scenario file's directory; nil reads none,
// and a file named is an error.
func ParseFiles(filename string, data []byte, read ReadFunc, sets ...Set) (*Scenario, error) {
	d := newDecoder(filename)
	d.read = read
	doc := d.parse(data)
	// The guard runs before the sets, which walk merges, and again after
	// them, since set values are YAML too.
	if doc == nil || !d.guard(doc) {
		return nil, d.errs.sorted()
	}
	// A --set that cannot be applied is reported and skipped; the rest of
	// the scenario is still checked so that every problem shows at once.
	for _, s := range sets {
		d.applySet(doc, s)
	}
	if len(sets) > 0 && !d.guard(doc) {
		return nil, d.errs.sorted()
	}
	d.root = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: 1, Column: 1}
	if len(doc.Content) == 1 {
		d.root = doc.Content[0]
	}
	s := d.scenario()
	d.deriveDuration(s)
	d.validate(s)
	if len(d.errs) > 0 {
		return nil, d.errs.sorted()
	}
	return s, nil
}

// decoder turns a yaml.Node tree into a Scenario, collecting every problem
// with its position rather than stopping at the first.
type decoder struct {
	file string
	errs ErrorList
	// root is the document's top node once the sets are applied.
	root *yaml.Node
	// origin maps the nodes a --set argument wrote to that argument, so
	// their problems name it instead of a file position.
	origin map[*yaml.Node]string
	// pos maps a field path to the node it was read from, for validation
	// messages.
	pos map[string]*yaml.Node
	// bad marks field paths that failed to decode; validation skips them so
	// one mistake is reported once.
	bad map[string]bool
	// misspelt marks field paths that an unknown key was probably meant to
	// be, so that they are not also reported as missing.
	misspelt map[string]bool
	// types remembers the fields of the struct types read so far.
	types map[reflect.Type][]fieldInfo
	// scratch reads default tags; what it records is never looked at.
	scratch *decoder
	// read reads the files the scenario names; nil reads none.
	read ReadFunc
	// durationFrom is the load field whose stages the scenario's duration
	// was added up from, when the file gave none ("" otherwise).
	durationFrom string
}

func (d *decoder) errorf(n *yaml.Node, field, format string, args ...any) {
	e := &Error{File: d.file, Field: field, Msg: fmt.Sprintf(format, args...)}
	if arg, ok := d.origin[n]; ok {
		e.File = "--set " + arg
	} else if n != nil && n.Line > 0 {
		e.Line, e.Col = n.Line, n.Column
	} else {
		e.Line, e.Col = 1, 1
	}
	d.errs = append(d.errs, e)
}

// fail reports a problem with the field at path and marks it bad.
func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.bad[path] = true
	d.errorf(n, path, format, args...)
}

// parse turns data into a document node, or reports why it cannot.
func (d *decoder) parse(data []byte) (doc *yaml.Node) {
	if len(data) > maxInputBytes {
		d.errorf(nil, "", "file is %d bytes; a scenario may be at most %d bytes (4 MiB)", len(data), maxInputBytes)
		return nil
	}
	if n := structural(data); n > maxStructural {
		d.errorf(nil, "", "file has %d structural characters (,[{-?: and newlines); a scenario may have at most %d", n, maxStructural)
		return nil
	}
	// yaml.v3 reports its own failures by panicking and recovering; a panic
	// that escapes it is a parser bug, and Parse promises never to panic.
	defer func() {
		if r := recover(); r != nil {
			d.errorf(nil, "", "syntax error: the YAML parser failed (%v); check the file is valid YAML", r)
			doc = nil
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var n yaml.Node
	if err := dec.Decode(&n); err != nil {
		if errors.Is(err, io.EOF) {
			d.errorf(nil, "", "the file is empty; a scenario starts with \"baton: %s\"", Version)
		} else {
			d.syntaxError(data, err)
		}
		return nil
	}
	// Trailing "---" lines with nothing after them are harmless; a second
	// document with content is a mistake.
	for {
		var extra yaml.Node
		err := dec.Decode(&extra)
		switch {
		case errors.Is(err, io.EOF):
			return &n
		case err != nil:
			d.syntaxError(data, err)
			return nil
		case !emptyDocument(&extra):
			d.errorf(&extra, "", "a second YAML document starts here; a scenario file holds exactly one (remove the \"---\")")
			return nil
		}
	}
}

func emptyDocument(n *yaml.Node) bool {
	return len(n.Content) == 0 || len(n.Content) == 1 && isNull(n.Content[0]) && n.Content[0].Value == ""
}

// structural counts the bytes that can start a YAML node.
func structural(data []byte) int {
	n := 0
	for _, c := range data {
		switch c {
		case ',', '[', '{', '-', '?', ':', '\n':
			n++
		}
	}
	return n
}

var (
	yamlLineErr   = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	yamlAnchorErr = regexp.MustCompile(`anchor '([^']*)'`)
)

// syntaxError converts a yaml.v3 error, which carries at most a line, into
// an *Error. Anchor errors carry none; their alias is found in the text.
func (d *decoder) syntaxError(data []byte, err error) {
	msg := err.Error()
	e := &Error{File: d.file, Line: 1, Col: 1}
	if m := yamlLineErr.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
		if m := yamlAnchorErr.FindStringSubmatch(msg); m != nil {
			if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
				e.Line = bytes.Count(data[:i], []byte("\n")) + 1
				e.Col = i - bytes.LastIndexByte(data[:i], '\n')
			}
		}
	}
	hint := "check indentation, colons and brackets"
	if m := yamlAnchorErr.FindStringSubmatch(msg); m != nil {
		hint = fmt.Sprintf("an alias *%s needs an anchor &%s on an earlier value", m[1], m[1])
	} else if line := lineOf(data, e.Line); strings.Contains(line, "\t") {
		hint = "indent with spaces, as YAML does not allow tabs"
	}
	e.Msg = fmt.Sprintf("syntax error: %s; %s", msg, hint)
	d.errs = append(d.errs, e)
}

func lineOf(data []byte, line int) string {
	for i := 1; i < line; i++ {
		j := bytes.IndexByte(data, '\n')
		if j < 0 {
			return ""
		}
		data = data[j+1:]
	}
	if j := bytes.IndexByte(data, '\n'); j >= 0 {
		data = data[:j]
	}
	return string(data)
}

// guard measures the tree the decoder is about to walk, with aliases
// expanded, and rejects it if it is too big or too deep. Sizes and heights
// are memoised per node, so a billion-laughs document costs time linear in
// its text, not in its expansion.
func (d *decoder) guard(doc *yaml.Node) bool {
	at, msg := measure(doc)
	if msg != "" {
		d.errorf(at, "", "%s", msg)
	}
	return msg == ""
}

// measure checks the tree under n against maxDepth and maxNodes. It returns
// an empty message if the tree is within both, else what is wrong and the
// node to blame (nil for the tree as a whole).
func measure(n *yaml.Node) (*yaml.Node, string) {
	g := &guard{size: map[*yaml.Node]int{}, height: map[*yaml.Node]int{}}
	if !g.walk(n, 1) {
		return g.deep, fmt.Sprintf("nested more than %d levels deep (with aliases expanded); a scenario needs about ten", maxDepth)
	}
	if g.size[n] > maxNodes {
		return nil, fmt.Sprintf("the document expands to more than %d YAML nodes (aliases such as *name repeat what &name anchors); a scenario needs far fewer", maxNodes)
	}
	return nil, ""
}

type guard struct {
	size, height map[*yaml.Node]int
	deep         *yaml.Node // where the depth limit was crossed
}

// walk fills in size and height for n, met at the given depth, and reports
// false as soon as the depth limit is crossed. Sizes saturate just above
// maxNodes so that they cannot overflow.
func (g *guard) walk(n *yaml.Node, depth int) bool {
	if depth > maxDepth {
		g.deep = n
		return false
	}
	if h, ok := g.height[n]; ok {
		if depth+h-1 > maxDepth {
			g.deep = n
			return false
		}
		return true
	}
	size, height := 1, 1
	children := n.Content
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		children = []*yaml.Node{n.Alias}
		size = 0 // the alias stands for its target
	}
	for _, c := range children {
		if !g.walk(c, depth+1) {
			return false
		}
		size = min(size+g.size[c], maxNodes+1)
		height = max(height, g.height[c]+1)
	}
	g.size[n], g.height[n] = size, height
	return true
}

// resolve follows aliases to the node they stand for.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe renders a node for "got ..." in messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		v := n.Value
		if len(v) > 40 {
			v = v[:37] + "..."
		}
		if n.ShortTag() == "!!str" {
			return strconv.Quote(v)
		}
		if n.ShortTag() == "!!null" {
			return "nothing"
		}
		return v
	}
	return "an alias"
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// pair is one mapping entry.
type pair struct {
	key, value *yaml.Node
	name       string
}

// pairs returns the entries of mapping n in file order with merge keys
// (<<: *defaults) expanded: an explicit entry wins over a merged one and an
// earlier merge over a later one, as YAML specifies. It reports keys that
// are not scalars and keys written twice.
func (d *decoder) pairs(n *yaml.Node, path string) []pair {
	var out []pair
	seen := map[string]*yaml.Node{}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, path, "keys must be plain names, got %s", describe(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.errorf(k, path, "key %q is written twice (first at line %d, col %d); keep one", k.Value, first.Line, first.Column)
			continue
		}
		seen[k.Value] = k
		out = append(out, pair{key: k, value: v, name: k.Value})
	}
	for _, m := range merges {
		m = resolve(m)
		maps := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			maps = nil
			for _, c := range m.Content {
				maps = append(maps, resolve(c))
			}
		}
		for _, mm := range maps {
			if mm.Kind != yaml.MappingNode {
				d.errorf(mm, path, "<< merges mappings, got %s; write <<: *anchor where &anchor names a mapping", describe(mm))
				continue
			}
			for _, p := range d.pairs(mm, path) {
				if _, ok := seen[p.name]; !ok {
					seen[p.name] = p.key
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// fields reads mapping n as an object of kind k. It reports unknown keys
// with a did-you-mean and returns the entries by name, leaving out empty
// values so that `mesh:` with nothing after it means "all defaults".
func (d *decoder) fields(n *yaml.Node, path string, k kind) (map[string]pair, bool) {
	return d.named(n, path, fieldNames(k))
}

// named is fields for an object whose field names are known.
func (d *decoder) named(n *yaml.Node, path string, names []string) (map[string]pair, bool) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "must be a mapping with fields %s, got %s", quoteList(names), describe(n))
		return nil, false
	}
	out := map[string]pair{}
	for _, p := range d.pairs(n, path) {
		if !slices.Contains(names, p.name) {
			d.errorf(p.key, path, "unknown field %q%s", p.name, knownHint(p.name, "fields", names))
			if s, ok := closest(p.name, names); ok {
				d.misspelt[join(path, s)] = true
			}
			continue
		}
		if !isNull(resolve(p.value)) {
			out[p.name] = p
		}
	}
	return out, true
}

// knownHint suggests the closest name, or lists them all.
func knownHint(word, what string, names []string) string {
	if h := didYouMean(word, names); h != "" {
		return h
	}
	if len(names) == 0 {
		return ""
	}
	return fmt.Sprintf("; %s are %s", what, quoteList(names))
}

// field returns the value of the named entry if present, records where it
// is and returns its path.
func (d *decoder) field(f map[string]pair, path, name string) (*yaml.Node, string, bool) {
	full := join(path, name)
	p, ok := f[name]
	if !ok {
		return nil, full, false
	}
	v := resolve(p.value)
	d.pos[full] = v
	return v, full, true
}

// required is field for a field that must be present.
func (d *decoder) required(f map[string]pair, at *yaml.Node, path, name, hint string) (*yaml.Node, string, bool) {
	v, full, ok := d.field(f, path, name)
	switch {
	case ok:
	case d.misspelt[full]:
		// "unknown field "nmae" (did you mean "name"?)" already says it.
		d.bad[full] = true
	default:
		d.fail(at, full, "required; %s", hint)
	}
	return v, full, ok
}

// scalar checks that n is a scalar of a tag the schema can read.
func (d *decoder) scalar(n *yaml.Node, path, want string) bool {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "must be %s, got %s", want, describe(n))
		return false
	}
	switch n.ShortTag() {
	case "!!str", "!!int", "!!float", "!!bool", "!!null", "!!timestamp":
		return true
	}
	d.fail(n, path, "must be %s, got a value tagged %s; remove the tag", want, n.Tag)
	return false
}

// str reads text. Numbers are text too (a route may be named 404); true,
// false and empty values are not.
func (d *decoder) str(n *yaml.Node, path string) (string, bool) {
	if !d.scalar(n, path, "a string") {
		return "", false
	}
	switch n.ShortTag() {
	case "!!bool", "!!null":
		d.fail(n, path, "must be a string, got %s; quote it if you mean the text", describe(n))
		return "", false
	}
	return n.Value, true
}

// integer reads a whole number. Integral floats are accepted so that
// 1e3 means 1000, and too-large numbers say so rather than wrapping.
func (d *decoder) integer(n *yaml.Node, path string) (int64, bool) {
	if !d.scalar(n, path, "an integer") {
		return 0, false
	}
	switch n.ShortTag() {
	case "!!int":
		v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if err == nil {
			return v, true
		}
		if errors.Is(err, strconv.ErrRange) {
			d.fail(n, path, "%s is out of range; use a much smaller number", n.Value)
			return 0, false
		}
	case "!!float":
		f, ok := d.finite(n, path)
		if !ok {
			return 0, false
		}
		if f == math.Trunc(f) {
			if math.Abs(f) < 1<<62 {
				return int64(f), true
			}
			d.fail(n, path, "%s is out of range; use a much smaller number", n.Value)
			return 0, false
		}
		d.fail(n, path, "must be a whole number, got %s", n.Value)
		return 0, false
	}
	d.notNumber(n, path, "an integer")
	return 0, false
}

// notNumber reports that n is not the number wanted. yaml.v3 leaves
// numbers too large for a float64 (1e400) as strings; they are called out
// of range rather than "not a number".
func (d *decoder) notNumber(n *yaml.Node, path, want string) {
	if _, err := strconv.ParseFloat(n.Value, 64); n.ShortTag() == "!!str" && errors.Is(err, strconv.ErrRange) {
		d.fail(n, path, "%s is out of range; use a much smaller number", n.Value)
		return
	}
	d.fail(n, path, "must be %s, got %s", want, describe(n))
}

// finite reads a float, rejecting .nan, .inf and overflow.
func (d *decoder) finite(n *yaml.Node, path string) (float64, bool) {
	v := strings.ToLower(strings.TrimLeft(n.Value, "+-"))
	if v == ".nan" || v == ".inf" {
		d.fail(n, path, "must be a finite number, got %s", n.Value)
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
	switch {
	case errors.Is(err, strconv.ErrRange):
		d.fail(n, path, "%s is out of range; use a much smaller number", n.Value)
		return 0, false
	case err != nil || math.IsNaN(f) || math.IsInf(f, 0):
		d.fail(n, path, "must be a finite number, got %s", describe(n))
		return 0, false
	}
	return f, true
}

// number reads an integer or a float.
func (d *decoder) number(n *yaml.Node, path string) (float64, bool) {
	if !d.scalar(n, path, "a number") {
		return 0, false
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		return d.finite(n, path)
	}
	d.notNumber(n, path, "a number")
	return 0, false
}

// fraction reads a number (0.005) or a percentage ("0.5%") as a fraction.
func (d *decoder) fraction(n *yaml.Node, path string) (float64, bool) {
	if !d.scalar(n, path, "a fraction") {
		return 0, false
	}
	if n.ShortTag() == "!!str" {
		if f, ok := percent(n.Value); ok {
			return f, true
		}
	}
	if t := n.ShortTag(); t == "!!int" || t == "!!float" {
		return d.finite(n, path)
	}
	d.fail(n, path, "must be a fraction such as 0.05 or a percentage such as 5%%, got %s", describe(n))
	return 0, false
}

// decimal matches the plain decimals that percentages and percentile names
// are written with.
var decimal = regexp.MustCompile(`^([+-]?)(\d+)(?:\.(\d+))?$`)

// percent reads "0.5%" as 0.005. The decimal point is moved in the text
// rather than dividing by 100, so that 0.1% is exactly the float 0.001.
func percent(s string) (float64, bool) {
	num, ok := strings.CutSuffix(strings.TrimSpace(s), "%")
	if !ok {
		return 0, false
	}
	return shiftLeft2(strings.TrimSpace(num))
}

// shiftLeft2 parses a plain decimal and divides it by 100 exactly.
func shiftLeft2(s string) (float64, bool) {
	m := decimal.FindStringSubmatch(s)
	if m == nil || len(s) > 40 {
		return 0, false
	}
	digits := m[2] + m[3]
	point := len(m[2]) - 2
	txt := m[1]
	if point <= 0 {
		txt += "0." + strings.Repeat("0", -point) + digits
	} else {
		txt += digits[:point] + "." + digits[point:]
	}
	f, err := strconv.ParseFloat(txt, 64)
	return f, err == nil
}

// shiftRight2 writes fraction f as a percentage without the sign: 0.999
// becomes "99.9". It is the inverse of shiftLeft2.
func shiftRight2(f float64) string {
	txt := strconv.FormatFloat(f, 'f', -1, 64)
	whole, frac, _ := strings.Cut(txt, ".")
	frac += "00"
	whole = strings.TrimLeft(whole+frac[:2], "0")
	frac = strings.TrimRight(frac[2:], "0")
	if whole == "" {
		whole = "0"
	}
	if frac == "" {
		return whole
	}
	return whole + "." + frac
}

// duration reads a Go duration such as 150ms. Zero needs no unit.
func (d *decoder) duration(n *yaml.Node, path string) (time.Duration, bool) {
	if !d.scalar(n, path, "a duration") {
		return 0, false
	}
	switch n.ShortTag() {
	case "!!str":
		v, err := time.ParseDuration(strings.TrimSpace(n.Value))
		if err != nil {
			d.fail(n, path, "invalid duration %q; write a number with a unit, such as 5ms, 1.5s or 250us", n.Value)
			return 0, false
		}
		return v, true
	case "!!int", "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil && f == 0 {
			return 0, true
		}
		d.fail(n, path, "a duration needs a unit: write %sms or %ss, not %s", n.Value, n.Value, n.Value)
		return 0, false
	}
	d.fail(n, path, "must be a duration such as 5ms, got %s", describe(n))
	return 0, false
}

// rate reads "200/s", "30/m", "5/h" or a plain number per second.
func (d *decoder) rate(n *yaml.Node, path string) (float64, bool) {
	if !d.scalar(n, path, "a rate") {
		return 0, false
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		return d.finite(n, path)
	case "!!str":
		num, unit, ok := strings.Cut(n.Value, "/")
		per := map[string]float64{"s": 1, "m": 60, "h": 3600}[strings.TrimSpace(unit)]
		f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if ok && per != 0 && err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f / per, true
		}
	}
	d.fail(n, path, "invalid rate %s; write N/s, N/m or N/h, or a plain number per second, such as 200/s", describe(n))
	return 0, false
}

// scenario decodes the document. Every struct starts from its defaults and
// present fields override them, so a missing field is never confused with
// a zero one (queue: 0 is allowed; the default is 64).
func (d *decoder) scenario() *Scenario {
	s := &Scenario{
		Seed:     1,
		Duration: 30 * time.Second,
		// The mesh-wide policy has defaults that a destination's policy
		// must not have: there a zero balancer or timeout means "as the
		// mesh-wide policy".
		Mesh: Mesh{MeshPolicy: MeshPolicy{Balancer: BalancerRoundRobin, Timeout: defaultTimeout}},
	}
	d.setDefaults(reflect.ValueOf(&s.Mesh).Elem())
	d.setDefaults(reflect.ValueOf(&s.Load).Elem())
	root := resolve(d.root)
	if isNull(root) {
		d.fail(root, "", "the document is empty; a scenario starts with \"baton: %s\"", Version)
		return s
	}
	if root.Kind != yaml.MappingNode {
		d.fail(root, "", "the document must be a mapping of fields (%s), got %s", quoteList(fieldNames(kindRoot)), describe(root))
		return s
	}
	f, _ := d.fields(root, "", kindRoot)
	if n, path, ok := d.required(f, root, "", "baton", `start the file with "baton: v1"`); ok {
		if v, ok := d.str(n, path); ok {
			s.Baton = v
		}
	}
	if n, path, ok := d.required(f, root, "", "name", "name the scenario with lower-case letters, digits and dashes, such as name: checkout"); ok {
		s.Name, _ = d.str(n, path)
	}
	if n, path, ok := d.field(f, "", "description"); ok {
		s.Description, _ = d.str(n, path)
	}
	if n, path, ok := d.field(f, "", "seed"); ok && d.scalar(n, path, "a seed") {
		v, err := strconv.ParseUint(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if n.ShortTag() == "!!int" && err == nil {
			s.Seed = v
		} else {
			d.fail(n, path, "must be a whole number from 0 to 18446744073709551615, got %s", describe(n))
		}
	}
	if n, path, ok := d.field(f, "", "duration"); ok {
		if v, ok := d.duration(n, path); ok {
			s.Duration = v
		}
	}
	if n, path, ok := d.required(f, root, "", "services", "list the services, such as services: {frontend: {replicas: 2}}"); ok {
		s.Services = d.services(n, path)
	}
	if n, path, ok := d.required(f, root, "", "gateway", "route requests to a service, such as gateway: {routes: [{prefix: /api, service: frontend}]}"); ok {
		d.gateway(n, path, &s.Gateway)
	}
	if n, path, ok := d.field(f, "", "mesh"); ok {
		d.value(n, path, reflect.ValueOf(&s.Mesh).Elem(), fieldInfo{})
	}
	if n, path, ok := d.required(f, root, "", "load", "give the offered load, such as load: {rate: 100/s}"); ok {
		d.value(n, path, reflect.ValueOf(&s.Load).Elem(), fieldInfo{})
	}
	if len(s.Load.Paths) == 0 && !d.bad["load.paths"] {
		s.Load.Paths = defaultPaths(s.Gateway.Routes)
	}
	if n, path, ok := d.field(f, "", "slo"); ok {
		for i, item := range d.list(n, path, "a list of rules such as \"p99 < 150ms\"") {
			ip := index(path, i)
			d.pos[ip] = item
			text, ok := d.str(item, ip)
			if !ok {
				continue
			}
			slo, msg := parseSLO(text)
			if msg != "" {
				d.fail(item, ip, "%s", msg)
				continue
			}
			s.SLO = append(s.SLO, slo)
		}
	}
	if n, path, ok := d.field(f, "", "faults"); ok {
		d.value(n, path, reflect.ValueOf(&s.Faults).Elem(), fieldInfo{})
	}
	if n, path, ok := d.field(f, "", "rollout"); ok {
		d.value(n, path, reflect.ValueOf(&s.Rollout).Elem(), fieldInfo{})
	}
	return s
}

// list returns the resolved elements of sequence n.
func (d *decoder) list(n *yaml.Node, path, want string) []*yaml.Node {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "must be %s, got %s", want, describe(n))
		return nil
	}
	items := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		items[i] = resolve(c)
	}
	return items
}

func (d *decoder) services(n *yaml.Node, path string) []Service {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "must be a mapping from service name to service, got %s", describe(n))
		return nil
	}
	var out []Service
	for _, p := range d.pairs(n, path) {
		sp := join(path, p.name)
		d.pos[sp] = p.key
		svc := Service{Name: p.name}
		sv := reflect.ValueOf(&svc).Elem()
		d.setDefaults(sv)
		if v := resolve(p.value); !isNull(v) {
			d.value(v, sp, sv, fieldInfo{})
		}
		out = append(out, svc)
	}
	if len(out) == 0 {
		d.fail(n, path, "must define at least one service")
	}
	return out
}

// distParams lists the fields each distribution takes.
func distParams(dist string) []string {
	switch dist {
	case DistConstant:
		return []string{"value"}
	case DistUniform:
		return []string{"min", "max"}
	case DistExponential:
		return []string{"mean"}
	case DistNormal:
		return []string{"mean", "stddev"}
	case DistLognormal:
		return []string{"p50", "p99"}
	case DistEmpirical:
		return []string{"percentiles"}
	}
	return nil
}

func (d *decoder) latency(n *yaml.Node, path string) (Latency, bool) {
	if n.Kind == yaml.ScalarNode {
		v, ok := d.duration(n, path)
		return Latency{Dist: DistConstant, Value: v}, ok
	}
	f, ok := d.fields(n, path, kindLatency)
	if !ok {
		return Latency{}, false
	}
	distNode, distPath, ok := d.required(f, n, path, "dist", "one of "+quoteList(Distributions())+", or write a single duration such as latency: 5ms")
	if !ok {
		return Latency{}, false
	}
	dist, ok := d.str(distNode, distPath)
	if !ok {
		return Latency{}, false
	}
	params := distParams(dist)
	if params == nil {
		d.fail(distNode, distPath, "unknown distribution %q%s", dist, knownHint(dist, "distributions", Distributions()))
		return Latency{}, false
	}
	l := Latency{Dist: dist}
	good := true
	for _, name := range fieldNames(kindLatency) {
		if p, ok := f[name]; ok && name != "dist" && !slices.Contains(params, name) {
			d.errorf(p.key, path, "field %q does not apply to dist %s, which takes %s", name, dist, strings.Join(params, " and "))
			good = false
		}
	}
	for _, name := range params {
		v, p, ok := d.field(f, path, name)
		if !ok {
			d.fail(n, p, "required for dist %s, which takes %s", dist, strings.Join(params, " and "))
			good = false
			continue
		}
		var dst *time.Duration
		switch name {
		case "value":
			dst = &l.Value
		case "min":
			dst = &l.Min
		case "max":
			dst = &l.Max
		case "mean":
			dst = &l.Mean
		case "stddev":
			dst = &l.StdDev
		case "p50":
			dst = &l.P50
		case "p99":
			dst = &l.P99
		case "percentiles":
			l.Percentiles, ok = d.percentiles(v, p)
			good = good && ok
			continue
		}
		*dst, ok = d.duration(v, p)
		good = good && ok
	}
	if !good {
		d.bad[path] = true
	}
	return l, good
}

var percentileKey = regexp.MustCompile(`^p(\d+(?:\.\d+)?)$`)

// quantile reads a percentile name such as p99.9 as its quantile 0.999.
func quantile(name string) (float64, bool) {
	m := percentileKey.FindStringSubmatch(name)
	if m == nil {
		return 0, false
	}
	q, ok := shiftLeft2(m[1])
	return q, ok && q > 0 && q <= 1
}

// percentileName writes quantile q as a percentile name: 0.999 is p99.9.
func percentileName(q float64) string { return "p" + shiftRight2(q) }

func (d *decoder) percentiles(n *yaml.Node, path string) ([]Percentile, bool) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "must be a mapping from percentile to latency, such as {p50: 3ms, p99: 20ms}, got %s", describe(n))
		return nil, false
	}
	var out []Percentile
	good := true
	for _, p := range d.pairs(n, path) {
		q, ok := quantile(p.name)
		if !ok {
			d.errorf(p.key, path, "invalid percentile %q; write pNN or pNN.N with 0 < NN <= 100, such as p50 or p99.9", p.name)
			good = false
			continue
		}
		name := percentileName(q)
		full := join(path, name)
		if _, dup := d.pos[full]; dup {
			d.errorf(p.key, path, "percentile %s is written twice (as %s); keep one", name, p.name)
			good = false
			continue
		}
		v := resolve(p.value)
		d.pos[full] = v
		dur, ok := d.duration(v, full)
		good = good && ok
		out = append(out, Percentile{Quantile: q, Value: dur})
	}
	if len(out) == 0 && good {
		d.fail(n, path, "must give at least one percentile, such as {p50: 3ms, p99: 20ms}")
		return nil, false
	}
	slices.SortStableFunc(out, func(a, b Percentile) int { return cmpFloat(a.Quantile, b.Quantile) })
	return out, good
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (d *decoder) steps(n *yaml.Node, path string) []Step {
	var out []Step
	for i, it := range d.list(n, path, "a list of calls") {
		ip := index(path, i)
		d.pos[ip] = it
		// Every item yields a step, even a broken one, so that step i is
		// calls[i] when validation reports on it.
		if it.Kind == yaml.ScalarNode {
			c, _ := d.call(it, ip, kindCall)
			out = append(out, Step{Call: &c})
			continue
		}
		f, ok := d.fields(it, ip, kindStep)
		if !ok {
			out = append(out, Step{})
			continue
		}
		_, hasService := f["service"]
		parallel, hasParallel := f["parallel"]
		switch {
		case hasService && hasParallel:
			d.fail(it, ip, "a step is one call (service:) or one parallel group (parallel:), not both")
			out = append(out, Step{})
		case hasParallel:
			if p, ok := f["probability"]; ok {
				d.fail(p.key, ip, "probability belongs to each call of a parallel group, not to the group")
			}
			pp := join(ip, "parallel")
			pn := resolve(parallel.value)
			d.pos[pp] = pn
			var calls []Call
			items := d.list(pn, pp, "a list of calls")
			for j, c := range items {
				cp := index(pp, j)
				d.pos[cp] = c
				if c.Kind == yaml.MappingNode && slices.Contains(mappingKeys(c), "parallel") {
					d.fail(c, cp, "parallel groups do not nest; list the inner group's calls in the outer group")
					calls = append(calls, Call{})
					continue
				}
				call, _ := d.call(c, cp, kindCall)
				calls = append(calls, call)
			}
			if pn.Kind == yaml.SequenceNode && len(items) == 0 {
				d.fail(pn, pp, "must list at least one call")
			}
			out = append(out, Step{Parallel: calls})
		case hasService:
			c, _ := d.callFields(f, it, ip)
			out = append(out, Step{Call: &c})
		default:
			d.fail(it, ip, "each step needs service: (one call) or parallel: (a group of calls)")
			out = append(out, Step{})
		}
	}
	return out
}

// call reads a call written as a service name or as a mapping of kind k.
func (d *decoder) call(n *yaml.Node, path string, k kind) (Call, bool) {
	if n.Kind == yaml.ScalarNode {
		sp := join(path, "service")
		d.pos[sp] = n
		v, ok := d.str(n, sp)
		return Call{Service: v, Probability: 1}, ok
	}
	f, ok := d.fields(n, path, k)
	if !ok {
		return Call{}, false
	}
	return d.callFields(f, n, path)
}

// callFields reads a call from the fields of its mapping n.
func (d *decoder) callFields(f map[string]pair, n *yaml.Node, path string) (Call, bool) {
	c := Call{Probability: 1}
	v, sp, ok := d.required(f, n, path, "service", "name the service to call")
	if !ok {
		return c, false
	}
	if c.Service, ok = d.str(v, sp); !ok {
		return c, false
	}
	if v, p, ok := d.field(f, path, "probability"); ok {
		if c.Probability, ok = d.fraction(v, p); !ok {
			return c, false
		}
	}
	return c, true
}

// sloMetrics are the metric names suggested for misspellings.
func sloMetrics() []string {
	return []string{"p50", "p90", "p99", "p99.9", MetricMean, MetricMax, MetricErrorRate, MetricRPS}
}

// parseSLO reads a rule `METRIC OP VALUE`. On failure it returns a message
// saying what is wrong and what would be right.
func parseSLO(text string) (SLO, string) {
	i := strings.IndexAny(text, "<>")
	if i < 0 {
		return SLO{}, fmt.Sprintf("invalid rule %q; write METRIC OP VALUE such as \"p99 < 150ms\", with OP one of <, <=, >, >=", text)
	}
	metric := strings.TrimSpace(text[:i])
	op, rest := text[i:i+1], text[i+1:]
	if strings.HasPrefix(rest, "=") {
		op, rest = op+"=", rest[1:]
	}
	value := strings.TrimSpace(rest)
	s := SLO{Metric: metric, Op: op}
	if value == "" || strings.ContainsAny(value, "<>= \t") {
		return SLO{}, fmt.Sprintf("invalid rule %q; write METRIC OP VALUE such as \"p99 < 150ms\", with OP one of <, <=, >, >=", text)
	}
	latency := false
	switch {
	case metric == MetricMean || metric == MetricMax:
		latency = true
	case metric == MetricErrorRate:
		f, ok := percent(value)
		if !ok {
			var err error
			f, err = strconv.ParseFloat(value, 64)
			ok = err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
		}
		if !ok || f < 0 || f > 1 {
			return SLO{}, fmt.Sprintf("invalid error_rate threshold %q; write a percentage from 0%% to 100%% or a fraction from 0 to 1, such as 1%%", value)
		}
		s.Threshold = f
	case metric == MetricRPS:
		f, err := strconv.ParseFloat(value, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			return SLO{}, fmt.Sprintf("invalid rps threshold %q; write a non-negative number of requests per second, such as 100", value)
		}
		s.Threshold = f
	case strings.HasPrefix(metric, "p"):
		q, ok := quantile(metric)
		if !ok {
			return SLO{}, fmt.Sprintf("invalid percentile %q; write pNN or pNN.N with 0 < NN <= 100, such as p99 or p99.9", metric)
		}
		s.Metric, s.Quantile = MetricPercentile, q
		latency = true
	default:
		hint := didYouMean(metric, sloMetrics())
		if hint == "" {
			hint = "; metrics are pNN (p50, p99, p99.9), mean, max, error_rate and rps"
		}
		return SLO{}, fmt.Sprintf("unknown metric %q%s", metric, hint)
	}
	if latency {
		dur, err := time.ParseDuration(value)
		if err != nil || dur < 0 {
			return SLO{}, fmt.Sprintf("invalid latency threshold %q; write a non-negative duration such as 150ms", value)
		}
		s.Threshold = float64(dur) / float64(time.Millisecond)
		value = dur.String()
	}
	s.Rule = metric + " " + op + " " + value
	return s, ""
}
