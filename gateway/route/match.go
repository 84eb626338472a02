package route

import (
	"math/bits"
	"net/http"
	"net/url"
	"strings"
)

// Request is the view of a request that matching needs.
type Request struct {
	Method string
	// Scheme is "http" or "https"; only redirects read it ("" means http).
	Scheme string
	// Host is the Host header or :authority, port allowed.
	Host string
	// Path is the path after Normalize.
	Path string
	// RawQuery is the query without '?'.
	RawQuery string
	// Header must have canonical keys, as net/http builds it.
	Header http.Header
}

// Match is the result of a successful match.
type Match struct {
	// Route is the table's copy of the matched route; treat it as read-only.
	Route *Route
	// Index is the route's position in the slice given to Compile.
	Index int
	// Path is the upstream path: the request path, rewritten if the route
	// rewrites. It carries no query.
	Path string
	// Status and Location are set for a redirect route (Route.Redirect).
	Status   int
	Location string

	c      *compiled
	params [MaxParams]string
}

// Param is one captured template wildcard.
type Param struct {
	Name, Value string
}

// Param returns the value captured by the template wildcard name, or "".
func (m Match) Param(name string) string {
	if m.c == nil {
		return ""
	}
	for i, n := range m.c.tmpl.names {
		if n == name {
			return m.params[i]
		}
	}
	return ""
}

// Params returns the captured template wildcards in template order.
func (m Match) Params() []Param {
	if m.c == nil || len(m.c.tmpl.names) == 0 {
		return nil
	}
	ps := make([]Param, len(m.c.tmpl.names))
	for i, n := range m.c.tmpl.names {
		ps[i] = Param{n, m.params[i]}
	}
	return ps
}

// Backend chooses the backend for a uniform random u in [0, 2^64): backend
// i takes the u in a share of the range proportional to its weight, in
// declaration order. It returns the zero Backend for a redirect route.
func (m Match) Backend(u uint64) Backend {
	if m.c == nil || m.c.total == 0 {
		return Backend{}
	}
	// hi is u scaled to [0, total) without bias beyond 2^-64 per unit.
	hi, _ := bits.Mul64(u, m.c.total)
	for i, cum := range m.c.cum {
		if hi < cum {
			return m.Route.Backends[i]
		}
	}
	return m.Route.Backends[len(m.Route.Backends)-1]
}

// Mirror reports whether to mirror this request, and where, for a uniform
// random u in [0, 2^64) drawn independently of the one given to Backend.
func (m Match) Mirror(u uint64) (service string, ok bool) {
	if m.c == nil || m.c.mirrorPPM == 0 {
		return "", false
	}
	hi, _ := bits.Mul64(u, 1_000_000)
	if hi < m.c.mirrorPPM {
		return m.Route.Mirror.Service, true
	}
	return "", false
}

// Match returns the first route in precedence order (see the package
// documentation) whose conditions all hold for req.
func (t *Table) Match(req Request) (Match, bool) {
	var m Match
	if t.match(&req, &m) {
		return m, true
	}
	return Match{}, false
}

func (t *Table) match(req *Request, m *Match) bool {
	var buf [maxHost]byte
	if h := canonHost(req.Host, &buf); len(h) > 0 {
		if g := t.exact[string(h)]; g != nil && g.match(req, m) {
			return true
		}
		for _, l := range t.suffixLens {
			if l < len(h) {
				if g := t.suffix[string(h[len(h)-l:])]; g != nil && g.match(req, m) {
					return true
				}
			}
		}
		for _, l := range t.prefixLens {
			if l < len(h) {
				if g := t.prefix[string(h[:l])]; g != nil && g.match(req, m) {
					return true
				}
			}
		}
	}
	return t.any != nil && t.any.match(req, m)
}

