// Package mesh is Baton's service-to-service data plane: the client a
// service uses to reach another — endpoint choice, timeouts, retries with
// budgets and backoff, circuit breaking, outlier ejection, hedging — and the
// sidecar proxies that carry the same client out of process.
//
// Each caller (a replica, a sidecar, the gateway) owns its own Client, as
// each Envoy sidecar or gRPC channel owns its own balancer and detector
// state: a least-request balancer in one caller sees only that caller's
// in-flight requests.
package mesh

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/baton-sim/baton/internal/waitctx"
	"github.com/baton-sim/baton/mesh/balance"
	"github.com/baton-sim/baton/mesh/registry"
	"github.com/baton-sim/baton/mesh/resilience"
	"github.com/baton-sim/baton/reports"
	"github.com/baton-sim/baton/scenarios"
)

// Errors a call can end with when no upstream answered. The gateway and
// the replicas map them to statuses: 503 for local refusals, 504 for
// timeouts, 502 for everything else.
var (
	ErrUnknownService = errors.New("mesh: unknown service")
	ErrOverflow       = errors.New("mesh: circuit breaker limit reached")
	ErrBreakerOpen    = errors.New("mesh: circuit breaker open")
	ErrTimeout        = errors.New("mesh: timeout")
)

// ReplicaHeader names the response header in which a replica says who it is.
const ReplicaHeader = "X-Baton-Replica"

// Destination is one service a client can call.
type Destination struct {
	Endpoints []*balance.Endpoint
	Policy    scenarios.MeshPolicy
	// TLS, if set, makes calls over mutual TLS with this configuration
	// (the identity package builds it to verify the service's identity).
	TLS *tls.Config
}

// ClientOptions configures a Client. The zero value of each field means its
// documented default.
type ClientOptions struct {
	// Caller names who calls (a replica or "gateway"), for telemetry.
	Caller       string
	Destinations map[string]Destination
	// Seed seeds the balancers and backoff jitter; each destination gets
	// its own stream derived from it.
	Seed uint64
	// MaxIdlePerHost bounds pooled keep-alive connections per endpoint;
	// default 256 (Go's default of 2 would make every burst open new
	// connections and measure the kernel's handshake, not the mesh).
	MaxIdlePerHost int
	// Now is the clock handed to the policies; default time.Now. The live
	// engine is the only place that reads the wall clock.
	Now func() time.Time
	// Events receives what the policies did; nil drops it.
	Events func(reports.Event)
	// Registry, if set, is where endpoints come from: each destination
	// watches it for the set a caller in Zone may use (healthy, not
	// draining, local zone first), and Destination.Endpoints is ignored.
	Registry *registry.Registry
	Zone     string
	// Faults, if set, injects faults into attempts; CallerService is the
	// caller's service name as faults target it ("gateway" for the edge).
	Faults        Faults
	CallerService string
}

// Client sends requests to services. It is safe for concurrent use.
type Client struct {
	caller  string
	service string
	faults  Faults
	dests   map[string]*destination
	now     func() time.Time
	events  func(reports.Event)
	unwatch []func()
}

// destination is one service as one caller sees it.
type destination struct {
	name string
	*policy
	transport *http.Transport
	http      *http.Client
	scheme    string

	mu       sync.Mutex
	all      []*balance.Endpoint          // every known endpoint
	local    map[string]*balance.Endpoint // this caller's copies, by ID (discovery only)
	ejected  map[string]bool              // by endpoint ID, from the outlier detector
	nextTick time.Time
	rng      *rand.Rand // backoff jitter, under mu
}

