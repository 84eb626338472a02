package mesh

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"
)

// Caller is what a service uses to call another: the in-process Client
// (proxyless) or a plain HTTP client aimed at its outbound sidecar.
type Caller interface {
	Call(ctx context.Context, service, path string, header http.Header) (Response, error)
}

var (
	_ Caller = (*Client)(nil)
	_ Caller = (*SidecarCaller)(nil)
)

// Forward sends r to service through c and copies the answer to w. It is
// the proxying step shared by the gateway and the outbound sidecar; a call
// that got no upstream answer becomes the status Status gives.
func Forward(w http.ResponseWriter, r *http.Request, c *Client, service string) {
	out, err := http.NewRequestWithContext(r.Context(), r.Method, r.URL.RequestURI(), r.Body)
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	out.ContentLength = r.ContentLength
	for _, h := range forwardHeaders {
		if v := r.Header.Values(h); len(v) > 0 {
			out.Header[h] = v
		}
	}
	if r.Body == nil || r.ContentLength == 0 {
		// Bodiless requests can be replayed, so retries and hedges apply.
		out.Body = nil
		out.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
	}
	resp, err := c.Do(service, out)
	if err != nil {
		status := Status(err)
		http.Error(w, http.StatusText(status), status)
		return
	}
	defer resp.Body.Close()
	for _, h := range copyBack {
		if v := resp.Header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// forwardHeaders are the request headers a proxy hop passes on.
var forwardHeaders = [...]string{"Content-Type", "Traceparent", "Tracestate", "X-Request-Id", "X-User", "Cookie", "Authorization"}

// copyBack are the response headers a proxy hop passes back.
var copyBack = [...]string{ReplicaHeader, "Content-Type", "Retry-After"}

// Outbound is a service's outbound sidecar: the application sends every
// call to it with the destination service as the Host, and it applies the
// mesh policy (as Envoy's outbound listener routes by Host).
type Outbound struct {
	client *Client
}

// NewOutbound returns the outbound proxy handler over c.
func NewOutbound(c *Client) *Outbound { return &Outbound{client: c} }

func (o *Outbound) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	service := r.Host
	if h, _, err := net.SplitHostPort(service); err == nil {
		service = h
	}
	Forward(w, r, o.client, service)
}

// NewInbound returns a replica's inbound sidecar: a reverse proxy to the
// application on appAddr over pooled keep-alive connections. It is where
// mTLS terminates in sidecar mode.
func NewInbound(appAddr string) http.Handler {
	target := &url.URL{Scheme: "http", Host: appAddr}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	rp.BufferPool = newBufferPool()
	rp.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, _ error) {
		w.WriteHeader(http.StatusBadGateway)
	}
	return rp
}

// SidecarCaller sends calls to an outbound sidecar on loopback.
type SidecarCaller struct {
	addr   string
	client *http.Client
	tr     *http.Transport
}

// NewSidecarCaller returns a Caller that goes through the outbound proxy
// listening on addr.
func NewSidecarCaller(addr string) *SidecarCaller {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &SidecarCaller{addr: addr, tr: tr, client: &http.Client{Transport: tr}}
}

// Call implements Caller.
func (s *SidecarCaller) Call(ctx context.Context, service, path string, header http.Header) (Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.addr+path, nil)
	if err != nil {
		return Response{}, fmt.Errorf("mesh: call %s: %w", service, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Host = service
	resp, err := s.client.Do(req)
	if err != nil {
		return Response{}, fmt.Errorf("mesh: outbound sidecar: %w", err)
	}
	return drained(resp), nil
}

// Close releases pooled connections.
func (s *SidecarCaller) Close() { s.tr.CloseIdleConnections() }

// bufferPool recycles the reverse proxy's copy buffers: without it every
// proxied request allocates 32 KiB.
type bufferPool struct{ p sync.Pool }

func newBufferPool() *bufferPool {
	return &bufferPool{p: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}}
}

func (b *bufferPool) Get() []byte  { return *b.p.Get().(*[]byte) }
func (b *bufferPool) Put(v []byte) { b.p.Put(&v) }
