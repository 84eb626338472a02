package route

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ErrInvalid is wrapped by every configuration error from Validate and
// Compile (match it with errors.Is).
var ErrInvalid = errors.New("route: invalid route")

// ErrDuplicate is wrapped by the Compile error for a route that repeats an
// earlier route's host, path shape and conditions, and so could never match.
var ErrDuplicate = errors.New("duplicates an earlier route with the same host, path and conditions")

// Route is one entry of the gateway's route table. Exactly one of Path,
// Prefix, Template and Regex is set. Field names follow Envoy's route
// configuration where it has one.
type Route struct {
	// Name identifies the route in metrics and in the X-Baton-Route header.
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	// Host is an exact host ("api.example.com"), a suffix wildcard
	// ("*.example.com"), a prefix wildcard ("api.*"), or "" / "*" for any.
	Host string `json:"host,omitempty" yaml:"host,omitempty"`

	Path     string `json:"path,omitempty" yaml:"path,omitempty"`
	Prefix   string `json:"prefix,omitempty" yaml:"prefix,omitempty"`
	Template string `json:"template,omitempty" yaml:"template,omitempty"`
	Regex    string `json:"regex,omitempty" yaml:"regex,omitempty"`

	// Methods, if not empty, lists the methods the route accepts.
	Methods []string      `json:"methods,omitempty" yaml:"methods,omitempty"`
	Headers []HeaderMatch `json:"headers,omitempty" yaml:"headers,omitempty"`
	Query   []QueryMatch  `json:"query,omitempty" yaml:"query,omitempty"`

	// Backends receive the traffic, split by weight. Required unless
	// Redirect is set.
	Backends []Backend `json:"backends,omitempty" yaml:"backends,omitempty"`
	Mirror   *Mirror   `json:"mirror,omitempty" yaml:"mirror,omitempty"`

	// StripPrefix removes the matched prefix from the upstream path
	// (prefix routes only): prefix "/api", path "/api/users" -> "/users".
	StripPrefix bool `json:"strip_prefix,omitempty" yaml:"strip_prefix,omitempty"`
	// Rewrite changes the upstream path. Its meaning follows the path kind:
	//   path:     the new path.
	//   prefix:   replaces the matched prefix ("/v2": /api/x -> /v2/x).
	//   template: a template over the captured wildcards ("/v2/{id}/{rest...}").
	//   regex:    a substitution for the route's regex ("/v2/$1", "${name}").
	Rewrite string `json:"rewrite,omitempty" yaml:"rewrite,omitempty"`

	// Redirect answers the request with a redirect instead of forwarding it.
	Redirect *Redirect `json:"redirect,omitempty" yaml:"redirect,omitempty"`

	// Timeout bounds the whole request, retries included; 0 means the
	// gateway default.
	Timeout time.Duration `json:"timeout,omitempty" yaml:"timeout,omitempty"`
	Retries *Retries      `json:"retries,omitempty" yaml:"retries,omitempty"`
}

// HeaderMatch is a condition on one request header. Exactly one of Exact,
// Regex, Present and Absent is set.
type HeaderMatch struct {
	Name    string `json:"name" yaml:"name"`
	Exact   string `json:"exact,omitempty" yaml:"exact,omitempty"`
	Regex   string `json:"regex,omitempty" yaml:"regex,omitempty"`
	Present bool   `json:"present,omitempty" yaml:"present,omitempty"`
	Absent  bool   `json:"absent,omitempty" yaml:"absent,omitempty"`
}

// QueryMatch is a condition on one query parameter. Exactly one of Exact,
// Regex, Present and Absent is set.
type QueryMatch struct {
	Name    string `json:"name" yaml:"name"`
	Exact   string `json:"exact,omitempty" yaml:"exact,omitempty"`
	Regex   string `json:"regex,omitempty" yaml:"regex,omitempty"`
	Present bool   `json:"present,omitempty" yaml:"present,omitempty"`
	Absent  bool   `json:"absent,omitempty" yaml:"absent,omitempty"`
}

// Backend is one destination service and its share of the traffic. A
// weight of 0 takes no traffic (a canary switched off), except that when
// every weight is 0 the backends share equally.
type Backend struct {
	Service string `json:"service" yaml:"service"`
	Weight  uint32 `json:"weight,omitempty" yaml:"weight,omitempty"`
}

