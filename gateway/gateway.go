// Package gateway is Baton's API gateway: the edge in front of a topology.
//
// Every decision is made by explicit-time policy code: Decide takes a
// request and the time and says what the edge does with it — answer it
// locally (400, 404, 405, a redirect, 401, 403, 429) or forward it to a
// service along a route, with the upstream path, the consumer, the limits'
// headers and the route's overrides. It does no I/O, so the virtual engine
// acts on a Decision without sockets. Handler is the hardened http.Handler
// around Decide that the live engine and `baton serve gateway` put on a
// socket, and Reloader swaps a running gateway's configuration whole.
//
// # Order of decisions
//
// A request goes through these steps; the first that answers wins:
//
//  1. The path is normalised (route.Normalize). A path it rejects (an
//     encoded slash, NUL, a bad escape, ...) is answered 400. Routing,
//     authentication and the upstream all see the normalised path.
//  2. Routes are matched (gateway/route). When none matches, the gateway
//     answers 405 with an Allow header if the same request with another
//     method would have been routed (Allow lists those methods, sorted),
//     and 404 otherwise.
//  3. A redirect route answers its 3xx with Location. Redirect routes
//     carry no auth or limits (config.Validate refuses them): a redirect
//     reveals nothing but where to go.
//  4. The route's auth policy authenticates: 401 with WWW-Authenticate, or
//     403 when the consumer is known but not allowed.
//  5. The route's rate limits count the request, keyed by consumer, tier,
//     client address, route or header: 429 with Retry-After. The
//     RateLimit-* and X-RateLimit-* headers go on every answer of a route
//     with limits, allowed or not.
//  6. A backend is chosen by weight and the request may be mirrored.
//
// # Randomness
//
// Weighted splits and mirroring draw from a seeded, counter-based sequence
// per route (no global random source): the k-th request on a route gets
// u = offset + k·φ·2^64 (mod 2^64), a Weyl sequence whose offset is
// derived from Options.Seed and the route's name. The sequence is
// low-discrepancy, so a 95/5 split sends 5 % of any run of requests to the
// canary to within a request or two, and the same seed gives the same
// choices in the same order.
//
// # Rate-limit state
//
// Each named limit in config.Gateway.RateLimits is one set of counters,
// shared by the routes that name it and by the gateway replicas (which pass
// their index). A reload keeps the counters of every limit whose
// configuration (and the gateway's client_ip, limits block and replica
// count) is unchanged, so reloading an unrelated route does not hand every
// client a fresh allowance; a changed limit starts empty.
package gateway

import (
	"crypto/tls"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/baton-sim/baton/gateway/auth"
	"github.com/baton-sim/baton/gateway/config"
	"github.com/baton-sim/baton/gateway/ratelimit"
	"github.com/baton-sim/baton/gateway/route"
	"github.com/baton-sim/baton/gateway/transform"
	"github.com/baton-sim/baton/mesh/resilience"
)

// RouteHeader names the response header in which the gateway says which
// route matched; load drivers use it to attribute a request to a route.
const RouteHeader = "X-Baton-Route"

// Options configures a Gateway. The zero value is valid.
type Options struct {
	// Seed seeds weighted splits, mirroring, request ids and trace ids.
	Seed uint64
}

// Gateway is a compiled configuration. It is immutable apart from the
// policy state inside it (rate-limit counters, split counters) and safe for
// concurrent use; a reload builds a new one.
type Gateway struct {
	cfg    config.Gateway // with defaults applied
	opts   Options
	table  *route.Table
	routes []*compiledRoute // by route index
	auth   *auth.Authenticator
	limits map[string]*namedLimit
	// methods are the methods any route names, sorted: the candidates a
	// 405's Allow header is built from.
	methods []string
	// tls is the listener configuration, nil without a tls block.
	tls *tls.Config
}

// namedLimit is one entry of config.Gateway.RateLimits, compiled.
type namedLimit struct {
	cfg    ratelimit.PolicyConfig // what it was built from, for reloads
	policy *ratelimit.Policy
	// concurrency limits hold a slot until Release.
	concurrency bool
}

// compiledRoute is one route with its policies resolved.
type compiledRoute struct {
	cfg        *config.Route
	name       string
	authPolicy string
	limits     []*namedLimit
	transform  *transform.Transformer
	// bufferRequest and bufferResponse are set when the transformation
	// rewrites that side's JSON body, which must then be read whole.
	bufferRequest  bool
	bufferResponse bool
	aggregate      *transform.Aggregator
	retry          *resilience.RetryPolicy
	// seq counts the route's requests for splits and mirroring;
	// splitAt and mirrorAt offset the two Weyl sequences.
	seq               atomic.Uint64
	splitAt, mirrorAt uint64
}

