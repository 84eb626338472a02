package scenarios

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Set is one --set override: Path is a dotted path into the YAML document
// (mapping keys, and list indices as numbers) and Value is YAML text.
type Set struct{ Path, Value string }

func (s Set) String() string { return s.Path + "=" + s.Value }

// ParseSet reads a --set argument such as services.cart.replicas=4. The
// value is everything after the first "=".
func ParseSet(arg string) (Set, error) {
	path, value, ok := strings.Cut(arg, "=")
	if !ok {
		return Set{}, &Error{File: "--set " + arg, Msg: `missing "="; write PATH=VALUE, such as services.cart.replicas=4`}
	}
	path = strings.TrimSpace(path)
	if path == "" {
		return Set{}, &Error{File: "--set " + arg, Msg: `missing path before "="; write PATH=VALUE, such as services.cart.replicas=4`}
	}
	for _, seg := range strings.Split(path, ".") {
		if seg == "" {
			return Set{}, &Error{File: "--set " + arg, Msg: fmt.Sprintf("empty key in path %q; separate keys with single dots, such as load.rate", path)}
		}
	}
	return Set{Path: path, Value: value}, nil
}

// applySet writes s into the document before it is decoded, so the value
// is checked exactly like text in the file. Missing keys the schema knows
// are created (load.arrival when the file leaves it out); unknown keys and
// services are errors with a did-you-mean. A path that passes through an
// anchored or aliased value writes into a private copy, so the other users
// of the anchor keep the value the file gave them.
func (d *decoder) applySet(doc *yaml.Node, s Set) {
	arg := s.String()
	var ed edits
	failf := func(field, format string, args ...any) {
		ed.undo()
		d.errs = append(d.errs, &Error{File: "--set " + arg, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	value, err := setValue(s.Value)
	if err == "" {
		_, err = measure(value)
	}
	if err != "" {
		failf(s.Path, "%s", err)
		return
	}
	d.mark(value, arg)
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		failf("", "the file has no document to set values in")
		return
	}
	segs := strings.Split(s.Path, ".")
	slot, field := &doc.Content[0], ""
	var k kind = kindRoot
	for i := 0; i < len(segs); i++ {
		seg := segs[i]
		n := d.own(&ed, slot)
		if isNull(n) && k != kindValue {
			// An empty value (or one this set just created) becomes the
			// collection the schema expects there.
			empty := n
			n = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			if k.isList() {
				n = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			}
			// Where the file wrote the empty value, problems with what
			// the set adds (a route without a service) point there;
			// otherwise they name the set.
			if _, fromSet := d.origin[empty]; fromSet || empty.Line == 0 {
				d.origin[n] = arg
			} else {
				n.Line, n.Column = empty.Line, empty.Column
			}
			ed.put(slot, n)
		}
		if n.Kind == yaml.ScalarNode && (k == kindLatency || k == kindStep || k == kindCall) {
			n = d.expand(n, k, arg)
			ed.put(slot, n)
		}
		switch {
		case k == kindValue:
			failf(field, "is a single value; it has no field %q", seg)
			return
		case k.isList():
			if n.Kind != yaml.SequenceNode {
				failf(field, "is %s, not a list; cannot index it with %q", describe(n), seg)
				return
			}
			idx, err := strconv.Atoi(seg)
			if err != nil || idx < 0 || idx > len(n.Content) {
				failf(field, "%q is not an index of the list; %s", seg, indexHint(len(n.Content)))
				return
			}
			if idx == len(n.Content) {
				nn := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
				d.origin[nn] = arg
				ed.add(n, nn)
			}
			slot, k, field = &n.Content[idx], k.elem(), index(field, idx)
		default:
			if n.Kind != yaml.MappingNode {
				failf(field, "is %s, not a mapping; cannot set %q in it", describe(n), seg)
				return
			}
			key := seg
			if k == kindPercentiles {
				// Percentile names contain dots (p99.9): the rest of the
				// path is the key.
				key, i = strings.Join(segs[i:], "."), len(segs)-1
			}
			at, found := d.lookup(&ed, n, key, arg)
			if !found {
				switch {
				case k == kindServices:
					failf(field, "unknown service %q%s", key, knownHint(key, "services", mappingKeys(n)))
					return
				case k == kindPercentiles:
					if _, ok := quantile(key); !ok {
						failf(field, "invalid percentile %q; write pNN or pNN.N with 0 < NN <= 100, such as p50 or p99.9", key)
						return
					}
				case k.isNameMap():
					// Other names (destinations) are checked by the
					// validator, which names this argument.
				case !slices.Contains(fieldNames(k), key):
					failf(field, "unknown field %q%s", key, knownHint(key, "fields", fieldNames(k)))
					return
				}
				kn := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
				vn := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
				d.origin[kn], d.origin[vn] = arg, arg
				ed.add(n, kn, vn)
				at = len(n.Content) - 1
			}
			slot, field = &n.Content[at], join(field, key)
			k = fieldKind(k, key)
		}
	}
	*slot = value
}

// edits records the changes one --set makes to the document, so that a
// --set that fails halfway can leave the document as it found it.
type edits []func()

// put stores n in slot.
func (e *edits) put(slot **yaml.Node, n *yaml.Node) {
	old := *slot
	*e = append(*e, func() { *slot = old })
	*slot = n
}

// add appends items to n's children.
func (e *edits) add(n *yaml.Node, items ...*yaml.Node) {
	old := n.Content
	*e = append(*e, func() { n.Content = old })
	n.Content = append(n.Content, items...)
}

func (e edits) undo() {
	for i := len(e) - 1; i >= 0; i-- {
		e[i]()
	}
}

// indexHint says which indices a list of n items accepts.
func indexHint(n int) string {
	switch n {
	case 0:
		return "it is empty, use 0 to add an item"
	case 1:
		return "it has 1 item, use 0, or 1 to add an item"
	}
	return fmt.Sprintf("it has %d items, use 0 to %d, or %d to add an item", n, n-1, n)
}

// fieldKind is the kind of the value under key in a mapping of kind k.
func fieldKind(k kind, key string) kind {
	if k.isNameMap() {
		return k.elem()
	}
	for _, f := range k.fields() {
		if f.name == key {
			return f.kind
		}
	}
	return kindValue
}

// lookup finds key in mapping n and returns the index of its value in
// n.Content. A key that only comes from a merge (<<: *defaults) is copied
// into n first, so that setting inside it leaves the anchor alone.
func (d *decoder) lookup(ed *edits, n *yaml.Node, key, arg string) (int, bool) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := resolve(n.Content[i]); k.Kind == yaml.ScalarNode && k.Value == key && k.ShortTag() != "!!merge" {
			return i + 1, true
		}
	}
	// The decoder reports any problem in the merge later; a scratch
	// decoder keeps it from being reported twice.
	scratch := &decoder{origin: d.origin}
	for _, p := range scratch.pairs(n, "") {
		if p.name == key {
			kn := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
			d.origin[kn] = arg
			ed.add(n, kn, copyTree(p.value))
			return len(n.Content) - 1, true
		}
	}
	return 0, false
}

