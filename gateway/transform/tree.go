package transform

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"unicode/utf8"
)

// A JSON body is handled as the tree encoding/json decodes into with
// UseNumber: map[string]any, []any, json.Number, string, bool and nil.
// Numbers stay json.Number so a rewrite never rounds 2^53+1 or reformats
// 1.50; objects become maps, which is why a rewritten body comes out with
// its keys sorted.

// decodeJSON parses exactly one JSON value (surrounding whitespace allowed).
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the json value")
	}
	return v, nil
}

// encodeJSON writes a canonical tree compactly with object keys sorted,
// byte for byte what encoding/json's Encoder writes with SetEscapeHTML(false)
// (minus its newline); TestEncodeMatchesEncodingJSON and FuzzJSONOps hold
// it to that. It exists because encoding/json reaches every value of an
// interface tree through reflection, which was half the cost of a body
// rewrite. A value outside the canonical types goes to encoding/json.
func encodeJSON(v any, sizeHint int) ([]byte, error) {
	return appendJSON(make([]byte, 0, sizeHint+16), v)
}

func appendJSON(dst []byte, v any) ([]byte, error) {
	switch c := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		if c {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case string:
		return appendString(dst, c), nil
	case json.Number:
		if c == "" {
			return append(dst, '0'), nil // encoding/json's zero Number
		}
		return append(dst, c...), nil // from the decoder: already valid
	case map[string]any:
		keys := make([]string, 0, len(c))
		for k := range c {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		var err error
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, k)
			dst = append(dst, ':')
			if dst, err = appendJSON(dst, c[k]); err != nil {
				return nil, err
			}
		}
		return append(dst, '}'), nil
	case []any:
		dst = append(dst, '[')
		var err error
		for i, e := range c {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendJSON(dst, e); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(dst, b...), nil
}

// appendString quotes s as encoding/json does without HTML escaping:
// quote, backslash and control characters escaped, invalid UTF-8 replaced
// by U+FFFD, and U+2028 and U+2029 escaped (JSONP safety).
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= ' ' && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// cloneValue deep-copies the containers of a canonical tree, so a value
// compiled once can be written into many bodies and later operations on one
// body never reach the shared copy.
func cloneValue(v any) any {
	switch c := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(c))
		for k, e := range c {
			m[k] = cloneValue(e)
		}
		return m
	case []any:
		s := make([]any, len(c))
		for i, e := range c {
			s[i] = cloneValue(e)
		}
		return s
	}
	return v
}

// outcome is what a write did.
type outcome uint8

const (
	applied   outcome = iota // the tree changed
	unchanged                // nothing to do (add found a value)
	blocked                  // the path crosses a value that cannot hold it
)