// canonHost lower-cases the request host into buf without its port and
// trailing dot; nil if it is empty or too long.
func canonHost(h string, buf *[maxHost]byte) []byte {
	if strings.HasPrefix(h, "[") {
		if i := strings.IndexByte(h, ']'); i >= 0 {
			h = h[:i+1]
		}
	} else if i := strings.IndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	h = strings.TrimSuffix(h, ".")
	if len(h) == 0 || len(h) > maxHost {
		return nil
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return buf[:len(h)]
}

func (g *group) match(req *Request, m *Match) bool {
	path := req.Path
	if l := g.exact[path]; l != nil {
		if c := pick(l, req); c != nil && m.finish(c, req) {
			return true
		}
	}
	if g.root != nil {
		if g.root.hasTmpl {
			if c := g.root.matchTemplate(req, 1, &m.params, 0); c != nil && m.finish(c, req) {
				return true
			}
		}
		if c := g.root.matchPrefix(req, 1); c != nil && m.finish(c, req) {
			return true
		}
	}
	for _, c := range g.regex {
		if c.conds(req) && c.re.MatchString(path) && m.finish(c, req) {
			return true
		}
	}
	return false
}

// segment returns the path segment starting at pos and where it ends.
func segment(path string, pos int) (string, int) {
	end := pos
	for end < len(path) && path[end] != '/' {
		end++
	}
	return path[pos:end], end
}

// matchTemplate walks the trie depth first, literal before {name} before
// {name...}, so the first route found is the most specific. pos is where
// the next segment starts; pos > len(path) means the path is consumed.
// caps[depth:] receive the wildcards below n.
func (n *node) matchTemplate(req *Request, pos int, caps *[MaxParams]string, depth int) *compiled {
	path := req.Path
	if pos > len(path) {
		return pick(n.tmpl, req)
	}
	seg, end := segment(path, pos)
	if c := n.static[seg]; c != nil && c.hasTmpl {
		if r := c.matchTemplate(req, end+1, caps, depth); r != nil {
			return r
		}
	}
	if n.param != nil && seg != "" && depth < MaxParams {
		caps[depth] = seg
		if r := n.param.matchTemplate(req, end+1, caps, depth+1); r != nil {
			return r
		}
	}
	if len(n.rest) > 0 && depth < MaxParams {
		if r := pick(n.rest, req); r != nil {
			caps[depth] = path[pos:]
			return r
		}
	}
	return nil
}

// matchPrefix walks literal segments as deep as the path goes and tries
// the prefixes on the way back up, so the longest prefix wins.
func (n *node) matchPrefix(req *Request, pos int) *compiled {
	path := req.Path
	if pos <= len(path) {
		seg, end := segment(path, pos)
		if c := n.static[seg]; c != nil {
			if r := c.matchPrefix(req, end+1); r != nil {
				return r
			}
		}
		if r := pick(n.prefixSlash, req); r != nil {
			return r
		}
	}
	return pick(n.prefix, req)
}

func pick(l []*compiled, req *Request) *compiled {
	for _, c := range l {
		if c.conds(req) {
			return c
		}
	}
	return nil
}

// conds checks the method, header and query conditions.
func (c *compiled) conds(req *Request) bool {
	if len(c.methods) > 0 {
		ok := false
		for _, m := range c.methods {
			if m == req.Method {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for i := range c.headers {
		h := &c.headers[i]
		vals := req.Header[h.name]
		v := ""
		if len(vals) > 0 {
			v = vals[0]
		}
		if !h.holds(v, len(vals) > 0) {
			return false
		}
	}
	for i := range c.query {
		q := &c.query[i]
		v, ok := queryValue(req.RawQuery, q.name)
		if !q.holds(v, ok) {
			return false
		}
	}
	return true
}

func (c *cond) holds(v string, present bool) bool {
	switch c.kind {
	case matchExact:
		return present && v == c.exact
	case matchRegex:
		return present && c.re.MatchString(v)
	case matchPresent:
		return present
	default:
		return !present
	}
}

// queryValue returns the first value of name in raw with the semantics of
// url.ParseQuery: pairs containing ';' or failing to decode are skipped.
// It allocates only to decode escapes.
func queryValue(raw, name string) (string, bool) {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, err := url.QueryUnescape(k)
		if err != nil || k != name {
			continue
		}
		if v, err = url.QueryUnescape(v); err != nil {
			continue
		}
		return v, true
	}
	return "", false
}

// finish fills m for route c; false if a regex rewrite yields no valid path.
func (m *Match) finish(c *compiled, req *Request) bool {
	path := req.Path
	up := path
	if c.rewriting {
		switch c.kind {
		case kindExact:
			up = c.rewrite
		case kindPrefix:
			if rest := path[len(c.prefix):]; rest == "" {
				up = c.rewrite
			} else {
				up = strings.TrimSuffix(c.rewrite, "/") + rest
			}
		case kindTemplate:
			var err error
			if up, err = expand(c.pieces, &m.params); err != nil {
				return false
			}
		case kindRegex:
			idx := c.re.FindStringSubmatchIndex(path)
			var err error
			if up, err = Normalize(string(c.re.ExpandString(nil, c.rewrite, path, idx))); err != nil {
				return false
			}
		}
	}
	m.c, m.Route, m.Index, m.Path = c, c.route, c.idx, up
	if c.route.Redirect != nil {
		m.Status = c.status
		m.Location = c.location(req, up)
	}
	return true
}

// location builds the redirect target for req whose rewritten path is p.
func (c *compiled) location(req *Request, p string) string {
	rd := c.route.Redirect
	if rd.Location != "" {
		return rd.Location
	}
	if rd.Path != "" {
		p = rd.Path
	}
	q := ""
	if !rd.StripQuery && req.RawQuery != "" {
		q = "?" + req.RawQuery
	}
	if rd.Scheme == "" && rd.Host == "" {
		return p + q
	}
	from := req.Scheme
	if from == "" {
		from = "http"
	}
	scheme := rd.Scheme
	if scheme == "" {
		scheme = from
	}
	host := rd.Host
	if host == "" {
		host = req.Host
		if scheme != from {
			// The port belonged to the old scheme.
			if strings.HasPrefix(host, "[") {
				if i := strings.IndexByte(host, ']'); i >= 0 {
					host = host[:i+1]
				}
			} else if i := strings.IndexByte(host, ':'); i >= 0 {
				host = host[:i]
			}
		}
	}
	return scheme + "://" + host + p + q
}
