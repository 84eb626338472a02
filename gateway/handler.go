package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/baton-sim/baton/gateway/auth"
	"github.com/baton-sim/baton/gateway/transform"
	"github.com/baton-sim/baton/internal/waitctx"
	"github.com/baton-sim/baton/mesh"
	"github.com/baton-sim/baton/mesh/balance"
	"github.com/baton-sim/baton/mesh/resilience"
)

// Source gives the Gateway a request is decided by. A *Gateway is a fixed
// Source; a *Reloader is one whose answer changes on reload. A handler asks
// once per request, so a request runs start to end on one configuration.
type Source interface {
	Current() *Gateway
}

var (
	_ Source       = (*Gateway)(nil)
	_ Source       = (*Reloader)(nil)
	_ http.Handler = (*Handler)(nil)
)

// Limits of the handler's own work.
const (
	// maxMirrors bounds mirrored requests in flight per handler; beyond it
	// mirrors are dropped (counted by MirrorsDropped), so shadow traffic
	// can never hold the gateway's memory or delay a real request.
	maxMirrors = 64
	// mirrorTimeout bounds a mirrored request on a route without a
	// timeout.
	mirrorTimeout = 10 * time.Second
	// maxUpstreamBody bounds an upstream body the gateway reads whole (a
	// JSON response transformation, an aggregation part).
	maxUpstreamBody = 16 << 20
)

// Handler is one gateway replica's HTTP face: the hardening around Decide
// and the upstream exchange through a mesh client.
//
// On every request it, in order: removes client copies of the identity
// headers and the hop-by-hop headers (with those the client's Connection
// header names); picks or keeps X-Request-Id; asks Decide; and for a
// forwarded request sets the consumer headers, appends X-Forwarded-For,
// sets X-Forwarded-Proto and -Host, continues or starts the W3C trace,
// applies the request transformation, strips hop-by-hop headers once more
// by name, and calls the chosen service with the route's timeout and
// retries, mirroring or fanning out as configured. Bodies above the
// configured size are refused with 413; they are read whole only when a
// JSON transformation, a mirror, an aggregation or route retries need
// them.
type Handler struct {
	src     Source
	replica int
	client  atomic.Pointer[mesh.Client]
	now     func() time.Time
	ids     *idSource

	ctx    context.Context // mirrors run under it; Close cancels it
	cancel context.CancelFunc

	mu      sync.RWMutex // closed vs. starting a mirror
	closed  bool
	mirrors sync.WaitGroup
	slots   chan struct{}
	dropped atomic.Uint64

	rngMu sync.Mutex
	rng   *rand.Rand // backoff jitter for route retries
}

// NewHandler returns the HTTP face of gateway replica replica, forwarding
// through client. now is the engine's clock. Close it when the server has
// shut down.
func NewHandler(src Source, replica int, client *mesh.Client, now func() time.Time) *Handler {
	seed := mix64(src.Current().opts.Seed ^ mix64(uint64(replica)+0x5851F42D4C957F2D))
	ctx, cancel := context.WithCancel(context.Background())
	h := &Handler{
		src:     src,
		replica: replica,
		now:     now,
		ids:     newIDSource(seed),
		ctx:     ctx,
		cancel:  cancel,
		slots:   make(chan struct{}, maxMirrors),
		rng:     rand.New(rand.NewPCG(seed, mix64(seed))),
	}
	h.client.Store(client)
	return h
}

// SetClient makes c the mesh client of requests that start from now on
// (upstream endpoints changed); requests in flight finish on the client
// they started with. Closing the old client is the caller's business.
func (h *Handler) SetClient(c *mesh.Client) { h.client.Store(c) }

// Close cancels mirrored requests still in flight and waits for them. Call
// it after the server stopped serving (http.Server.Shutdown); later
// requests are served without mirroring.
func (h *Handler) Close() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.cancel()
	h.mirrors.Wait()
}

// MirrorsDropped reports how many mirrored copies were dropped because
// maxMirrors were in flight.
func (h *Handler) MirrorsDropped() uint64 { return h.dropped.Load() }

