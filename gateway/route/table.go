package route

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// hostKind orders host conditions by precedence.
type hostKind uint8

const (
	hostExact hostKind = iota
	hostSuffix
	hostPrefix
	hostAny
)

// maxHost bounds host names (DNS allows 253); longer request hosts match
// only routes without a host.
const maxHost = 255

func canonicalHeaderKey(s string) string { return http.CanonicalHeaderKey(s) }

// compiled is a validated route with everything matching needs.
type compiled struct {
	idx   int
	route *Route

	hostKind hostKind
	host     string // lower case, without the wildcard

	kind        pathKind
	shape       string // path identity for duplicate detection
	prefix      string // prefix without its trailing slash
	prefixSlash bool   // the prefix ends in '/': at least one more segment
	tmpl        template
	re          *regexp.Regexp

	methods []string
	headers []cond
	query   []cond
	spec    int // number of conditions, for tie-breaking

	rewriting bool
	rewrite   string
	pieces    []piece

	cum       []uint64 // cumulative backend weights
	total     uint64
	mirrorPPM uint64 // mirror share in parts per million
	status    int    // redirect status
}

// signature identifies what a route matches; two routes with the same
// signature shadow each other.
func (c *compiled) signature() string {
	conds := func(cs []cond) string {
		s := make([]string, len(cs))
		for i := range cs {
			s[i] = cs[i].String()
		}
		slices.Sort(s)
		return strings.Join(s, "&")
	}
	ms := slices.Clone(c.methods)
	slices.Sort(ms)
	return fmt.Sprintf("%d %q %d %q %q %q %q", c.hostKind, c.host, c.kind, c.shape,
		strings.Join(ms, ","), conds(c.headers), conds(c.query))
}

// group holds the routes of one host key.
type group struct {
	exact map[string][]*compiled
	root  *node
	regex []*compiled
}

// node is one segment of the path trie shared by prefix and template routes.
type node struct {
	static map[string]*node
	param  *node
	// tmpl ends here; rest ends here with a {name...}.
	tmpl, rest []*compiled
	// prefix is the prefix ending here; prefixSlash the same with a
	// trailing slash (it needs one more segment).
	prefix, prefixSlash []*compiled
	// hasTmpl prunes the template walk.
	hasTmpl bool
}

func (n *node) child(seg string) *node {
	if n.static == nil {
		n.static = map[string]*node{}
	}
	c := n.static[seg]
	if c == nil {
		c = &node{}
		n.static[seg] = c
	}
	return c
}

func (g *group) add(c *compiled) {
	switch c.kind {
	case kindExact:
		if g.exact == nil {
			g.exact = map[string][]*compiled{}
		}
		g.exact[c.route.Path] = append(g.exact[c.route.Path], c)
		return
	case kindRegex:
		g.regex = append(g.regex, c)
		return
	}
	if g.root == nil {
		g.root = &node{}
	}
	n := g.root
	if c.kind == kindPrefix {
		if c.prefix != "" {
			for _, s := range strings.Split(c.prefix[1:], "/") {
				n = n.child(s)
			}
		}
		if c.prefixSlash {
			n.prefixSlash = append(n.prefixSlash, c)
		} else {
			n.prefix = append(n.prefix, c)
		}
		return
	}
	n.hasTmpl = true
	for _, s := range c.tmpl.segs {
		switch s.kind {
		case segStatic:
			n = n.child(s.text)
		case segParam:
			if n.param == nil {
				n.param = &node{}
			}
			n = n.param
		case segRest:
			n.rest = append(n.rest, c)
			return
		}
		n.hasTmpl = true
	}
	n.tmpl = append(n.tmpl, c)
}

// bySpec orders routes of equal path: more conditions first, then
// declaration order.
func bySpec(a, b *compiled) int {
	if a.spec != b.spec {
		return b.spec - a.spec
	}
	return cmp.Compare(a.idx, b.idx)
}