// Mirror sends a copy of Percent percent of the requests (0 < Percent <=
// 100, resolution 0.0001) to Service; its answers are discarded.
type Mirror struct {
	Service string  `json:"service" yaml:"service"`
	Percent float64 `json:"percent" yaml:"percent"`
}

// Redirect answers with Status and a Location that is either Location as
// written, or built from the request with Scheme, Host and Path replaced
// where set. Without Path the location keeps the (rewritten) request path;
// the query is kept unless StripQuery. Without Scheme and Host the location
// is relative ("/new?q=1"). When Scheme changes and Host is not set, the
// request's port is dropped.
type Redirect struct {
	Status     int    `json:"status,omitempty" yaml:"status,omitempty"`
	Location   string `json:"location,omitempty" yaml:"location,omitempty"`
	Scheme     string `json:"scheme,omitempty" yaml:"scheme,omitempty"`
	Host       string `json:"host,omitempty" yaml:"host,omitempty"`
	Path       string `json:"path,omitempty" yaml:"path,omitempty"`
	StripQuery bool   `json:"strip_query,omitempty" yaml:"strip_query,omitempty"`
}

// Retries is the route's retry policy, interpreted by the mesh's
// resilience package.
type Retries struct {
	// Attempts is the number of retries after the first try (Envoy's
	// num_retries), at least 1.
	Attempts int `json:"attempts" yaml:"attempts"`
	// PerTryTimeout bounds each try; 0 means only Route.Timeout applies.
	PerTryTimeout time.Duration `json:"per_try_timeout,omitempty" yaml:"per_try_timeout,omitempty"`
	// RetryOn lists the conditions that trigger a retry: the names
	// RetryConditions returns, or a status code from 400 to 599 ("503"). Empty means
	// "connect-failure", "reset" and "5xx".
	RetryOn []string `json:"retry_on,omitempty" yaml:"retry_on,omitempty"`
}

// RetryConditions returns the named retry_on conditions (Envoy's
// x-envoy-retry-on names).
func RetryConditions() []string {
	return []string{"5xx", "gateway-error", "connect-failure", "reset", "retriable-4xx", "refused-stream"}
}

// MaxParams is the most wildcards a template may have.
const MaxParams = 8

// FieldError is a configuration error located by field. Index is the
// route's position in the slice given to Compile, or -1 from Validate.
type FieldError struct {
	Index int
	Name  string
	Field string
	Err   error
}

func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString("route: ")
	if e.Index >= 0 {
		fmt.Fprintf(&b, "routes[%d]", e.Index)
		if e.Name != "" {
			fmt.Fprintf(&b, " (%s)", e.Name)
		}
		if e.Field != "" {
			b.WriteString(".")
		} else {
			b.WriteString(": ")
		}
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *FieldError) Unwrap() error { return e.Err }

// Is makes every FieldError match ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

func fieldErr(field string, format string, args ...any) error {
	return &FieldError{Index: -1, Field: field, Err: fmt.Errorf(format, args...)}
}

// Validate checks the route on its own (Compile also checks it against the
// other routes) and names the first bad field.
func (r *Route) Validate() error {
	_, err := r.compile(0)
	return err
}

// pathKind orders path conditions by precedence.
type pathKind uint8

const (
	kindExact pathKind = iota
	kindTemplate
	kindPrefix
	kindRegex
)