// requestPath returns the escaped path of r's request target and whether
// the target is one the gateway serves: origin form ("/a?b") or absolute
// form with an http(s) scheme and a host. Asterisk form ("*"), authority
// form (CONNECT) and anything else are not.
func requestPath(r *http.Request) (string, bool) {
	uri := r.RequestURI
	if strings.HasPrefix(uri, "/") {
		if i := strings.IndexByte(uri, '?'); i >= 0 {
			uri = uri[:i]
		}
		return uri, true
	}
	u := r.URL
	if u == nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" || u.User != nil {
		return "", false
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	return p, true
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g := h.src.Current()
	c := h.client.Load()
	auth.StripForgeable(r.Header)
	stripHopByHop(r.Header)
	rid := ""
	if v := r.Header[HeaderRequestID]; len(v) == 1 && ValidRequestID(v[0]) {
		rid = v[0]
	} else {
		rid = h.ids.requestID()
	}
	w.Header()[HeaderRequestID] = []string{rid}

	path, ok := requestPath(r)
	if !ok {
		h.local(w, &Decision{Status: http.StatusBadRequest, Reason: ReasonBadPath})
		return
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	req := Request{
		Method: r.Method, Scheme: scheme, Host: r.Host, Path: path, RawQuery: r.URL.RawQuery,
		Header: r.Header, Peer: r.RemoteAddr, TLS: r.TLS, Replica: h.replica,
	}
	d := g.Decide(&req, h.now())
	defer func() { d.Release(h.now()) }()
	if d.Local() {
		h.local(w, &d)
		return
	}

	// The body: refused early when declared too big, else read whole
	// only when something needs it whole.
	maxBody := g.cfg.MaxBodyBytes
	if r.ContentLength > maxBody {
		h.fail(w, &d, http.StatusRequestEntityTooLarge)
		return
	}
	lb := &limitedBody{rc: http.MaxBytesReader(w, r.Body, maxBody)}
	hasBody := r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
	var body []byte
	buffered := hasBody && (d.BufferRequest || d.Mirror != "" || d.Aggregate != nil || d.RetryPolicy != nil)
	if buffered {
		var err error
		if body, err = io.ReadAll(lb); err != nil {
			status := http.StatusBadRequest
			if lb.exceeded.Load() {
				status = http.StatusRequestEntityTooLarge
			}
			h.fail(w, &d, status)
			return
		}
	}

	hdr := r.Header
	d.SetUpstreamHeaders(hdr)
	appendForwardedFor(hdr, r.RemoteAddr)
	hdr[HeaderForwardedProto] = []string{scheme}
	if r.Host != "" {
		hdr[HeaderForwardedHost] = []string{r.Host}
	}
	hdr[HeaderRequestID] = []string{rid}
	tp, valid := h.ids.propagate(hdr[HeaderTraceparent])
	hdr[HeaderTraceparent] = []string{tp}
	if !valid {
		delete(hdr, HeaderTracestate)
	}
	if d.Transform != nil {
		out, err := d.Transform.Request(hdr, body)
		if te, ok := errors.AsType[*transform.Error](err); ok {
			h.fail(w, &d, te.Status)
			return
		}
		body = out
	}
	// Last, by name only: transformations cannot write these, and the
	// client's Connection list was applied to the client's headers alone.
	stripFixedHopByHop(hdr)
	delete(hdr, "Content-Length") // set from the body below

	ctx := r.Context()
	if d.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.Timeout)
		defer cancel()
	}
	if d.Aggregate != nil {
		h.aggregate(ctx, c, w, &d, r.Method, hdr, body)
		return
	}
	if d.Mirror != "" {
		h.mirror(c, d.Mirror, r.Method, d.Path, d.RawQuery, hdr.Clone(), body, d.Timeout)
	}

	out := &http.Request{
		Method: r.Method,
		URL:    upstreamURL(d.Path, d.RawQuery),
		Proto:  "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: hdr,
	}
	switch {
	case buffered:
		setBody(out, body)
	case hasBody:
		out.Body, out.ContentLength = lb, r.ContentLength
	default:
		setBody(out, nil)
	}
	out = out.WithContext(ctx)
	resp, err := h.exchange(ctx, c, &d, out)
	if err != nil {
		status := mesh.Status(err)
		if lb.exceeded.Load() {
			status = http.StatusRequestEntityTooLarge
		}
		h.fail(w, &d, status)
		return
	}
	defer resp.Body.Close()
	h.respond(w, &d, resp)
}