// NewClient builds a client and installs every destination's endpoints in
// its balancer.
func NewClient(opts ClientOptions) (*Client, error) {
	if opts.MaxIdlePerHost == 0 {
		opts.MaxIdlePerHost = 256
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Client{
		caller:  opts.Caller,
		service: opts.CallerService,
		faults:  opts.Faults,
		dests:   make(map[string]*destination, len(opts.Destinations)),
		now:     opts.Now,
		events:  opts.Events,
	}
	now := opts.Now()
	for name, dst := range opts.Destinations {
		seed := scenarios.DeriveSeed(opts.Seed, name)
		d := &destination{
			name:    name,
			all:     slices.Clone(dst.Endpoints),
			ejected: make(map[string]bool),
			rng:     rand.New(rand.NewPCG(seed, ^seed)),
			scheme:  "http",
		}
		p, err := buildPolicy(dst.Policy, seed, func(t resilience.Transition) {
			c.emit(t.At, breakerEvent(t.To), name, "", "")
		})
		if err != nil {
			return nil, fmt.Errorf("mesh: %s -> %s: %w", opts.Caller, name, err)
		}
		d.policy = p
		if d.outlier != nil {
			ids := make([]string, len(d.all))
			for i, ep := range d.all {
				ids[i] = ep.ID
			}
			d.outlier.SetHosts(ids)
			d.nextTick = now.Add(d.outlier.Interval())
		}
		d.transport = &http.Transport{
			DialContext: (&net.Dialer{
				Timeout:   2 * time.Second,
				KeepAlive: 30 * time.Second,
			}).DialContext,
			MaxIdleConnsPerHost: opts.MaxIdlePerHost,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			TLSClientConfig:     dst.TLS,
		}
		if dst.TLS != nil {
			d.scheme = "https"
			d.transport.ForceAttemptHTTP2 = false
		}
		d.http = &http.Client{
			Transport: d.transport,
			// A mesh hop never follows redirects: the caller sees them.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
		c.dests[name] = d
		if opts.Registry == nil {
			d.balancer.Update(d.all, now)
			continue
		}
		// The first call comes synchronously, with the current set.
		c.unwatch = append(c.unwatch, opts.Registry.Watch(name, opts.Zone, now, func(at time.Time, set registry.Set) {
			c.setEndpoints(d, d.localize(set), at)
		}))
	}
	return c, nil
}

// localize maps a discovery set onto this caller's own endpoint objects,
// carrying each endpoint's effective weight (slow start ramps it). The
// caller keeps its own copies because weights are per caller and an
// endpoint's Weight must not change under a balancer that reads it in
// Pick: a changed weight gets a fresh object (its in-flight count starts
// again, and Done on the old one stays harmless).
func (d *destination) localize(set registry.Set) []*balance.Endpoint {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.local == nil {
		d.local = make(map[string]*balance.Endpoint, len(set.Endpoints))
	}
	out := make([]*balance.Endpoint, len(set.Endpoints))
	for i, ep := range set.Endpoints {
		w := ep.Weight
		if i < len(set.Weights) {
			w = set.Weights[i]
		}
		cur := d.local[ep.ID]
		if cur == nil || cur.Weight != w || cur.Addr != ep.Addr {
			cur = &balance.Endpoint{ID: ep.ID, Addr: ep.Addr, Zone: ep.Zone, Weight: w}
			d.local[ep.ID] = cur
		}
		out[i] = cur
	}
	return out
}

// setEndpoints installs a new set of endpoints from discovery.
func (c *Client) setEndpoints(d *destination, eps []*balance.Endpoint, now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.all = slices.Clone(eps)
	if d.outlier != nil {
		ids := make([]string, len(eps))
		for i, ep := range eps {
			ids[i] = ep.ID
		}
		d.outlier.SetHosts(ids)
	}
	d.installLocked(now)
}

// installLocked gives the balancer every known endpoint the outlier
// detector has not ejected. d.mu must be held.
func (d *destination) installLocked(now time.Time) {
	eligible := make([]*balance.Endpoint, 0, len(d.all))
	for _, ep := range d.all {
		if !d.ejected[ep.ID] {
			eligible = append(eligible, ep)
		}
	}
	d.balancer.Update(eligible, now)
}

func breakerEvent(s resilience.BreakerState) string {
	switch s {
	case resilience.Open:
		return reports.EventBreakerOpen
	case resilience.HalfOpen:
		return reports.EventBreakerHalfOpen
	default:
		return reports.EventBreakerClosed
	}
}

func (c *Client) emit(at time.Time, kind, service, replica, detail string) {
	if c.events == nil {
		return
	}
	c.events(reports.Event{At: at, Kind: kind, Caller: c.caller, Service: service, Replica: replica, Detail: detail})
}

// Response is the answer to one Call.
type Response struct {
	Status  int
	Replica string
}

// Call sends a GET for path to service and drains the answer. When no
// upstream answered, the error says why (ErrTimeout, ErrOverflow,
// ErrBreakerOpen or a transport error).
func (c *Client) Call(ctx context.Context, service, path string, header http.Header) (Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://mesh"+path, nil)
	if err != nil {
		return Response{}, fmt.Errorf("mesh: call %s: %w", service, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(service, req)
	if err != nil {
		return Response{}, err
	}
	return drained(resp), nil
}

// drained drains and closes resp (so its connection goes back to the pool)
// and keeps what a caller reads of it.
func drained(resp *http.Response) Response {
	drain(resp)
	return Response{Status: resp.StatusCode, Replica: resp.Header.Get(ReplicaHeader)}
}

// Do sends req to service under the destination's policy, retrying and
// hedging as configured. req's URL host is replaced per attempt; a request
// with a body is retried only if req.GetBody is set. The caller must close
// the response body.
func (c *Client) Do(service string, req *http.Request) (*http.Response, error) {
	d, ok := c.dests[service]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownService, service)
	}
	ctx := req.Context()
	start := c.now()
	c.emit(start, reports.EventCall, service, "", "")
	parent, _ := ctx.Deadline()
	deadline := d.timeouts.Deadline(start, parent)
	if d.budget != nil {
		d.budget.Request(start)
	}
	if d.hedge != nil && d.hedge.Enabled() {
		return c.hedged(ctx, d, req, deadline)
	}

	var prevBackoff time.Duration
	for attempt := 0; ; attempt++ {
		now := c.now()
		tryDeadline, ok := d.timeouts.TryDeadline(deadline, now)
		if !ok {
			return nil, fmt.Errorf("%w: %s after %d attempts", ErrTimeout, service, attempt)
		}
		resp, out, err := c.try(ctx, d, req, attempt, tryDeadline)
		if d.retry == nil || !out.Failed() || ctx.Err() != nil {
			return resp, err
		}
		if d.retry.Decide(req.Method, attempt, out) != resilience.Retry || (req.Body != nil && req.GetBody == nil) {
			return resp, err
		}
		now = c.now()
		if d.budget != nil && !d.budget.TryRetry(now) {
			c.emit(now, reports.EventBudgetExhausted, service, "", "")
			return resp, err
		}
		if d.limits != nil && !d.limits.Acquire(resilience.Retries) {
			c.emit(now, reports.EventOverflow, service, "", "retries")
			return resp, err
		}
		d.mu.Lock()
		backoff := d.retry.Backoff(attempt+1, prevBackoff, d.rng)
		d.mu.Unlock()
		prevBackoff = backoff
		if !deadline.IsZero() && now.Add(backoff).After(deadline) {
			c.releaseRetry(d)
			return resp, err
		}
		if resp != nil {
			drain(resp)
		}
		c.emit(now, reports.EventRetry, service, "", out.String())
		if !waitctx.Sleep(ctx, backoff) {
			c.releaseRetry(d)
			return nil, ctx.Err()
		}
		c.releaseRetry(d)
	}
}

func (c *Client) releaseRetry(d *destination) {
	if d.limits != nil {
		d.limits.Release(resilience.Retries)
	}
}

// try makes one attempt: breaker and limits first, then a pick, the HTTP
// exchange, and the feedback every policy learns from. It returns the
// response (nil if none came), the attempt's outcome, and the error to give
// the caller if this is the last attempt.
func (c *Client) try(ctx context.Context, d *destination, req *http.Request, attempt int, deadline time.Time) (*http.Response, resilience.Outcome, error) {
	now := c.now()
	if d.limits != nil {
		if !d.limits.Acquire(resilience.Requests) {
			c.emit(now, reports.EventOverflow, d.name, "", "requests")
			return nil, resilience.Outcome{Status: http.StatusServiceUnavailable}, fmt.Errorf("%w: %s", ErrOverflow, d.name)
		}
		defer d.limits.Release(resilience.Requests)
	}
	var ticket resilience.Ticket
	if d.breaker != nil {
		var ok bool
		if ticket, ok = d.breaker.Allow(now); !ok {
			return nil, resilience.Outcome{Status: http.StatusServiceUnavailable}, fmt.Errorf("%w: %s", ErrBreakerOpen, d.name)
		}
	}
	ep, err := d.balancer.Pick(d.hashOf(req), now)
	if err != nil {
		if d.breaker != nil {
			d.breaker.Record(ticket, false, now)
		}
		return nil, resilience.Outcome{Status: http.StatusServiceUnavailable}, fmt.Errorf("mesh: %s: %w", d.name, err)
	}
	c.emit(now, reports.EventAttempt, d.name, ep.ID, "")

	tctx, cancel := ctx, context.CancelFunc(func() {})
	if !deadline.IsZero() {
		// Relative to the policy clock, so a test's fake clock and the
		// engine's real one give the same budget.
		tctx, cancel = context.WithTimeout(ctx, deadline.Sub(now))
	}
	// A shallow copy with its own URL: the attempt changes only where the
	// request goes, so headers are shared with the caller's request rather
	// than deep-copied on every attempt (the transport does not write them).
	out := req.WithContext(tctx)
	u := *req.URL
	out.URL = &u
	out.URL.Scheme = d.scheme
	out.URL.Host = ep.Addr
	out.Host = ep.Addr
	out.RequestURI = ""
	if attempt > 0 && req.GetBody != nil {
		if out.Body, err = req.GetBody(); err != nil {
			cancel()
			d.balancer.Done(ep, balance.Outcome{Failed: true}, now)
			return nil, resilience.Outcome{Reset: true}, fmt.Errorf("mesh: %s: replay body: %w", d.name, err)
		}
	}
	var resp *http.Response
	send := true
	var fx FaultEffect
	if c.faults != nil {
		fx = c.faults.Decide(now, c.service, d.name, ep.ID, req.Header)
		resp, err, send = injected(tctx, fx)
	}
	if send {
		resp, err = d.http.Do(out)
		if err == nil && fx.BandwidthBps > 0 {
			resp.Body = &slowBody{ReadCloser: resp.Body, ctx: tctx, bps: fx.BandwidthBps, start: c.now()}
		}
	}
	end := c.now()
	oc := classify(resp, err, tctx, ctx)
	d.balancer.Done(ep, balance.Outcome{Latency: end.Sub(now), Failed: oc.Failed()}, end)
	if d.breaker != nil {
		d.breaker.Record(ticket, !oc.Failed(), end)
	}
	if d.outlier != nil {
		if ev, ok := d.outlier.Record(ep.ID, oc, end); ok {
			c.applyOutlier(d, []resilience.HostEvent{ev})
		}
	}
	if err != nil {
		cancel()
		if oc.Timeout {
			return nil, oc, fmt.Errorf("%w: %s via %s", ErrTimeout, d.name, ep.ID)
		}
		return nil, oc, fmt.Errorf("mesh: %s via %s: %w", d.name, ep.ID, err)
	}
	resp.Body = waitctx.CancelOnClose(resp.Body, cancel)
	return resp, oc, nil
}

// classify turns an HTTP exchange into the outcome retry, breaker and
// outlier policies judge.
func classify(resp *http.Response, err error, try, call context.Context) resilience.Outcome {
	if err == nil {
		return resilience.Outcome{Status: resp.StatusCode}
	}
	if errors.Is(try.Err(), context.DeadlineExceeded) && call.Err() == nil {
		return resilience.Outcome{Timeout: true}
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return resilience.Outcome{ConnectFailure: true}
	}
	return resilience.Outcome{Reset: true}
}

// hashOf computes the request's consistent-hash key, if the policy has one.
func (d *destination) hashOf(req *http.Request) balance.Request {
	k := d.hashKey
	if k == nil {
		return balance.Request{}
	}
	var key string
	switch {
	case k.Header != "":
		key = req.Header.Get(k.Header)
	case k.Cookie != "":
		if ck, err := req.Cookie(k.Cookie); err == nil {
			key = ck.Value
		}
	case k.Path:
		key = req.URL.Path
	case k.Client:
		key = req.Header.Get("X-Forwarded-For")
		if key == "" {
			key = req.RemoteAddr
		}
	}
	if key == "" {
		return balance.Request{}
	}
	h := fnv.New64a()
	_, _ = io.WriteString(h, key)
	return balance.Request{Hash: h.Sum64(), HasHash: true}
}

// Maintain runs the destinations' periodic work due at now: outlier
// detection intervals, which eject and return endpoints. The engine calls
// it on a ticker (the policies themselves never wait).
func (c *Client) Maintain(now time.Time) {
	for _, d := range c.dests {
		if d.outlier == nil {
			continue
		}
		d.mu.Lock()
		due := !now.Before(d.nextTick)
		if due {
			d.nextTick = now.Add(d.outlier.Interval())
		}
		d.mu.Unlock()
		if due {
			c.applyOutlier(d, d.outlier.Tick(now))
		}
	}
}

// applyOutlier ejects and returns endpoints and reinstalls the eligible set.
func (c *Client) applyOutlier(d *destination, evs []resilience.HostEvent) {
	if len(evs) == 0 {
		return
	}
	d.mu.Lock()
	for _, ev := range evs {
		d.ejected[ev.Host] = ev.Ejected
		kind := reports.EventUnejection
		if ev.Ejected {
			kind = reports.EventEjection
		}
		c.emit(ev.At, kind, d.name, ev.Host, ev.Reason.String())
	}
	d.installLocked(evs[len(evs)-1].At)
	d.mu.Unlock()
}

// Close stops watching discovery and releases pooled connections.
func (c *Client) Close() {
	for _, stop := range c.unwatch {
		stop()
	}
	c.unwatch = nil
	for _, d := range c.dests {
		d.transport.CloseIdleConnections()
	}
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// Status is the HTTP status a proxy answers with when a call ended in err
// without an upstream answer: 504 for timeouts, 503 for local refusals
// (breaker, limits, no eligible endpoint), 502 otherwise.
func Status(err error) int {
	switch {
	case errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	case errors.Is(err, ErrOverflow), errors.Is(err, ErrBreakerOpen), errors.Is(err, balance.ErrNoEndpoint):
		return http.StatusServiceUnavailable
	}
	return http.StatusBadGateway
}
