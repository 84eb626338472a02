package transform

import (
	"net/http"
	"strings"
)

type headerPair struct{ a, b string }

// headerOps are HeaderOps with names canonicalised once, so applying them
// looks keys up directly: net/http stores canonical keys, and
// http.Header.Set would canonicalise on every call.
type headerOps struct {
	remove []string
	rename []headerPair // from, to
	set    []headerPair // name, value
	add    []headerPair // name, value
}

func compileHeaders(o HeaderOps) headerOps {
	var c headerOps
	for _, n := range o.Remove {
		c.remove = append(c.remove, http.CanonicalHeaderKey(n))
	}
	for _, r := range o.Rename {
		c.rename = append(c.rename, headerPair{http.CanonicalHeaderKey(r.From), http.CanonicalHeaderKey(r.To)})
	}
	for _, hv := range o.Set {
		c.set = append(c.set, headerPair{http.CanonicalHeaderKey(hv.Name), hv.Value})
	}
	for _, hv := range o.Add {
		c.add = append(c.add, headerPair{http.CanonicalHeaderKey(hv.Name), hv.Value})
	}
	return c
}

func (c *headerOps) empty() bool {
	return len(c.remove)+len(c.rename)+len(c.set)+len(c.add) == 0
}

// apply edits h in place: remove, rename, set, add. Setting a header that
// exists reuses its value slice, so set and remove allocate nothing.
func (c *headerOps) apply(h http.Header) {
	for _, k := range c.remove {
		delete(h, k)
	}
	for _, r := range c.rename {
		if vs, ok := h[r.a]; ok {
			delete(h, r.a)
			h[r.b] = vs
		}
	}
	for _, s := range c.set {
		if vs := h[s.a]; len(vs) > 0 {
			vs[0] = s.b
			h[s.a] = vs[:1]
		} else {
			h[s.a] = []string{s.b}
		}
	}
	for _, a := range c.add {
		h[a.a] = append(h[a.a], a.b)
	}
}

// isJSONMediaType reports whether a Content-Type value names JSON:
// application/json or a structured +json type (RFC 6839), parameters and
// case ignored.
func isJSONMediaType(v string) bool {
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	v = strings.TrimSpace(v)
	if strings.EqualFold(v, "application/json") {
		return true
	}
	slash := strings.IndexByte(v, '/')
	return slash > 0 && len(v)-slash > len("+json") && strings.EqualFold(v[len(v)-len("+json"):], "+json")
}
