package load

import (
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/baton-sim/baton/scenarios"
)

// Request is one request drawn from a Mix. Next overwrites every field and
// reuses the slices' storage, so a driver that keeps one Request per
// worker allocates at most one string per request (none when the class's
// templates have no parameters).
//
// A copy of a used Request shares its buffers' backing arrays with the
// original until Next grows them, so give each goroutine its own.
type Request struct {
	// Class is the client class's name.
	Class string
	// Method is the HTTP method.
	Method string
	// Path is the path and query to send.
	Path string
	// Header lists the headers in a fixed order: credentials, class
	// headers, the routing key, request headers (each group by name).
	Header []Header
	// Body is the body; empty for none.
	Body []byte
	// Key is the routing key, 1..N, or 0 when the class draws none.
	Key uint64

	text  []byte  // dynamic strings before they become one string
	vals  []value // values bound to names
	spans []span  // where dynamic header values lie in text
	src   rand.PCG
	rng   *rand.Rand
	rngOf *rand.PCG // the source rng reads, to notice a copied Request
}

// Header is one request header.
type Header struct{ Name, Value string }

type span struct{ header, from, to int }

// Mix draws requests from client classes by share. It is immutable and
// safe for concurrent use (each goroutine with its own Request and
// *rand.Rand).
type Mix struct {
	classes []class
	cum     []float64
}

type class struct {
	name    string
	headers []headerTemplate // credentials and class headers, class scope
	slots   int              // names bound in class scope
	key     *keyDist
	reqs    []*requestTemplate
	cum     []float64
}

type requestTemplate struct {
	method  string
	path    *Template
	headers []headerTemplate
	body    *Template
	slots   int // names bound in class and request scope together
}

type headerTemplate struct {
	name   string
	prefix string // "Bearer ", "Basic "
	basic  bool   // base64-encode the expansion
	value  *Template
	lit    string // the whole value when static
	static bool
}

type keyDist struct {
	header string
	n      uint64
	zipf   *Zipf
}

func (k *keyDist) sample(r *rand.Rand) uint64 {
	if k.zipf != nil {
		return k.zipf.Sample(r)
	}
	return 1 + r.Uint64N(k.n)
}

// Default header names.
const (
	DefaultAPIKeyHeader = "apikey"
	DefaultKeyHeader    = "X-Baton-Key"
)

// NewMix builds a mix from client classes. A class without requests sends
// GET to each of paths (taken literally) with equal weight. With no
// classes, the mix is one class named "default" doing just that.
//
// Empty strings take the defaults documented on scenarios.ClientClass
// (method GET, header names, uniform keys, Zipf exponent 1.1), so classes
// need not have passed through the loader. Shares and weights are taken as
// written, 0 meaning never, except that a group whose weights are all 0
// is drawn from uniformly (a class list written in Go without weights).
func NewMix(classes []scenarios.ClientClass, paths []string) (*Mix, error) {
	if len(classes) == 0 {
		classes = []scenarios.ClientClass{{Name: "default", Share: 1}}
	}
	m := &Mix{}
	seen := map[string]bool{}
	var total float64
	for i, cc := range classes {
		where := fmt.Sprintf("clients[%d]", i)
		if cc.Name != "" {
			where += " (" + cc.Name + ")"
		}
		switch {
		case cc.Name == "":
			return nil, locate(where, fmt.Errorf("%w: no name", ErrMix))
		case seen[cc.Name]:
			return nil, locate(where, fmt.Errorf("%w: name used twice", ErrMix))
		case math.IsNaN(cc.Share) || math.IsInf(cc.Share, 0) || cc.Share < 0:
			return nil, locate(where, fmt.Errorf("%w: share is %v, want a finite weight >= 0", ErrMix, cc.Share))
		}
		seen[cc.Name] = true
		c, err := newClass(cc, paths)
		if err != nil {
			return nil, locate(where, err)
		}
		m.classes = append(m.classes, c)
		total += cc.Share
		m.cum = append(m.cum, total)
	}
	if !(total > 0) {
		m.cum = equal(len(m.classes))
	}
	return m, nil
}

