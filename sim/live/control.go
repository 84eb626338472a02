package live

import (
	"context"
	"crypto/tls"
	"fmt"
	"math"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/baton-sim/baton/mesh/identity"
	"github.com/baton-sim/baton/mesh/registry"
	"github.com/baton-sim/baton/reports"
	"github.com/baton-sim/baton/scenarios"
)

// healthPath is where every replica answers health probes.
const healthPath = "/healthz"

// control is the live engine's control plane: discovery with active
// health checks, and the certificate authority with every workload's
// identity. Its loops run on the instance's maintenance ticker.
type control struct {
	sc  *scenarios.Scenario
	reg *registry.Registry

	mode  identity.Mode
	ca    *identity.CA
	authz *identity.Authz

	mu        sync.Mutex
	workloads []*identity.Workload
	probeHTTP map[string]*http.Client // by target service (mTLS needs one per target)
	probeWL   *identity.Workload

	event func(reports.Event)
}

func newControl(sc *scenarios.Scenario, now time.Time, event func(reports.Event)) (*control, error) {
	c := &control{sc: sc, event: event, mode: identity.ModeOff, probeHTTP: make(map[string]*http.Client)}
	opts := registry.Options{}
	if hc := sc.Mesh.HealthCheck; hc != nil {
		opts.HealthCheck = &registry.HealthCheckOptions{
			Interval:           hc.Interval,
			Timeout:            hc.Timeout,
			HealthyThreshold:   hc.HealthyThreshold,
			UnhealthyThreshold: hc.UnhealthyThreshold,
			Path:               hc.Path,
		}
	}
	if ss := sc.Mesh.SlowStart; ss != nil {
		opts.SlowStart = registry.SlowStartOptions{
			Window:           ss.Window,
			Aggression:       ss.Aggression,
			MinWeightPercent: ss.MinWeight * 100,
		}
	}
	if l := sc.Mesh.Locality; l != nil {
		if l.FailoverThreshold > 0 {
			// The registry speaks Envoy's overprovisioning factor: stay
			// local while healthy x factor >= 100 x total.
			opts.OverprovisioningFactor = int(math.Ceil(100 / l.FailoverThreshold))
		}
		opts.PanicThreshold = int(math.Round(l.PanicThreshold * 100))
		if l.PanicThreshold == 0 {
			opts.PanicThreshold = -1
		}
	}
	reg, err := registry.New(opts)
	if err != nil {
		return nil, fmt.Errorf("live: registry: %w", err)
	}
	c.reg = reg

	m := sc.Mesh.MTLS
	if m.Mode == "" || m.Mode == scenarios.MTLSOff {
		return c, nil
	}
	if c.mode, err = identity.ParseMode(m.Mode); err != nil {
		return nil, fmt.Errorf("live: mtls: %w", err)
	}
	if c.ca, err = identity.NewCA(identity.CAOptions{TrustDomain: m.TrustDomain, Now: now, TTL: m.CertTTL}); err != nil {
		return nil, fmt.Errorf("live: mtls: %w", err)
	}
	rules := make([]identity.Rule, len(sc.Mesh.Authz))
	for i, r := range sc.Mesh.Authz {
		rules[i] = identity.Rule{To: r.To, From: r.From}
	}
	if len(rules) > 0 {
		if c.authz, err = identity.NewAuthz(rules); err != nil {
			return nil, fmt.Errorf("live: authz: %w", err)
		}
	}
	if c.probeWL, err = c.workload("healthcheck", "healthcheck", now); err != nil {
		return nil, err
	}
	return c, nil
}

// mtls reports whether calls between services use mutual TLS.
func (c *control) mtls() bool { return c.ca != nil }