// validateHost checks a route host and returns its kind and the part
// without the wildcard, lower-cased.
func validateHost(h string) (hostKind, string, error) {
	if h == "" || h == "*" {
		return hostAny, "", nil
	}
	h = strings.ToLower(h)
	if strings.HasPrefix(h, "[") {
		if !strings.HasSuffix(h, "]") || len(h) < 3 {
			return 0, "", errors.New("an IPv6 host is written [addr] without a port")
		}
		for _, c := range h[1 : len(h)-1] {
			if !(c == ':' || c == '.' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'f')) {
				return 0, "", fmt.Errorf("%q is not an IPv6 address", h)
			}
		}
		return hostExact, h, nil
	}
	if strings.Count(h, "*") > 1 {
		return 0, "", fmt.Errorf("%q has more than one wildcard", h)
	}
	kind, body := hostExact, h
	switch {
	case strings.HasPrefix(h, "*"):
		kind, body = hostSuffix, h[1:]
	case strings.HasSuffix(h, "*"):
		kind, body = hostPrefix, h[:len(h)-1]
	case strings.Contains(h, "*"):
		return 0, "", fmt.Errorf("%q: a wildcard must be the first or the last character", h)
	}
	if len(body) > maxHost {
		return 0, "", fmt.Errorf("%q is longer than %d bytes", h, maxHost)
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == ':':
			return 0, "", fmt.Errorf("%q: must not include a port", h)
		case c == '-' || c == '.' || c == '_' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z'):
		default:
			return 0, "", fmt.Errorf("%q: invalid character %q", h, c)
		}
	}
	if kind == hostExact && (strings.HasSuffix(body, ".") || strings.HasPrefix(body, ".")) {
		return 0, "", fmt.Errorf("%q: must not start or end with a dot", h)
	}
	return kind, body, nil
}

// isToken reports whether s is an RFC 9110 token (method and header names).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// anchored compiles a regex that must match the whole input.
func anchored(expr string) (*regexp.Regexp, error) {
	return regexp.Compile(`^(?:` + expr + `)$`)
}

// matchKind is how a header or query matcher compares.
type matchKind uint8

const (
	matchExact matchKind = iota
	matchRegex
	matchPresent
	matchAbsent
)

// cond is a compiled header or query matcher.
type cond struct {
	name  string // canonical header key, or the query name as written
	kind  matchKind
	exact string
	re    *regexp.Regexp
}

func compileCond(field, name, exact, regex string, present, absent bool) (cond, error) {
	c := cond{name: name}
	n := 0
	if exact != "" {
		n++
		c.kind, c.exact = matchExact, exact
	}
	if regex != "" {
		n++
		re, err := anchored(regex)
		if err != nil {
			return c, fieldErr(field+".regex", "%w", err)
		}
		c.kind, c.re = matchRegex, re
	}
	if present {
		n++
		c.kind = matchPresent
	}
	if absent {
		n++
		c.kind = matchAbsent
	}
	if n != 1 {
		return c, fieldErr(field, "exactly one of exact, regex, present and absent must be set (match an empty value with regex \"^$\")")
	}
	return c, nil
}

func (c *cond) String() string {
	switch c.kind {
	case matchExact:
		return c.name + "=" + strconv.Quote(c.exact)
	case matchRegex:
		return c.name + "~" + strconv.Quote(c.re.String())
	case matchPresent:
		return c.name + "?"
	default:
		return "!" + c.name
	}
}

// validatePath checks a path-like field: absolute and already normalised.
func validatePath(field, p string) error {
	n, err := Normalize(p)
	if err != nil {
		return fieldErr(field, "%q: %w", p, err)
	}
	if n != p {
		return fieldErr(field, "%q is not normalised (write %q)", p, n)
	}
	return nil
}