// New compiles cfg: the route table, the authenticator (reading JWT key
// files once), the TLS listener configuration (reading its PEM files once), one rate-limit policy per named limit, transformations,
// aggregations and retry policies. The error is cfg.Validate's, or names
// what failed to build.
func New(cfg config.Gateway, opts Options) (*Gateway, error) {
	return build(cfg, opts, nil)
}

// build compiles cfg, reusing prev's rate-limit state where the limit is
// unchanged.
func build(cfg config.Gateway, opts Options, prev *Gateway) (*Gateway, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.Defaults()
	g := &Gateway{cfg: cfg, opts: opts, limits: map[string]*namedLimit{}}
	var err error
	if g.auth, err = auth.New(cfg.Auth); err != nil {
		return nil, fmt.Errorf("gateway: auth: %w", err)
	}
	if cfg.TLS != nil {
		if g.tls, err = buildTLS(cfg.TLS); err != nil {
			return nil, err
		}
	}
	cluster := ratelimit.ClusterOptions{
		Mode:      cfg.Limits.Mode,
		Replicas:  cfg.Replicas,
		SyncDelay: cfg.Limits.SyncDelay,
		FailOpen:  cfg.Limits.Mode == ratelimit.ModeShared && cfg.Limits.FailsOpen(),
	}
	for i, l := range cfg.RateLimits {
		pc := ratelimit.PolicyConfig{Limits: []ratelimit.LimitConfig{l}, ClientIP: cfg.ClientIP, Cluster: cluster}
		if prev != nil {
			if old, ok := prev.limits[l.Name]; ok && reflect.DeepEqual(old.cfg, pc) {
				g.limits[l.Name] = old
				continue
			}
		}
		p, err := ratelimit.NewPolicy(pc)
		if err != nil {
			return nil, fmt.Errorf("gateway: rate_limits[%d]: %w", i, err)
		}
		g.limits[l.Name] = &namedLimit{cfg: pc, policy: p, concurrency: l.Algorithm == ratelimit.AlgConcurrency}
	}
	tables := make([]route.Route, len(cfg.Routes))
	methods := map[string]bool{}
	for i := range cfg.Routes {
		r := &cfg.Routes[i]
		tables[i] = r.Table()
		for _, m := range r.Methods {
			methods[m] = true
		}
		c := &compiledRoute{cfg: r, name: r.Name, authPolicy: r.Auth}
		seed := routeSeed(opts.Seed, r.Name)
		c.splitAt, c.mirrorAt = seed, mix64(seed^silver)
		for _, name := range r.RateLimits {
			c.limits = append(c.limits, g.limits[name])
		}
		if r.Transform != nil {
			if c.transform, err = transform.Compile(*r.Transform); err != nil {
				return nil, fmt.Errorf("gateway: routes[%d].transform: %w", i, err)
			}
			c.bufferRequest = len(r.Transform.Request.JSON) > 0
			c.bufferResponse = len(r.Transform.Response.JSON) > 0
		}
		if r.Aggregate != nil {
			if c.aggregate, err = transform.NewAggregator(*r.Aggregate); err != nil {
				return nil, fmt.Errorf("gateway: routes[%d].aggregate: %w", i, err)
			}
		}
		if r.Retries != nil {
			if c.retry, err = retryPolicy(r.Retries); err != nil {
				return nil, fmt.Errorf("gateway: routes[%d].retries: %w", i, err)
			}
		}
		g.routes = append(g.routes, c)
	}
	if g.table, err = route.Compile(tables); err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	for m := range methods {
		g.methods = append(g.methods, m)
	}
	slices.Sort(g.methods)
	return g, nil
}

// retryPolicy turns a route's retries into the mesh's retry policy.
func retryPolicy(r *route.Retries) (*resilience.RetryPolicy, error) {
	on := resilience.Condition(0)
	var codes []int
	conds := r.RetryOn
	if len(conds) == 0 {
		conds = []string{"connect-failure", "reset", "5xx"}
	}
	for _, c := range conds {
		switch c {
		case "5xx":
			on |= resilience.On5xx
		case "gateway-error":
			on |= resilience.OnGatewayError
		case "connect-failure":
			on |= resilience.OnConnectFailure
		case "reset", "refused-stream":
			// A refused stream never reached the application: for an
			// HTTP/1.1 mesh it is a reset.
			on |= resilience.OnReset
		case "retriable-4xx":
			on |= resilience.OnRetriable4xx
		default:
			n, err := strconv.Atoi(c)
			if err != nil {
				return nil, fmt.Errorf("unknown retry condition %q", c)
			}
			on |= resilience.OnRetriableStatusCodes
			codes = append(codes, n)
		}
	}
	return resilience.NewRetryPolicy(resilience.RetryOptions{MaxRetries: r.Attempts, On: on, StatusCodes: codes})
}