// setBody makes b the request's replayable body (nil or empty: none).
func setBody(r *http.Request, b []byte) {
	if len(b) == 0 {
		r.Body, r.ContentLength = nil, 0
		r.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
		return
	}
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

// upstreamURL builds the URL of an upstream request from an escaped,
// normalised path; the mesh client fills in scheme and host per attempt.
func upstreamURL(path, rawQuery string) *url.URL {
	u := &url.URL{Scheme: "http", Host: "upstream", RawQuery: rawQuery}
	if p, err := url.PathUnescape(path); err == nil {
		u.Path = p
		if p != path {
			u.RawPath = path
		}
	} else {
		u.Path = path
	}
	return u
}

// respond copies the upstream answer to the client, transformed.
func (h *Handler) respond(w http.ResponseWriter, d *Decision, resp *http.Response) {
	wh := w.Header()
	copyResponseHeader(wh, resp.Header)
	status := resp.StatusCode
	var body []byte
	if d.Transform != nil {
		if d.BufferResponse {
			b, err := io.ReadAll(io.LimitReader(resp.Body, maxUpstreamBody+1))
			if err != nil || len(b) > maxUpstreamBody {
				h.fail(w, d, mesh.Status(err))
				return
			}
			delete(wh, "Content-Length")
			st, out, _ := d.Transform.Response(status, wh, b)
			status, body = st, out
			if body == nil {
				body = []byte{}
			}
		} else {
			// Header, status and fixed-body rules need no body: with a
			// nil body, a non-nil answer is a fixed body replacing the
			// upstream's.
			st, out, _ := d.Transform.Response(status, wh, nil)
			status, body = st, out
			if body != nil {
				delete(wh, "Content-Length")
			}
		}
	}
	d.WriteHeaders(wh)
	if body != nil {
		wh["Content-Length"] = []string{strconv.Itoa(len(body))}
		w.WriteHeader(status)
		_, _ = w.Write(body)
		return
	}
	w.WriteHeader(status)
	_, _ = io.Copy(w, resp.Body)
}

// copyResponseHeader copies an upstream response's end-to-end headers.
func copyResponseHeader(dst, src http.Header) {
	drop := connectionTokens(src)
	for k, v := range src {
		if hopByHop(k) || containsString(drop, k) {
			continue
		}
		dst[k] = v
	}
}

func containsString(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// exchange makes the upstream call, retrying as the route says when it
// has retries and the body can be replayed. Without route retries the mesh
// client's own policy applies.
func (h *Handler) exchange(ctx context.Context, c *mesh.Client, d *Decision, out *http.Request) (*http.Response, error) {
	if d.RetryPolicy == nil {
		return c.Do(d.Service, out)
	}
	replayable := out.Body == nil || out.GetBody != nil
	var prev time.Duration
	for attempt := 1; ; attempt++ {
		tctx, cancel := ctx, context.CancelFunc(func() {})
		if d.PerTryTimeout > 0 {
			tctx, cancel = context.WithTimeout(ctx, d.PerTryTimeout)
		}
		try := out.Clone(tctx)
		if attempt > 1 && out.GetBody != nil {
			b, err := out.GetBody()
			if err != nil {
				cancel()
				return nil, fmt.Errorf("gateway: replay body: %w", err)
			}
			try.Body = b
		}
		resp, err := c.Do(d.Service, try)
		oc := outcome(resp, err, tctx, ctx)
		if !replayable || ctx.Err() != nil || d.RetryPolicy.Decide(out.Method, attempt, oc) != resilience.Retry {
			if resp != nil {
				resp.Body = waitctx.CancelOnClose(resp.Body, cancel)
			} else {
				cancel()
				if oc.Timeout && err != nil && !errors.Is(err, mesh.ErrTimeout) {
					err = fmt.Errorf("%w: per-try timeout: %w", mesh.ErrTimeout, err)
				}
			}
			return resp, err
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		cancel()
		h.rngMu.Lock()
		backoff := d.RetryPolicy.Backoff(attempt, prev, h.rng)
		h.rngMu.Unlock()
		prev = backoff
		if !waitctx.Sleep(ctx, backoff) {
			return nil, fmt.Errorf("%w: %w", mesh.ErrTimeout, ctx.Err())
		}
	}
}

// outcome classifies one attempt for the retry policy.
func outcome(resp *http.Response, err error, try, call context.Context) resilience.Outcome {
	switch {
	case err == nil:
		return resilience.Outcome{Status: resp.StatusCode}
	case errors.Is(err, mesh.ErrTimeout), errors.Is(try.Err(), context.DeadlineExceeded) && call.Err() == nil:
		return resilience.Outcome{Timeout: true}
	case errors.Is(err, mesh.ErrOverflow), errors.Is(err, mesh.ErrBreakerOpen), errors.Is(err, balance.ErrNoEndpoint):
		// Refused before any connection: like a connect failure, the
		// upstream never saw it.
		return resilience.Outcome{ConnectFailure: true}
	}
	return resilience.Outcome{Reset: true}
}

// limitedBody notes when the client's body went over the limit, so an
// upstream call that failed because of it is answered 413, not 502. The
// transport reads it on its own goroutine.
type limitedBody struct {
	rc       io.ReadCloser
	exceeded atomic.Bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			b.exceeded.Store(true)
		}
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// mirror sends a copy of the request to service in the background. It
// never waits: with maxMirrors copies in flight the copy is dropped. The
// answer is read and discarded.
func (h *Handler) mirror(c *mesh.Client, service, method, path, rawQuery string, hdr http.Header, body []byte, timeout time.Duration) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.closed {
		return
	}
	select {
	case h.slots <- struct{}{}:
	default:
		h.dropped.Add(1)
		return
	}
	if timeout <= 0 {
		timeout = mirrorTimeout
	}
	hdr[HeaderMirror] = []string{"1"}
	h.mirrors.Add(1)
	go func() {
		defer func() {
			<-h.slots
			h.mirrors.Done()
		}()
		ctx, cancel := context.WithTimeout(h.ctx, timeout)
		defer cancel()
		out := &http.Request{Method: method, URL: upstreamURL(path, rawQuery), Header: hdr,
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
		setBody(out, body)
		resp, err := c.Do(service, out.WithContext(ctx))
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxUpstreamBody))
		resp.Body.Close()
	}()
}

// aggregate calls every backend of the aggregation in parallel, each
// bounded by its own timeout (else the route's), and merges the answers.
func (h *Handler) aggregate(ctx context.Context, mc *mesh.Client, w http.ResponseWriter, d *Decision, method string, hdr http.Header, body []byte) {
	results := make([]transform.BackendResult, len(d.Calls))
	var wg sync.WaitGroup
	for i, c := range d.Calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = call(ctx, mc, c, method, hdr.Clone(), body)
		}()
	}
	wg.Wait()
	status, mh, mbody := d.Aggregate.Merge(results)
	wh := w.Header()
	for k, v := range mh {
		wh[k] = v
	}
	if d.Transform != nil {
		st, out, _ := d.Transform.Response(status, wh, mbody)
		status, mbody = st, out
	}
	d.WriteHeaders(wh)
	wh["Content-Length"] = []string{strconv.Itoa(len(mbody))}
	w.WriteHeader(status)
	_, _ = w.Write(mbody)
}