// compile validates r and builds its matching state. idx is its declaration
// index.
func (r *Route) compile(idx int) (*compiled, error) {
	c := &compiled{idx: idx, route: r}
	var err error
	if c.hostKind, c.host, err = validateHost(r.Host); err != nil {
		return nil, fieldErr("host", "%w", err)
	}

	kinds := 0
	for _, s := range []string{r.Path, r.Prefix, r.Template, r.Regex} {
		if s != "" {
			kinds++
		}
	}
	if kinds != 1 {
		return nil, fieldErr("path", "exactly one of path, prefix, template and regex must be set")
	}
	switch {
	case r.Path != "":
		c.kind = kindExact
		if err := validatePath("path", r.Path); err != nil {
			return nil, err
		}
		c.shape = r.Path
	case r.Prefix != "":
		c.kind = kindPrefix
		if err := validatePath("prefix", r.Prefix); err != nil {
			return nil, err
		}
		c.prefix = strings.TrimSuffix(r.Prefix, "/")
		c.prefixSlash = strings.HasSuffix(r.Prefix, "/")
		c.shape = r.Prefix
	case r.Template != "":
		c.kind = kindTemplate
		t, err := parseTemplate(r.Template)
		if err != nil {
			return nil, fieldErr("template", "%w", err)
		}
		c.tmpl = t
		c.shape = t.shape()
	default:
		c.kind = kindRegex
		if c.re, err = anchored(r.Regex); err != nil {
			return nil, fieldErr("regex", "%w", err)
		}
		c.shape = r.Regex
	}

	seen := map[string]bool{}
	for i, m := range r.Methods {
		f := fmt.Sprintf("methods[%d]", i)
		if !isToken(m) {
			return nil, fieldErr(f, "%q is not a method", m)
		}
		if strings.ToUpper(m) != m {
			return nil, fieldErr(f, "%q: methods are case-sensitive, write %q", m, strings.ToUpper(m))
		}
		if seen[m] {
			return nil, fieldErr(f, "%q is listed twice", m)
		}
		seen[m] = true
	}
	c.methods = r.Methods

	for i, h := range r.Headers {
		f := fmt.Sprintf("headers[%d]", i)
		if !isToken(h.Name) {
			return nil, fieldErr(f+".name", "%q is not a header name", h.Name)
		}
		if strings.EqualFold(h.Name, "host") {
			return nil, fieldErr(f+".name", "match the host with the route's host field")
		}
		hc, err := compileCond(f, canonicalHeaderKey(h.Name), h.Exact, h.Regex, h.Present, h.Absent)
		if err != nil {
			return nil, err
		}
		c.headers = append(c.headers, hc)
	}
	for i, q := range r.Query {
		f := fmt.Sprintf("query[%d]", i)
		if q.Name == "" {
			return nil, fieldErr(f+".name", "must be set")
		}
		qc, err := compileCond(f, q.Name, q.Exact, q.Regex, q.Present, q.Absent)
		if err != nil {
			return nil, err
		}
		c.query = append(c.query, qc)
	}
	c.spec = len(r.Headers) + len(r.Query)
	if len(r.Methods) > 0 {
		c.spec++
	}

	if err := c.compileRewrite(); err != nil {
		return nil, err
	}

	if r.Redirect != nil {
		if err := c.compileRedirect(); err != nil {
			return nil, err
		}
		return c, nil
	}
	if len(r.Backends) == 0 {
		return nil, fieldErr("backends", "at least one backend is required (or a redirect)")
	}
	services := map[string]bool{}
	var total uint64
	for i, b := range r.Backends {
		if b.Service == "" {
			return nil, fieldErr(fmt.Sprintf("backends[%d].service", i), "must be set")
		}
		if services[b.Service] {
			return nil, fieldErr(fmt.Sprintf("backends[%d].service", i), "%q is listed twice", b.Service)
		}
		services[b.Service] = true
		total += uint64(b.Weight)
	}
	equal := total == 0
	total = 0
	for _, b := range r.Backends {
		w := uint64(b.Weight)
		if equal {
			w = 1
		}
		total += w
		c.cum = append(c.cum, total)
	}
	c.total = total

	if m := r.Mirror; m != nil {
		if m.Service == "" {
			return nil, fieldErr("mirror.service", "must be set")
		}
		if !(m.Percent > 0 && m.Percent <= 100) {
			return nil, fieldErr("mirror.percent", "%v is not in (0, 100]", m.Percent)
		}
		c.mirrorPPM = uint64(math.Round(m.Percent * 10000))
		if c.mirrorPPM == 0 {
			return nil, fieldErr("mirror.percent", "%v is below the resolution of 0.0001", m.Percent)
		}
	}
	if r.Timeout < 0 {
		return nil, fieldErr("timeout", "%v is negative", r.Timeout)
	}
	if rt := r.Retries; rt != nil {
		if rt.Attempts < 1 {
			return nil, fieldErr("retries.attempts", "%d: must be at least 1 (leave retries out for none)", rt.Attempts)
		}
		if rt.PerTryTimeout < 0 {
			return nil, fieldErr("retries.per_try_timeout", "%v is negative", rt.PerTryTimeout)
		}
		if r.Timeout > 0 && rt.PerTryTimeout > r.Timeout {
			return nil, fieldErr("retries.per_try_timeout", "%v exceeds the route timeout %v", rt.PerTryTimeout, r.Timeout)
		}
		for i, on := range rt.RetryOn {
			if !validRetryOn(on) {
				return nil, fieldErr(fmt.Sprintf("retries.retry_on[%d]", i), "%q is not one of %s or a status code 400-599",
					on, strings.Join(RetryConditions(), ", "))
			}
		}
	}
	return c, nil
}