func (n *node) sort() {
	for _, l := range [][]*compiled{n.tmpl, n.rest, n.prefix, n.prefixSlash} {
		slices.SortFunc(l, bySpec)
	}
	for _, c := range n.static {
		c.sort()
	}
	if n.param != nil {
		n.param.sort()
	}
}

// Table is a compiled, immutable route table, safe for concurrent use.
type Table struct {
	routes     []Route
	exact      map[string]*group
	suffix     map[string]*group
	suffixLens []int // distinct suffix lengths, longest first
	prefix     map[string]*group
	prefixLens []int
	any        *group
}

// Compile validates routes and builds their table. The error names the
// first bad route and field and wraps ErrInvalid (and ErrDuplicate for a
// route that repeats an earlier one).
func Compile(routes []Route) (*Table, error) {
	t := &Table{
		routes: make([]Route, len(routes)),
		exact:  map[string]*group{},
		suffix: map[string]*group{},
		prefix: map[string]*group{},
	}
	seen := map[string]int{}
	for i := range routes {
		t.routes[i] = routes[i].clone()
		r := &t.routes[i]
		c, err := r.compile(i)
		if err != nil {
			if fe, ok := errors.AsType[*FieldError](err); ok {
				fe.Index, fe.Name = i, r.Name
			}
			return nil, err
		}
		sig := c.signature()
		if j, dup := seen[sig]; dup {
			return nil, &FieldError{Index: i, Name: r.Name, Err: dupError{j}}
		}
		seen[sig] = i
		t.group(c).add(c)
	}
	for _, m := range []map[string]*group{t.exact, t.suffix, t.prefix} {
		for _, g := range m {
			g.sort()
		}
	}
	if t.any != nil {
		t.any.sort()
	}
	t.suffixLens = lengths(t.suffix)
	t.prefixLens = lengths(t.prefix)
	return t, nil
}

type dupError struct{ first int }

func (e dupError) Error() string {
	return fmt.Sprintf("same host, path and conditions as routes[%d], so it could never match", e.first)
}

func (e dupError) Is(target error) bool { return target == ErrDuplicate }

func lengths(m map[string]*group) []int {
	var ls []int
	for k := range m {
		if !slices.Contains(ls, len(k)) {
			ls = append(ls, len(k))
		}
	}
	slices.SortFunc(ls, func(a, b int) int { return b - a })
	return ls
}

func (t *Table) group(c *compiled) *group {
	var m map[string]*group
	switch c.hostKind {
	case hostExact:
		m = t.exact
	case hostSuffix:
		m = t.suffix
	case hostPrefix:
		m = t.prefix
	default:
		if t.any == nil {
			t.any = &group{}
		}
		return t.any
	}
	g := m[c.host]
	if g == nil {
		g = &group{}
		m[c.host] = g
	}
	return g
}

func (g *group) sort() {
	for _, l := range g.exact {
		slices.SortFunc(l, bySpec)
	}
	if g.root != nil {
		g.root.sort()
	}
	// Regex routes keep declaration order.
}

// Len reports the number of routes in the table.
func (t *Table) Len() int { return len(t.routes) }

// Routes returns a copy of the table's routes in declaration order.
func (t *Table) Routes() []Route {
	rs := make([]Route, len(t.routes))
	for i := range t.routes {
		rs[i] = t.routes[i].clone()
	}
	return rs
}

// clone copies r deeply, so the table owns its configuration.
func (r Route) clone() Route {
	r.Methods = slices.Clone(r.Methods)
	r.Headers = slices.Clone(r.Headers)
	r.Query = slices.Clone(r.Query)
	r.Backends = slices.Clone(r.Backends)
	if r.Mirror != nil {
		m := *r.Mirror
		r.Mirror = &m
	}
	if r.Redirect != nil {
		rd := *r.Redirect
		r.Redirect = &rd
	}
	if r.Retries != nil {
		rt := *r.Retries
		rt.RetryOn = slices.Clone(rt.RetryOn)
		r.Retries = &rt
	}
	return r
}