// call makes one aggregation call and reads its answer whole.
func call(ctx context.Context, mc *mesh.Client, c Call, method string, hdr http.Header, body []byte) transform.BackendResult {
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	p, q, _ := strings.Cut(c.Path, "?")
	out := &http.Request{Method: method, URL: upstreamURL(p, q), Header: hdr,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
	setBody(out, body)
	timedOut := func(err error) bool {
		return errors.Is(err, mesh.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) ||
			errors.Is(ctx.Err(), context.DeadlineExceeded)
	}
	resp, err := mc.Do(c.Service, out.WithContext(ctx))
	if err != nil {
		return transform.BackendResult{Err: err, TimedOut: timedOut(err)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxUpstreamBody+1))
	switch {
	case err != nil:
		return transform.BackendResult{Status: resp.StatusCode, Err: err, TimedOut: timedOut(err)}
	case len(b) > maxUpstreamBody:
		return transform.BackendResult{Status: resp.StatusCode, Err: errors.New("gateway: aggregated body too large")}
	}
	return transform.BackendResult{Status: resp.StatusCode, Body: b}
}

// local writes an answer the gateway gives by itself.
func (h *Handler) local(w http.ResponseWriter, d *Decision) {
	d.WriteHeaders(w.Header())
	writeStatus(w, d.Status)
}

// fail answers status on a routed request whose upstream exchange could
// not complete (or was refused before it began).
func (h *Handler) fail(w http.ResponseWriter, d *Decision, status int) {
	d.WriteHeaders(w.Header())
	writeStatus(w, status)
}

func writeStatus(w http.ResponseWriter, status int) {
	wh := w.Header()
	if status == http.StatusNotModified || status == http.StatusNoContent || status < 200 {
		w.WriteHeader(status)
		return
	}
	text := http.StatusText(status) + "\n"
	wh["Content-Type"] = []string{"text/plain; charset=utf-8"}
	wh["X-Content-Type-Options"] = []string{"nosniff"}
	wh["Content-Length"] = []string{strconv.Itoa(len(text))}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, text)
}