func validRetryOn(on string) bool {
	for _, k := range RetryConditions() {
		if on == k {
			return true
		}
	}
	code, err := strconv.Atoi(on)
	return err == nil && len(on) == 3 && code >= 400 && code <= 599
}

func (c *compiled) compileRewrite() error {
	r := c.route
	if r.StripPrefix {
		if c.kind != kindPrefix {
			return fieldErr("strip_prefix", "only prefix routes can strip their prefix (use rewrite)")
		}
		if r.Rewrite != "" {
			return fieldErr("strip_prefix", "set strip_prefix or rewrite, not both")
		}
		c.rewrite, c.rewriting = "/", true
		return nil
	}
	if r.Rewrite == "" {
		return nil
	}
	c.rewrite, c.rewriting = r.Rewrite, true
	switch c.kind {
	case kindExact, kindPrefix:
		return validatePath("rewrite", r.Rewrite)
	case kindTemplate:
		pieces, err := parseRewrite(r.Rewrite, c.tmpl)
		if err != nil {
			return fieldErr("rewrite", "%w", err)
		}
		c.pieces = pieces
	case kindRegex:
		if !strings.HasPrefix(r.Rewrite, "/") {
			return fieldErr("rewrite", "%q must start with /", r.Rewrite)
		}
	}
	return nil
}

func (c *compiled) compileRedirect() error {
	r := c.route
	rd := r.Redirect
	switch {
	case len(r.Backends) > 0:
		return fieldErr("redirect", "a redirect route has no backends")
	case r.Mirror != nil:
		return fieldErr("redirect", "a redirect route has no mirror")
	case r.Retries != nil || r.Timeout != 0:
		return fieldErr("redirect", "a redirect route has no timeout or retries")
	}
	c.status = 301
	if rd.Status != 0 {
		switch rd.Status {
		case 301, 302, 303, 307, 308:
		default:
			return fieldErr("redirect.status", "%d is not one of 301, 302, 303, 307, 308", rd.Status)
		}
		c.status = rd.Status
	}
	if rd.Location != "" {
		if rd.Scheme != "" || rd.Host != "" || rd.Path != "" || rd.StripQuery {
			return fieldErr("redirect.location", "set location or scheme/host/path/strip_query, not both")
		}
		if c.rewriting {
			return fieldErr("redirect.location", "a fixed location ignores rewrite and strip_prefix")
		}
		if !strings.HasPrefix(rd.Location, "/") && !strings.HasPrefix(rd.Location, "http://") && !strings.HasPrefix(rd.Location, "https://") {
			return fieldErr("redirect.location", "%q is neither a path nor an http(s) URL", rd.Location)
		}
		for i := 0; i < len(rd.Location); i++ {
			if rd.Location[i] <= ' ' || rd.Location[i] == 0x7f {
				return fieldErr("redirect.location", "%q contains a space or control character", rd.Location)
			}
		}
		return nil
	}
	if rd.Scheme != "" && rd.Scheme != "http" && rd.Scheme != "https" {
		return fieldErr("redirect.scheme", "%q is not http or https", rd.Scheme)
	}
	if rd.Host != "" {
		h, port, hasPort := strings.Cut(rd.Host, ":")
		if strings.HasPrefix(rd.Host, "[") {
			i := strings.Index(rd.Host, "]")
			if i < 0 {
				return fieldErr("redirect.host", "%q: unclosed [", rd.Host)
			}
			h, port = rd.Host[:i+1], strings.TrimPrefix(rd.Host[i+1:], ":")
			hasPort = len(rd.Host) > i+1
		}
		if k, _, err := validateHost(h); err != nil || k != hostExact {
			return fieldErr("redirect.host", "%q is not a host name", rd.Host)
		}
		if hasPort {
			if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
				return fieldErr("redirect.host", "%q: invalid port", rd.Host)
			}
		}
	}
	if rd.Path != "" {
		if c.rewriting {
			return fieldErr("redirect.path", "set redirect.path or rewrite/strip_prefix, not both")
		}
		if err := validatePath("redirect.path", rd.Path); err != nil {
			return err
		}
	}
	return nil
}