// lookup returns the value at p. With objectsOnly, arrays are not entered
// (KrakenD's allow/deny see objects only).
func lookup(cur any, p path, objectsOnly bool) (any, bool) {
	for _, seg := range p {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[seg]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, ok := index(seg)
			if objectsOnly || !ok || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// put writes val at p below cur and returns cur's new value (a slice header
// can change; maps change in place). Missing object keys on the way are
// created as objects; an array is only indexed within its length, and
// scalars and null are never overwritten to make room. When blocked, the
// tree is unchanged and depth is the number of segments that resolved.
// onlyIfAbsent makes an existing value win (add).
func put(cur any, p path, val any, onlyIfAbsent bool) (_ any, _ outcome, depth int) {
	switch c := cur.(type) {
	case map[string]any:
		k := p[0]
		child, ok := c[k]
		if len(p) == 1 {
			if ok && onlyIfAbsent {
				return c, unchanged, 0
			}
			c[k] = val
			return c, applied, 0
		}
		if !ok {
			child = map[string]any{} // kept only if the write succeeds
		}
		nc, out, d := put(child, p[1:], val, onlyIfAbsent)
		if out == applied {
			c[k] = nc
		}
		return c, out, d + 1
	case []any:
		i, ok := index(p[0])
		if !ok || i >= len(c) {
			return c, blocked, 0
		}
		if len(p) == 1 {
			if onlyIfAbsent {
				return c, unchanged, 0
			}
			c[i] = val
			return c, applied, 0
		}
		nc, out, d := put(c[i], p[1:], val, onlyIfAbsent)
		if out == applied {
			c[i] = nc
		}
		return c, out, d + 1
	}
	return cur, blocked, 0
}

// take removes the value at p below cur and returns cur's new value and the
// removed value. A missing path changes nothing.
func take(cur any, p path, objectsOnly bool) (_ any, removed any, ok bool) {
	switch c := cur.(type) {
	case map[string]any:
		child, found := c[p[0]]
		if !found {
			return c, nil, false
		}
		if len(p) == 1 {
			delete(c, p[0])
			return c, child, true
		}
		nc, v, ok := take(child, p[1:], objectsOnly)
		if ok {
			c[p[0]] = nc
		}
		return c, v, ok
	case []any:
		i, found := index(p[0])
		if objectsOnly || !found || i >= len(c) {
			return c, nil, false
		}
		if len(p) == 1 {
			v := c[i]
			return slices.Delete(c, i, i+1), v, true
		}
		nc, v, ok := take(c[i], p[1:], objectsOnly)
		if ok {
			c[i] = nc
		}
		return c, v, ok
	}
	return cur, nil, false
}

// restore undoes a take of p that returned val, on the tree take left.
func restore(cur any, p path, val any) any {
	switch c := cur.(type) {
	case map[string]any:
		if len(p) == 1 {
			c[p[0]] = val
		} else {
			c[p[0]] = restore(c[p[0]], p[1:], val)
		}
		return c
	case []any:
		i, _ := index(p[0])
		if len(p) == 1 {
			return slices.Insert(c, i, val)
		}
		c[i] = restore(c[i], p[1:], val)
		return c
	}
	return cur
}

// kind names a canonical value for messages.
func kind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("a %T", v)
}

// blockedAt explains why writing p into root stopped after depth segments.
func blockedAt(root any, p path, depth int) string {
	where := "the body"
	if depth > 0 {
		where = fmt.Sprintf("%q", p[:depth].String())
	}
	at, _ := lookup(root, p[:depth], false)
	if a, ok := at.([]any); ok {
		if _, isIdx := index(p[depth]); isIdx {
			return fmt.Sprintf("index %s out of range: %s has %d elements", p[depth], where, len(a))
		}
		return fmt.Sprintf("%q is not an index and %s is an array", p[depth], where)
	}
	return fmt.Sprintf("%s is %s, not an object or array", where, kind(at))
}

type opKind uint8

const (
	opAdd opKind = iota
	opSet
	opRemove
	opRename
	opMove
)

// jsonOp is a compiled JSONOp.
type jsonOp struct {
	kind  opKind
	from  path   // add, set, remove: the path; rename, move: the source
	to    path   // move: the target; rename: the new key (one segment)
	val   any    // add, set: canonical value, cloned for every write
	field string // "response.json[2].set", for reports
}

func compileJSONOps(ops []JSONOp, field string) ([]jsonOp, error) {
	if err := validateJSONOps(ops, field); err != nil {
		return nil, err
	}
	out := make([]jsonOp, len(ops))
	for i, op := range ops {
		name, _ := op.name()
		c := jsonOp{field: fmt.Sprintf("%s[%d].%s", field, i, name)}
		var err error
		switch name {
		case "add", "set":
			fv, k := op.Add, opAdd
			if name == "set" {
				fv, k = op.Set, opSet
			}
			c.kind = k
			c.from, _ = parsePath(fv.Path)
			c.val, err = canonicalValue(fv.Value)
		case "remove":
			c.kind = opRemove
			c.from, _ = parsePath(op.Remove)
		case "rename":
			c.kind = opRename
			c.from, _ = parsePath(op.Rename.From)
			c.to, _ = parsePath(op.Rename.To)
		case "move":
			c.kind = opMove
			c.from, _ = parsePath(op.Move.From)
			c.to, _ = parsePath(op.Move.To)
		}
		if err != nil { // validated above; kept so a change there cannot go unnoticed
			return nil, &ConfigError{Field: c.field, err: err}
		}
		out[i] = c
	}
	return out, nil
}

// applyOps runs ops in order on root. It returns the new root, whether
// anything changed, and the conflicts (ErrPathConflict) of skipped ops.
func applyOps(root any, ops []jsonOp) (any, bool, error) {
	changed := false
	var conflicts []error
	conflict := func(op *jsonOp, tree any, p path, depth int) {
		conflicts = append(conflicts, fmt.Errorf("%w: %s: %s", ErrPathConflict, op.field, blockedAt(tree, p, depth)))
	}
	for i := range ops {
		op := &ops[i]
		switch op.kind {
		case opAdd, opSet:
			val := op.val
			if isContainer(val) {
				val = cloneValue(val)
			}
			nr, out, d := put(root, op.from, val, op.kind == opAdd)
			switch out {
			case applied:
				root, changed = nr, true
			case blocked:
				conflict(op, root, op.from, d)
			}
		case opRemove:
			if nr, _, ok := take(root, op.from, false); ok {
				root, changed = nr, true
			}
		case opRename:
			parent, ok := lookup(root, op.from[:len(op.from)-1], false)
			if !ok {
				continue
			}
			switch c := parent.(type) {
			case map[string]any:
				if v, ok := c[op.from[len(op.from)-1]]; ok {
					delete(c, op.from[len(op.from)-1])
					c[op.to[0]] = v
					changed = true
				}
			case []any:
				// An element exists but an array has no keys to rename.
				if idx, ok := index(op.from[len(op.from)-1]); ok && idx < len(c) {
					conflicts = append(conflicts, fmt.Errorf("%w: %s: %q is an array element, not a key",
						ErrPathConflict, op.field, op.from.String()))
				}
			}
		case opMove:
			nr, v, ok := take(root, op.from, false)
			if !ok {
				continue
			}
			nr2, out, d := put(nr, op.to, v, false)
			if out == applied {
				root, changed = nr2, true
				continue
			}
			conflict(op, nr, op.to, d)
			root = restore(nr, op.from, v)
		}
	}
	return root, changed, errors.Join(conflicts...)
}

// isContainer reports whether v must be copied before it is shared.
func isContainer(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}