// own makes the node in slot private to this path before it is changed:
// an alias is replaced by a copy of its target and an anchored node by a
// copy without the anchor, so other users of the anchor are not affected.
func (d *decoder) own(ed *edits, slot **yaml.Node) *yaml.Node {
	n := *slot
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		c := copyTree(resolve(n))
		c.Anchor = ""
		if arg, ok := d.origin[n]; ok {
			d.origin[c] = arg
		}
		ed.put(slot, c)
		return c
	}
	return n
}

// copyTree copies n and its children. Aliases inside are copied as
// aliases (sharing their targets), so the copy is no larger than the text.
func copyTree(n *yaml.Node) *yaml.Node {
	c := *n
	if n.Kind != yaml.AliasNode && len(n.Content) > 0 {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, ch := range n.Content {
			c.Content[i] = copyTree(ch)
		}
	}
	return &c
}

// expand rewrites a shorthand scalar as the mapping it stands for, so that
// --set services.x.latency.value=7ms works when the file says latency: 5ms.
func (d *decoder) expand(n *yaml.Node, k kind, arg string) *yaml.Node {
	key := "service"
	var pre []*yaml.Node
	if k == kindLatency {
		key = "value"
		pre = []*yaml.Node{
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: "dist"},
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: DistConstant},
		}
	}
	kn := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column, Content: append(pre, kn, n)}
	for _, c := range append(pre, kn, m) {
		d.origin[c] = arg
	}
	return m
}

// mark records that every node of the tree under n came from arg.
func (d *decoder) mark(n *yaml.Node, arg string) {
	d.origin[n] = arg
	if n.Kind != yaml.AliasNode {
		for _, c := range n.Content {
			d.mark(c, arg)
		}
	}
}

// setValue parses a --set value as YAML. An empty value is null, which
// restores the field's default.
func setValue(v string) (*yaml.Node, string) {
	if strings.TrimSpace(v) == "" {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}, ""
	}
	if len(v) > maxInputBytes || structural([]byte(v)) > maxStructural {
		return nil, "value too large"
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(v), &doc); err != nil {
		return nil, fmt.Sprintf("invalid YAML value: %s; quote text that contains YAML punctuation", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(doc.Content) != 1 {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}, ""
	}
	n := doc.Content[0]
	return n, ""
}

// mappingKeys lists the keys of mapping n in file order.
func mappingKeys(n *yaml.Node) []string {
	var keys []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := resolve(n.Content[i]); k.Kind == yaml.ScalarNode && k.ShortTag() != "!!merge" {
			keys = append(keys, k.Value)
		}
	}
	return keys
}