// Config returns the configuration g was built from, with defaults
// applied. Treat it as read-only.
func (g *Gateway) Config() *config.Gateway { return &g.cfg }

// Current returns g itself: a fixed Gateway is a Source that never
// changes.
func (g *Gateway) Current() *Gateway { return g }

// SetStoreReachable marks the shared rate-limit store up or down for every
// limit (a fault the engines inject). It has no effect in local mode.
func (g *Gateway) SetStoreReachable(ok bool) {
	for _, l := range g.limits {
		l.policy.SetStoreReachable(ok)
	}
}

// Request is what the gateway decides on.
type Request struct {
	Method string
	// Scheme is "http" or "https"; redirects read it.
	Scheme string
	// Host is the Host header (or :authority), port allowed.
	Host string
	// Path is the escaped request path as received (http.Request's
	// RequestURI without the query), not yet normalised.
	Path string
	// RawQuery is the query without '?'.
	RawQuery string
	// Header has canonical keys, as net/http builds it. Decide only reads
	// it.
	Header http.Header
	// Peer is the socket peer ("ip:port"); the ip rate-limit key uses it.
	Peer string
	// TLS is the client connection's state when the gateway terminated
	// TLS; mTLS credentials come from it.
	TLS *tls.ConnectionState
	// Replica is the gateway replica deciding, 0..replicas-1. An index out
	// of range is taken modulo the replica count (a handler that outlived
	// a reload to fewer replicas).
	Replica int
}

// Reasons label local answers in telemetry (a fixed set).
const (
	ReasonBadPath      = "bad_path"
	ReasonNoRoute      = "no_route"
	ReasonMethod       = "method_not_allowed"
	ReasonRedirect     = "redirect"
	ReasonUnauthorized = "unauthorized"
	ReasonForbidden    = "forbidden"
	ReasonRateLimited  = "rate_limited"
	ReasonInternal     = "internal"
)

// Decision is what the gateway does with one request: answer it locally
// (Status != 0) or forward it to Service (or fan it out, Aggregate) at
// Path.
type Decision struct {
	// Status is non-zero when the gateway answers by itself; Reason
	// says why (one of the Reason constants).
	Status int
	Reason string
	// AuthReason is the auth package's reason for a 401 or 403.
	AuthReason auth.Reason

	// Route is the matched route's name, "" when none matched.
	Route string
	// Service is the backend chosen by weight; "" for a local answer or
	// an aggregation.
	Service string
	// Mirror, when set, is the service a copy of the request goes to.
	Mirror string
	// Path is the upstream path (normalised, rewritten), escaped; RawQuery
	// the upstream query (without credentials the policy hides).
	Path     string
	RawQuery string

	// Location is a redirect's target; Allow a 405's allowed methods;
	// Challenge a 401's WWW-Authenticate.
	Location  string
	Allow     string
	Challenge string

	// Timeout bounds the whole upstream exchange, retries included; 0
	// leaves it to the mesh policy. Retries, when set, override how the
	// gateway retries (RetryPolicy is its compiled form).
	Timeout     time.Duration
	Retries     *route.Retries
	RetryPolicy *resilience.RetryPolicy
	// PerTryTimeout bounds each attempt when Retries is set.
	PerTryTimeout time.Duration

	// Auth is who called: Auth.Consumer is "" on routes without auth.
	Auth auth.Result
	// Limit is the rate-limit decision; its headers are written on every
	// answer of a route with limits (WriteHeaders).
	Limit ratelimit.Decision

	// Transform rewrites the request and response; nil for none.
	// BufferRequest and BufferResponse say the JSON body is rewritten and
	// must be read whole.
	Transform      *transform.Transformer
	BufferRequest  bool
	BufferResponse bool
	// Aggregate, when set, fans the request out to Calls and merges the
	// answers.
	Aggregate *transform.Aggregator
	Calls     []Call

	route    *compiledRoute
	replica  int
	rl       ratelimit.Request
	acquired uint64 // limits holding a concurrency slot, by route position
}