func newClass(cc scenarios.ClientClass, paths []string) (class, error) {
	c := class{name: cc.Name}
	if cc.Key != nil {
		k, err := newKeyDist(*cc.Key)
		if err != nil {
			return c, err
		}
		c.key = k
	}
	sc := newScope(c.key != nil)
	if cc.Bearer != "" && cc.Basic != "" {
		return c, fmt.Errorf("%w: bearer and basic both set, but a request has one Authorization header", ErrMix)
	}
	if cc.APIKey != "" {
		name := cc.APIKeyHeader
		if name == "" {
			name = DefaultAPIKeyHeader
		}
		h, err := newHeader(name, "", cc.APIKey, sc)
		if err != nil {
			return c, locate("api_key", err)
		}
		c.headers = append(c.headers, h)
	}
	if cc.Bearer != "" {
		h, err := newHeader("Authorization", "Bearer ", cc.Bearer, sc)
		if err != nil {
			return c, locate("bearer", err)
		}
		c.headers = append(c.headers, h)
	}
	if cc.Basic != "" {
		h, err := newHeader("Authorization", "Basic ", cc.Basic, sc)
		if err != nil {
			return c, locate("basic", err)
		}
		if !h.value.literals(func(s string) bool { return strings.Contains(s, ":") }) {
			return c, locate("basic", fmt.Errorf("%w: want user:password", ErrMix))
		}
		h.basic = true
		if h.static {
			h.lit = h.prefix + base64.StdEncoding.EncodeToString([]byte(h.lit[len(h.prefix):]))
		}
		c.headers = append(c.headers, h)
	}
	hs, err := newHeaders(cc.Headers, sc)
	if err != nil {
		return c, err
	}
	c.headers = append(c.headers, hs...)
	c.slots = sc.slots

	reqs := cc.Requests
	if len(reqs) == 0 {
		if len(paths) == 0 {
			return c, fmt.Errorf("%w: no requests and no paths to default to", ErrMix)
		}
		for _, p := range paths {
			// Paths are literal: double any brace so it stays one.
			p = strings.NewReplacer("{", "{{", "}", "}}").Replace(p)
			reqs = append(reqs, scenarios.RequestTemplate{Path: p, Weight: 1})
		}
	}
	var total float64
	for i, rt := range reqs {
		q, err := newRequest(rt, sc.child())
		if err != nil {
			return c, locate(fmt.Sprintf("requests[%d]", i), err)
		}
		w := rt.Weight
		if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
			return c, locate(fmt.Sprintf("requests[%d]", i), fmt.Errorf("%w: weight is %v, want a finite weight >= 0", ErrMix, w))
		}
		total += w
		c.reqs = append(c.reqs, q)
		c.cum = append(c.cum, total)
	}
	if !(total > 0) {
		c.cum = equal(len(c.reqs))
	}
	return c, nil
}

func newKeyDist(k scenarios.KeyDist) (*keyDist, error) {
	if k.N < 1 || k.N > 1<<53 {
		return nil, locate("key", fmt.Errorf("%w: n is %d, want 1 to 2^53", ErrMix, k.N))
	}
	d := &keyDist{header: k.Header, n: uint64(k.N)}
	if d.header == "" {
		d.header = DefaultKeyHeader
	}
	if !validHeaderName(d.header) {
		return nil, locate("key", fmt.Errorf("%w: header %q is not a valid header name", ErrMix, d.header))
	}
	d.header = http.CanonicalHeaderKey(d.header)
	switch k.Dist {
	case scenarios.KeyUniform, "":
	case scenarios.KeyZipf:
		s := k.S
		if s == 0 {
			s = 1.1
		}
		z, err := NewZipf(s, d.n)
		if err != nil {
			return nil, locate("key", err)
		}
		d.zipf = z
	default:
		return nil, locate("key", fmt.Errorf("%w: unknown dist %q (want uniform or zipf)", ErrMix, k.Dist))
	}
	return d, nil
}

func newRequest(rt scenarios.RequestTemplate, sc *scope) (*requestTemplate, error) {
	q := &requestTemplate{method: rt.Method}
	if q.method == "" {
		q.method = http.MethodGet
	}
	if !validMethod(q.method) {
		return nil, fmt.Errorf("%w: method %q is not an upper-case token", ErrMix, q.method)
	}
	if !strings.HasPrefix(rt.Path, "/") {
		return nil, fmt.Errorf("%w: path %q does not start with /", ErrMix, rt.Path)
	}
	p, err := compile(rt.Path, sc)
	if err != nil {
		return nil, locate("path", err)
	}
	if p.literals(func(s string) bool { return strings.IndexFunc(s, badPathRune) >= 0 }) {
		return nil, fmt.Errorf("%w: path %q holds a space or control character (escape it: %%20)", ErrMix, rt.Path)
	}
	q.path = p
	if q.headers, err = newHeaders(rt.Headers, sc); err != nil {
		return nil, err
	}
	if rt.Body != "" {
		if q.body, err = compile(rt.Body, sc); err != nil {
			return nil, locate("body", err)
		}
	}
	q.slots = sc.slots
	return q, nil
}

