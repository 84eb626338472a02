// Package mesh is Baton's service-to-service data plane: the client a
// service uses to reach another, with endpoint discovery and a balancer per
// destination service.
//
// Each calling replica owns its own Client, as each Envoy sidecar or gRPC
// channel owns its own balancer state: a least-request balancer in one
// caller sees only that caller's in-flight requests.
package mesh

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/baton-sim/baton/mesh/balance"
	"github.com/baton-sim/baton/scenarios"
)

// ErrUnknownService is returned when a call names a service the client has
// no endpoints for.
var ErrUnknownService = errors.New("mesh: unknown service")

// ReplicaHeader names the response header in which a replica says who it is.
const ReplicaHeader = "X-Baton-Replica"

// ClientOptions configures a Client. The zero value of each field means its
// documented default.
type ClientOptions struct {
	// Services maps each reachable service to its endpoints.
	Services map[string][]*balance.Endpoint
	// Balancer names the balancing policy (balance.Names lists them);
	// default round_robin.
	Balancer string
	// Seed seeds the balancers' randomness; each destination gets its own
	// stream derived from it.
	Seed uint64
	// MaxIdlePerHost bounds pooled keep-alive connections per endpoint;
	// default 256 (Go's default of 2 would make every burst open new
	// connections and measure the kernel's handshake, not the mesh).
	MaxIdlePerHost int
	// Timeout bounds one call; default 10s.
	Timeout time.Duration
	// Now is the clock handed to the policies; default time.Now. The live
	// engine is the only place that reads the wall clock.
	Now func() time.Time
}

// Client sends requests to services, choosing an endpoint per request.
// It is safe for concurrent use.
type Client struct {
	clusters  map[string]*cluster
	transport *http.Transport
	http      *http.Client
	now       func() time.Time
}

type cluster struct {
	name     string
	balancer balance.Balancer
}

// NewClient builds a client and installs every service's endpoints in its
// balancer.
func NewClient(opts ClientOptions) (*Client, error) {
	if opts.Balancer == "" {
		opts.Balancer = "round_robin"
	}
	if opts.MaxIdlePerHost == 0 {
		opts.MaxIdlePerHost = 256
	}
	if opts.Timeout == 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	tr := &http.Transport{
		DialContext: (&net.Dialer{
			Timeout:   2 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		MaxIdleConns:          0, // no global cap: per-host caps below bound it
		MaxIdleConnsPerHost:   opts.MaxIdlePerHost,
		IdleConnTimeout:       90 * time.Second,
		DisableCompression:    true,
		ResponseHeaderTimeout: opts.Timeout,
	}
	c := &Client{
		clusters:  make(map[string]*cluster, len(opts.Services)),
		transport: tr,
		http: &http.Client{
			Transport: tr,
			Timeout:   opts.Timeout,
			// A mesh hop never follows redirects: the caller sees them.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		now: opts.Now,
	}
	now := opts.Now()
	for name, eps := range opts.Services {
		b, err := balance.New(opts.Balancer, balance.Options{Seed: scenarios.DeriveSeed(opts.Seed, name)})
		if err != nil {
			return nil, fmt.Errorf("mesh: service %q: %w", name, err)
		}
		b.Update(eps, now)
		c.clusters[name] = &cluster{name: name, balancer: b}
	}
	return c, nil
}

// Response is the answer to one mesh call. Its body has been drained and
// closed unless the caller asked to stream it with Do.
type Response struct {
	Status  int
	Replica string
}

// Call sends a GET for path to service and drains the answer. A transport
// failure is returned as an error; any HTTP status is a Response.
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
	// Draining lets the connection go back to the pool.
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return Response{Status: resp.StatusCode, Replica: resp.Header.Get(ReplicaHeader)}, nil
}

// Do sends req to one endpoint of service, rewriting its URL host. The caller
// must close the response body. The balancer learns the outcome when the
// response headers arrive.
func (c *Client) Do(service string, req *http.Request) (*http.Response, error) {
	cl, ok := c.clusters[service]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownService, service)
	}
	start := c.now()
	ep, err := cl.balancer.Pick(balance.Request{}, start)
	if err != nil {
		return nil, fmt.Errorf("mesh: %s: %w", service, err)
	}
	req.URL.Scheme = "http"
	req.URL.Host = ep.Addr
	req.Host = ep.Addr
	resp, err := c.http.Do(req)
	end := c.now()
	failed := err != nil || resp.StatusCode >= 500
	cl.balancer.Done(ep, balance.Outcome{Latency: end.Sub(start), Failed: failed}, end)
	if err != nil {
		return nil, fmt.Errorf("mesh: %s via %s: %w", service, ep.ID, err)
	}
	return resp, nil
}

// Close releases pooled connections.
func (c *Client) Close() {
	c.transport.CloseIdleConnections()
}