// Call is one backend call of an aggregation. Aggregation calls are not
// retried by the gateway (a route's retries apply to single-backend
// routes); the mesh client's own policy still applies to each.
type Call struct {
	Service string
	Path    string // escaped, with the query if any
	// Timeout bounds this call; 0 means the Decision's.
	Timeout time.Duration
}

// Local reports whether the gateway answers the request itself.
func (d *Decision) Local() bool { return d.Status != 0 }

// Release ends the request for the route's concurrency limits. Call it
// once the upstream exchange is over (the engine's "request ended"); it
// does nothing for a request that holds no slot, and a second call does
// nothing either.
func (d *Decision) Release(now time.Time) {
	if d.acquired == 0 {
		return
	}
	for i, l := range d.route.limits {
		if d.acquired&(1<<i) != 0 {
			l.policy.Release(d.replica, &d.rl, now)
		}
	}
	d.acquired = 0
}

// WriteHeaders sets the response headers the decision owes the client:
// X-Baton-Route on a routed request, the rate-limit headers, and Allow,
// WWW-Authenticate or Location for the answers that carry them.
func (d *Decision) WriteHeaders(h http.Header) {
	if d.Route != "" {
		h[RouteHeader] = []string{d.Route}
	}
	d.Limit.WriteHeaders(h)
	if d.Allow != "" {
		h["Allow"] = []string{d.Allow}
	}
	if d.Challenge != "" {
		h["Www-Authenticate"] = []string{d.Challenge}
	}
	if d.Location != "" {
		h["Location"] = []string{d.Location}
	}
}

// SetUpstreamHeaders prepares h, the header sent upstream, for who called:
// client copies of the identity headers are removed, the credential is
// hidden if the policy says so, and the consumer's headers are set.
func (d *Decision) SetUpstreamHeaders(h http.Header) {
	auth.StripForgeable(h)
	if d.Auth.Kind == "" {
		return
	}
	d.Auth.HideCredentials(h, nil)
	d.Auth.SetHeaders(h)
}

// Decide decides one request at now. It does no I/O; its only effects are
// on policy state (rate-limit counters, split sequences). A Decision that
// holds concurrency slots must be released (Release).
func (g *Gateway) Decide(req *Request, now time.Time) Decision {
	path, err := route.Normalize(req.Path)
	if err != nil {
		return Decision{Status: http.StatusBadRequest, Reason: ReasonBadPath}
	}
	rreq := route.Request{
		Method: req.Method, Scheme: req.Scheme, Host: req.Host,
		Path: path, RawQuery: req.RawQuery, Header: req.Header,
	}
	m, ok := g.table.Match(rreq)
	if !ok {
		if allow := g.allowed(rreq); allow != "" {
			return Decision{Status: http.StatusMethodNotAllowed, Reason: ReasonMethod, Allow: allow}
		}
		return Decision{Status: http.StatusNotFound, Reason: ReasonNoRoute}
	}
	rt := g.routes[m.Index]
	d := Decision{Route: rt.name, route: rt, Path: m.Path, RawQuery: req.RawQuery}
	if m.Route.Redirect != nil {
		d.Status, d.Reason, d.Location = m.Status, ReasonRedirect, m.Location
		return d
	}

	if rt.authPolicy != "" {
		q, _ := url.ParseQuery(req.RawQuery) // a bad pair is dropped, as net/http does
		res, err := g.auth.Authenticate(auth.Request{Header: req.Header, Query: q, TLS: req.TLS, RemoteAddr: req.Peer}, rt.authPolicy, now)
		if err != nil {
			if ae, ok := errors.AsType[*auth.Error](err); ok {
				d.Status, d.AuthReason, d.Challenge = ae.Status, ae.Reason, ae.Challenge
				d.Reason = ReasonUnauthorized
				if ae.Status == http.StatusForbidden {
					d.Reason = ReasonForbidden
				}
				return d
			}
			// Unknown policy: config.Validate makes it unreachable.
			d.Status, d.Reason = http.StatusInternalServerError, ReasonInternal
			return d
		}
		d.Auth = res
		if res.HideCredentials(nil, q) {
			d.RawQuery = q.Encode()
		}
	}

	if len(rt.limits) > 0 {
		d.replica = g.replica(req.Replica)
		// A local copy: the limiters' key functions make their argument
		// escape, and it should not take the whole Decision with it.
		rl := &ratelimit.Request{Peer: req.Peer, Header: req.Header, Consumer: d.Auth.Consumer, Tier: d.Auth.Tier, Route: rt.name}
		d.Limit, d.acquired = rt.decideLimits(d.replica, rl, now)
		d.rl = *rl
		if !d.Limit.Allowed {
			d.Status, d.Reason = http.StatusTooManyRequests, ReasonRateLimited
			return d
		}
	}

	cfg := rt.cfg
	if rt.aggregate != nil {
		d.Aggregate = rt.aggregate
		d.Calls = make([]Call, len(cfg.Aggregate.Backends))
		for i, b := range cfg.Aggregate.Backends {
			p := b.Path
			if p == "" {
				p = d.Path
			}
			if d.RawQuery != "" {
				p += "?" + d.RawQuery
			}
			d.Calls[i] = Call{Service: b.Service, Path: p, Timeout: b.Timeout}
		}
	} else {
		var k uint64
		multi := len(m.Route.Backends) > 1
		if multi || m.Route.Mirror != nil {
			k = rt.seq.Add(1) - 1
		}
		if multi {
			d.Service = m.Backend(rt.splitAt + k*golden).Service
		} else {
			d.Service = m.Route.Backends[0].Service
		}
		if m.Route.Mirror != nil {
			d.Mirror, _ = m.Mirror(rt.mirrorAt + k*silver)
		}
	}
	d.Timeout = cfg.Timeout
	if cfg.Retries != nil {
		d.Retries, d.RetryPolicy, d.PerTryTimeout = cfg.Retries, rt.retry, cfg.Retries.PerTryTimeout
	}
	d.Transform, d.BufferRequest, d.BufferResponse = rt.transform, rt.bufferRequest, rt.bufferResponse
	return d
}