// newHeaders compiles a header map in name order, so expansion (and the
// random draws it makes) never depends on map iteration.
func newHeaders(m map[string]string, sc *scope) ([]headerTemplate, error) {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	// By canonical name, as they go on the wire; the written name breaks
	// ties so that the order never depends on map iteration.
	slices.SortFunc(names, func(a, b string) int {
		if c := strings.Compare(http.CanonicalHeaderKey(a), http.CanonicalHeaderKey(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	var out []headerTemplate
	for i, n := range names {
		if i > 0 && http.CanonicalHeaderKey(n) == http.CanonicalHeaderKey(names[i-1]) {
			return nil, locate("headers."+n, fmt.Errorf("%w: header written twice (as %q and %q)", ErrMix, names[i-1], n))
		}
		h, err := newHeader(n, "", m[n], sc)
		if err != nil {
			return nil, locate("headers."+n, err)
		}
		out = append(out, h)
	}
	return out, nil
}

func newHeader(name, prefix, src string, sc *scope) (headerTemplate, error) {
	h := headerTemplate{name: http.CanonicalHeaderKey(name), prefix: prefix}
	if !validHeaderName(name) {
		return h, fmt.Errorf("%w: %q is not a valid header name", ErrMix, name)
	}
	t, err := compile(src, sc)
	if err != nil {
		return h, err
	}
	if t.literals(func(s string) bool { return strings.ContainsAny(s, "\r\n\x00") }) {
		return h, fmt.Errorf("%w: header value %q holds a line break or NUL", ErrMix, src)
	}
	h.value = t
	if lit, ok := t.Static(); ok {
		h.static, h.lit = true, prefix+lit
	}
	return h, nil
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

func validMethod(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) || s[i] >= 'a' && s[i] <= 'z' {
			return false
		}
	}
	return true
}

// isTokenChar reports an RFC 9110 tchar.
func isTokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func badPathRune(r rune) bool { return r <= ' ' || r == 0x7f }

// Classes lists the class names in order.
func (m *Mix) Classes() []string {
	out := make([]string, len(m.classes))
	for i, c := range m.classes {
		out[i] = c.name
	}
	return out
}

// equal is the cumulative of n equal weights.
func equal(n int) []float64 {
	cum := make([]float64, n)
	for i := range cum {
		cum[i] = float64(i + 1)
	}
	return cum
}

// pick is the index i with cum[i-1] <= u*total < cum[i]; zero weights are
// never picked.
func pick(cum []float64, u float64) int {
	x := u * cum[len(cum)-1]
	for i, c := range cum {
		if x < c {
			return i
		}
	}
	// u*total rounded up to total: the last entry with any weight.
	for i := len(cum) - 1; i > 0; i-- {
		if cum[i] > cum[i-1] {
			return i
		}
	}
	return 0
}

// Next fills dst with the next request, drawing from r exactly once: the
// draw seeds dst's own generator, which makes every further choice
// (class, request, key, parameters). A change to the mix therefore never
// shifts the random choices r makes for anything else.
func (m *Mix) Next(r *rand.Rand, dst *Request) {
	seed := r.Uint64()
	dst.src.Seed(seed, seed^0x9e3779b97f4a7c15)
	if dst.rngOf != &dst.src {
		dst.rng, dst.rngOf = rand.New(&dst.src), &dst.src
	}
	rr := dst.rng

	c := &m.classes[pick(m.cum, rr.Float64())]
	q := c.reqs[pick(c.cum, rr.Float64())]
	dst.Class, dst.Method = c.name, q.method
	dst.Key = 0
	if c.key != nil {
		dst.Key = c.key.sample(rr)
	}
	if cap(dst.vals) < q.slots {
		dst.vals = make([]value, q.slots)
	}
	vals := dst.vals[:q.slots]
	text := dst.text[:0]
	dst.Header = dst.Header[:0]
	dst.spans = dst.spans[:0]

	// Class scope first (credentials may bind names the path repeats),
	// then the path, request headers and body.
	for i := range c.headers {
		text = dst.header(&c.headers[i], text, rr, vals, dst.Key)
	}
	if c.key != nil {
		from := len(text)
		text = strconv.AppendUint(text, dst.Key, 10)
		dst.Header = append(dst.Header, Header{Name: c.key.header})
		dst.spans = append(dst.spans, span{len(dst.Header) - 1, from, len(text)})
	}
	pathLit, pathStatic := q.path.Static()
	pathFrom := len(text)
	if !pathStatic {
		text = q.path.expand(text, rr, vals, dst.Key)
	}
	pathTo := len(text)
	for i := range q.headers {
		text = dst.header(&q.headers[i], text, rr, vals, dst.Key)
	}
	dst.Body = dst.Body[:0]
	if q.body != nil {
		dst.Body = q.body.expand(dst.Body, rr, vals, dst.Key)
	}

	// One string for every dynamic piece; static pieces are never copied.
	s := string(text)
	dst.text = text
	if pathStatic {
		dst.Path = pathLit
	} else {
		dst.Path = s[pathFrom:pathTo]
	}
	for _, sp := range dst.spans {
		dst.Header[sp.header].Value = s[sp.from:sp.to]
	}
}

// header appends h to dst.Header, expanding its value into text when it
// has parameters.
func (dst *Request) header(h *headerTemplate, text []byte, r *rand.Rand, vals []value, key uint64) []byte {
	if h.static {
		dst.Header = append(dst.Header, Header{Name: h.name, Value: h.lit})
		return text
	}
	from := len(text)
	text = append(text, h.prefix...)
	if h.basic {
		raw := len(text)
		text = h.value.expand(text, r, vals, key)
		enc := len(text)
		text = base64.StdEncoding.AppendEncode(text, text[raw:enc])
		// Move the encoding over the raw credentials.
		n := copy(text[raw:], text[enc:])
		text = text[:raw+n]
	} else {
		text = h.value.expand(text, r, vals, key)
	}
	dst.Header = append(dst.Header, Header{Name: h.name})
	dst.spans = append(dst.spans, span{len(dst.Header) - 1, from, len(text)})
	return text
}