// workload issues an identity for service, labelled with the replica
// that holds it, and rotates it with the others.
func (c *control) workload(service, replica string, now time.Time) (*identity.Workload, error) {
	w, err := identity.NewWorkload(c.ca, service, now, identity.WorkloadOptions{
		Replica:  replica,
		RotateAt: c.sc.Mesh.MTLS.RotateAt,
		OnRotate: func(e identity.RotationEvent) {
			c.event(reports.Event{At: e.At, Kind: reports.EventRotation, Service: e.Service, Replica: e.Replica,
				Detail: fmt.Sprintf("serial %d", e.Serial)})
		},
	})
	if err != nil {
		return nil, fmt.Errorf("live: identity for %s: %w", replica, err)
	}
	c.mu.Lock()
	c.workloads = append(c.workloads, w)
	c.mu.Unlock()
	return w, nil
}

// secure wraps a replica's (or inbound sidecar's) listener and handler
// for mTLS: strict refuses plaintext, permissive takes both, and authz
// rules answer 403 to callers that may not call service. Health probes are
// exempt from authz, as kubelet probes are from Istio's policies.
func (c *control) secure(ln net.Listener, h http.Handler, w *identity.Workload, service string) (net.Listener, http.Handler) {
	if !c.mtls() {
		return ln, h
	}
	ln = identity.Listener(ln, c.mode, identity.ServerTLS(w, c.mode, nil, time.Now))
	if c.authz == nil {
		return ln, h
	}
	guarded := identity.RequireCaller(c.authz, service, h)
	return ln, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == healthPath {
			h.ServeHTTP(rw, r)
			return
		}
		guarded.ServeHTTP(rw, r)
	})
}

// clientTLS is the TLS a caller holding w uses towards service, nil
// without mTLS.
func (c *control) clientTLS(w *identity.Workload, service string) *tls.Config {
	if !c.mtls() || w == nil {
		return nil
	}
	return identity.ClientTLS(w, service, time.Now)
}

// tick runs the control plane's periodic work at now: certificate
// rotation, discovery ticks, health probes and their events.
func (c *control) tick(ctx context.Context, now time.Time, wg *sync.WaitGroup) {
	c.mu.Lock()
	ws := append([]*identity.Workload(nil), c.workloads...)
	c.mu.Unlock()
	for _, w := range ws {
		if _, err := w.Rotate(now); err != nil {
			c.event(reports.Event{At: now, Kind: reports.EventTLSFailure, Service: w.Service(), Detail: err.Error()})
		}
	}
	c.reg.Tick(now)
	for _, p := range c.reg.Probes(now) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.probe(ctx, p)
		}()
	}
	evs, _ := c.reg.TakeEvents()
	for _, e := range evs {
		kind := ""
		switch e.Kind {
		case registry.BecameHealthy:
			kind = reports.EventHealthy
		case registry.BecameUnhealthy:
			kind = reports.EventUnhealthy
		default:
			continue
		}
		c.event(reports.Event{At: e.At, Kind: kind, Service: e.Service, Replica: e.ID})
	}
}

// probe runs one active health check over HTTP (mTLS when on) and
// reports it to the registry.
func (c *control) probe(ctx context.Context, p registry.Probe) {
	ctx, cancel := context.WithDeadline(ctx, p.Deadline)
	defer cancel()
	outcome := registry.Fail
	scheme := "http"
	if c.mtls() {
		scheme = "https"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+p.Addr+p.Path, nil)
	if err == nil {
		if resp, err := c.probeClient(p.Service).Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				outcome = registry.Pass
			}
		}
	}
	_ = c.reg.ProbeResult(p.Service, p.ID, outcome, time.Now())
}

func (c *control) probeClient(service string) *http.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	if hc, ok := c.probeHTTP[service]; ok {
		return hc
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true, TLSClientConfig: c.clientTLS(c.probeWL, service)}
	hc := &http.Client{Transport: tr}
	c.probeHTTP[service] = hc
	return hc
}

// close releases the probes' pooled connections.
func (c *control) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, hc := range c.probeHTTP {
		hc.CloseIdleConnections()
	}
}