// decideLimits applies every limit of the route and returns the most
// restrictive decision (ratelimit.Combine) with the RateLimit-Policy of all
// of them, and the limits that hold a concurrency slot. As in
// ratelimit.Policy, every limit counts the request even when another
// denies it, and a denied request gives its concurrency slots back at once.
func (rt *compiledRoute) decideLimits(replica int, rl *ratelimit.Request, now time.Time) (ratelimit.Decision, uint64) {
	var d ratelimit.Decision
	var acquired uint64
	var policies []string
	for i, l := range rt.limits {
		x := l.policy.Decide(replica, rl, now)
		if l.concurrency && x.Allowed {
			acquired |= 1 << i
		}
		if x.Policy != "" && len(rt.limits) > 1 {
			policies = append(policies, x.Policy)
		}
		d = ratelimit.Combine(d, x)
	}
	if len(rt.limits) > 1 {
		// Concurrency limits have no policy syntax; the others are listed.
		d.Policy = strings.Join(policies, ", ")
	}
	if !d.Allowed && acquired != 0 {
		for i, l := range rt.limits {
			if acquired&(1<<i) != 0 {
				l.policy.Release(replica, rl, now)
			}
		}
		acquired = 0
	}
	return d, acquired
}

func (g *Gateway) replica(i int) int {
	n := g.cfg.Replicas
	if i >= 0 && i < n {
		return i
	}
	i %= n
	if i < 0 {
		i += n
	}
	return i
}

// allowed lists the methods (sorted, comma-separated) with which req would
// have matched a route, or "" if none. It runs only on a miss, and tries
// only the methods some route names: a route without methods accepts every
// method, so it would already have matched.
func (g *Gateway) allowed(req route.Request) string {
	var allow []string
	for _, m := range g.methods {
		if m == req.Method {
			continue
		}
		req.Method = m
		if _, ok := g.table.Match(req); ok {
			allow = append(allow, m)
		}
	}
	return strings.Join(allow, ", ")
}

// RouteName reports the name of the route a request would take, or "" if
// none (or if its path is rejected). It consumes nothing: no limit counts
// and no split advances.
func (g *Gateway) RouteName(method, host, path string) string {
	p, q, _ := strings.Cut(path, "?")
	p, err := route.Normalize(p)
	if err != nil {
		return ""
	}
	m, ok := g.table.Match(route.Request{Method: method, Host: host, Path: p, RawQuery: q})
	if !ok {
		return ""
	}
	return m.Route.Name
}

// Weyl increments: φ and √2, as fixed-point fractions of 2^64. Two
// rationally independent irrationals keep the split and the mirror
// sequences from moving in step.
const (
	golden = 0x9E3779B97F4A7C15
	silver = 0x6A09E667F3BCC909
)

// mix64 is SplitMix64's finaliser: a bijection that scatters its input.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// routeSeed derives a route's offset from the gateway seed and its name, so
// adding a route does not shift another route's sequence.
func routeSeed(seed uint64, name string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	return mix64(seed ^ mix64(h.Sum64()))
}
