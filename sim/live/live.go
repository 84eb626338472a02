// Package live is Baton's live engine: every replica is a real HTTP server
// on 127.0.0.1, the gateway is a real HTTP server in front of them, the mesh
// client carries service-to-service calls over pooled keep-alive
// connections, and vegeta drives the load.
package live

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/baton-sim/baton/gateway"
	"github.com/baton-sim/baton/internal/hrtimer"
	"github.com/baton-sim/baton/mesh"
	"github.com/baton-sim/baton/mesh/balance"
	"github.com/baton-sim/baton/mesh/identity"
	"github.com/baton-sim/baton/reports"
	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim"
	"github.com/baton-sim/baton/sim/load"
	"github.com/baton-sim/baton/sim/synth"
)

// Options tune the live engine. The zero value means the defaults.
type Options struct {
	// Host is the loopback address every socket binds; default 127.0.0.1.
	Host string
	// RequestTimeout bounds one client request; default 10s.
	RequestTimeout time.Duration
	// MaxWorkers caps the load driver's concurrent requests; default 10000.
	MaxWorkers uint64
	// Served, if set, is told of every request a replica served, with
	// its station's computed instants (selfcheck compares them with an
	// ideal queue fed the same draws). It is called concurrently.
	Served func(ServedRequest)
}

// Engine is the live engine.
type Engine struct {
	opts Options
}

// New returns a live engine.
func New(opts Options) *Engine {
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.RequestTimeout == 0 {
		opts.RequestTimeout = 10 * time.Second
	}
	if opts.MaxWorkers == 0 {
		opts.MaxWorkers = 10000
	}
	return &Engine{opts: opts}
}

// Name implements sim.Engine.
func (e *Engine) Name() string { return "live" }

var _ sim.Engine = (*Engine)(nil)

// Instance is a running live topology.
type Instance struct {
	opts     Options
	sc       *scenarios.Scenario
	gw       *gateway.Reloader
	gwAddrs  []string // one per gateway replica
	rec      atomic.Pointer[reports.Recorder]
	servers  []*http.Server
	clients  []*mesh.Client
	wg       sync.WaitGroup
	serveMu  sync.Mutex
	serveErr error

	stopMaintain context.CancelFunc
	closers      []func()
	ctl          *control
	probes       sync.WaitGroup // health probes in flight

	faults        *faults
	waker         *hrtimer.Waker               // replicas deliver their answers at exact instants
	rolledOut     int                          // rollout steps applied
	steer         atomic.Pointer[load.Steer]   // the open model's schedule, for SetRate
	endpoints     map[string]*endpoint         // by replica name: what crash faults stop and restart
	classCerts    map[string]tls.Certificate   // by client class: the certificate it presents
	meshEndpoints map[string]*balance.Endpoint // by replica name: what discovery knows
}

// Start brings up every replica and the gateway on loopback sockets.
func (e *Engine) Start(ctx context.Context, sc *scenarios.Scenario) (sim.Instance, error) {
	in := &Instance{opts: e.opts, sc: sc, waker: hrtimer.New(),
		endpoints: make(map[string]*endpoint), meshEndpoints: make(map[string]*balance.Endpoint)}
	if err := in.start(ctx); err != nil {
		in.Close()
		return nil, err
	}
	return in, nil
}

// GatewayURL is where the gateway listens: https:// when the scenario's
// gateway has a tls block.
func (in *Instance) GatewayURL() string { return in.gatewayScheme() + in.gwAddrs[0] }

// gatewayURLs are where every gateway replica listens.
func (in *Instance) gatewayURLs() []string {
	urls := make([]string, len(in.gwAddrs))
	for i, a := range in.gwAddrs {
		urls[i] = in.gatewayScheme() + a
	}
	return urls
}

func (in *Instance) gatewayScheme() string {
	if in.gw.TLSConfig() != nil {
		return "https://"
	}
	return "http://"
}

// ReplicaURL is where the named replica listens, for direct calls that
// bypass the gateway and mesh (benchmarks compare the two).
func (in *Instance) ReplicaURL(name string) string { return "http://" + in.meshEndpoints[name].Addr }

func (in *Instance) start(ctx context.Context) error {
	// A reloader, so rollout steps can push new splits while requests flow.
	gw, err := gateway.NewReloader(in.sc.Gateway, gateway.Options{Seed: scenarios.DeriveSeed(in.sc.Seed, "gateway")})
	if err != nil {
		return err
	}
	in.gw = gw
	if err := in.loadClassCerts(); err != nil {
		return err
	}
	now := time.Now()
	if in.ctl, err = newControl(in.sc, now, in.event); err != nil {
		return err
	}
	if in.faults, err = newFaults(in.sc); err != nil {
		return err
	}

	// Listen and register first, so discovery knows every replica before
	// any client watches it.
	type pending struct {
		rep     *replica
		ln      net.Listener
		service string
		zone    string
	}
	var reps []pending
	for _, s := range in.sc.Services {
		for i := range s.Replicas {
			name := reports.ReplicaName(s.Name, i)
			svc, err := synth.NewService(replicaSpec(s, i))
			if err != nil {
				return fmt.Errorf("live: replica %s: %w", name, err)
			}
			ln, err := in.listen(ctx)
			if err != nil {
				return err
			}
			rep := newReplica(name, svc, scenarios.DeriveSeed(in.sc.Seed, name), &in.rec, s.Concurrency, s.Queue)
			rep.served = in.opts.Served
			rep.waker = in.waker
			ep := &balance.Endpoint{ID: name, Addr: ln.Addr().String()}
			if len(s.Zones) > 0 {
				ep.Zone = s.Zones[i%len(s.Zones)]
			}
			in.meshEndpoints[name] = ep
			if err := in.ctl.reg.Register(s.Name, ep, now); err != nil {
				ln.Close()
				return fmt.Errorf("live: register %s: %w", name, err)
			}
			reps = append(reps, pending{rep, ln, s.Name, ep.Zone})
		}
	}
	for i, p := range reps {
		if err := in.wire(ctx, p.rep, p.ln, p.service, p.zone); err != nil {
			for _, rest := range reps[i:] {
				rest.ln.Close()
			}
			return err
		}
	}

	var gwID *identity.Workload
	if in.ctl.mtls() {
		if gwID, err = in.ctl.workload("gateway", "gateway", now); err != nil {
			return err
		}
	}
	c, err := in.meshClient("gateway", "", gwID)
	if err != nil {
		return err
	}
	// Gateway replicas share the compiled gateway (and so its rate-limit
	// cluster, local or shared); each serves on its own socket and the
	// load driver spreads requests over them in turn.
	for i := range max(gatewayReplicas(in.sc), 1) {
		ln, err := in.listen(ctx)
		if err != nil {
			return err
		}
		in.gwAddrs = append(in.gwAddrs, ln.Addr().String())
		gh := gateway.NewHandler(gw, i, c, time.Now)
		in.closers = append(in.closers, gh.Close)
		// The gateway's own server: header and body limits, the read
		// and write timeouts that cut slowloris clients off, and TLS when
		// the scenario's gateway has a tls block.
		so := gw.ServerOptions()
		in.serveWith(gateway.Listener(ln, so), gateway.NewServer(gh, so, discardLogger()))
	}

	mctx, stop := context.WithCancel(context.Background())
	in.stopMaintain = stop
	in.wg.Add(1)
	go func() {
		defer in.wg.Done()
		in.maintain(mctx)
	}()
	return nil
}

func (in *Instance) listen(ctx context.Context) (net.Listener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort(in.opts.Host, "0"))
	if err != nil {
		return nil, fmt.Errorf("live: listen: %w", err)
	}
	return ln, nil
}

// wire connects a replica to the mesh and serves it on ln, its endpoint
// address. Proxyless, the replica holds its own mesh client and serves on
// ln itself. Sidecar, ln is its inbound proxy in front of a private app
// listener, and its calls go to an outbound proxy that holds the client:
// two more loopback hops per call, as in Istio or Linkerd. With mTLS the
// endpoint listener (the replica, or its inbound proxy) terminates TLS.
func (in *Instance) wire(ctx context.Context, rep *replica, ln net.Listener, service, zone string) error {
	var id *identity.Workload
	if in.ctl.mtls() {
		var err error
		if id, err = in.ctl.workload(service, rep.name, time.Now()); err != nil {
			return err
		}
	}
	if in.sc.Mesh.Mode != scenarios.ModeSidecar {
		c, err := in.meshClient(rep.name, zone, id)
		if err != nil {
			return err
		}
		rep.caller = c
		in.serveEndpoint(rep.name, ln, func(ln net.Listener) (net.Listener, http.Handler) {
			return in.ctl.secure(ln, rep, id, service)
		})
		return nil
	}
	c, err := in.meshClient(rep.name+"/sidecar", zone, id)
	if err != nil {
		return err
	}
	app, err := in.listen(ctx)
	if err != nil {
		return err
	}
	out, err := in.listen(ctx)
	if err != nil {
		app.Close()
		return err
	}
	sc := mesh.NewSidecarCaller(out.Addr().String())
	in.closers = append(in.closers, sc.Close)
	rep.caller = sc
	in.serve(app, rep)
	in.serve(out, mesh.NewOutbound(c))
	inbound := mesh.NewInbound(app.Addr().String())
	in.serveEndpoint(rep.name, ln, func(ln net.Listener) (net.Listener, http.Handler) {
		return in.ctl.secure(ln, inbound, id, service)
	})
	return nil
}

// serveEndpoint serves a replica's mesh address on ln as a crashable
// endpoint; mount adds mTLS on every (re)start.
func (in *Instance) serveEndpoint(name string, ln net.Listener, mount func(net.Listener) (net.Listener, http.Handler)) {
	ep := &endpoint{name: name, addr: ln.Addr().String(), mount: mount}
	in.endpoints[name] = ep
	ep.start(ln)
}

// meshClient builds the mesh view of one caller (a replica, its sidecar or
// the gateway) in zone, holding identity id (nil without mTLS). Every
// caller gets its own balancers and detectors, seeded by its name, and
// watches discovery for each destination.
func (in *Instance) meshClient(caller, zone string, id *identity.Workload) (*mesh.Client, error) {
	dests := make(map[string]mesh.Destination, len(in.sc.Services))
	for _, s := range in.sc.Services {
		dests[s.Name] = mesh.Destination{Policy: mesh.Resolve(in.sc.Mesh, s.Name), TLS: in.ctl.clientTLS(id, s.Name)}
	}
	c, err := mesh.NewClient(mesh.ClientOptions{
		Caller:        caller,
		Destinations:  dests,
		Seed:          scenarios.DeriveSeed(in.sc.Seed, "mesh/"+caller),
		Events:        in.event,
		Registry:      in.ctl.reg,
		Zone:          zone,
		Faults:        in.faults,
		CallerService: callerService(caller),
	})
	if err != nil {
		return nil, fmt.Errorf("live: mesh client for %s: %w", caller, err)
	}
	in.clients = append(in.clients, c)
	return c, nil
}

// callerService is the service a mesh caller belongs to, as faults name
// callers: the replica's service, or "gateway".
func callerService(caller string) string {
	caller, _, _ = strings.Cut(caller, "/")
	if i := strings.LastIndexByte(caller, '-'); i > 0 {
		return caller[:i]
	}
	return caller
}

// event records a policy event once the load has begun.
func (in *Instance) event(e reports.Event) {
	if rec := in.rec.Load(); rec != nil {
		rec.RecordEvent(e)
	}
}

// maintain runs the mesh clients' periodic work (outlier detection
// intervals) until ctx ends.
func (in *Instance) maintain(ctx context.Context) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			for _, c := range in.clients {
				c.Maintain(now)
			}
			in.ctl.tick(ctx, now, &in.probes)
			in.applyFaults(ctx, now)
			in.applyRollout(now)
		}
	}
}

func (in *Instance) serve(ln net.Listener, h http.Handler) {
	in.serveWith(ln, &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       2 * time.Minute,
		// Keep net/http's per-connection error lines out of the user's
		// terminal; failures show up in the recorded statuses instead.
		ErrorLog: discardLogger(),
	})
}

func (in *Instance) serveWith(ln net.Listener, srv *http.Server) {
	in.servers = append(in.servers, srv)
	in.wg.Add(1)
	go func() {
		defer in.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			in.serveMu.Lock()
			in.serveErr = errors.Join(in.serveErr, err)
			in.serveMu.Unlock()
		}
	}()
}

// Close stops the gateway and every replica, letting in-flight requests
// finish.
func (in *Instance) Close() error {
	// Drop pooled idle connections first: a connection a client dialled but
	// never used looks new to the server, and Shutdown waits five seconds
	// before it counts such a connection as idle.
	for _, c := range in.clients {
		c.Close()
	}
	for _, c := range in.closers {
		c()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	// The gateway was served last; stop it first so no new work enters.
	for i := len(in.servers) - 1; i >= 0; i-- {
		if err := in.servers[i].Shutdown(ctx); err != nil {
			in.servers[i].Close()
			errs = append(errs, fmt.Errorf("live: shutdown: %w", err))
		}
	}
	for _, ep := range in.endpoints {
		if err := ep.shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if in.stopMaintain != nil {
		in.stopMaintain()
	}
	in.wg.Wait()
	in.probes.Wait()
	in.waker.Close()
	if in.ctl != nil {
		in.ctl.close()
	}
	in.serveMu.Lock()
	errs = append(errs, in.serveErr)
	in.serveMu.Unlock()
	return errors.Join(errs...)
}

// replicaSpec is service s as replica i runs it: the service with that
// replica's overrides applied.
func replicaSpec(s scenarios.Service, i int) scenarios.Service {
	for _, o := range s.Overrides {
		if o.Replica != i {
			continue
		}
		if o.Latency != nil {
			s.Latency = *o.Latency
		}
		if o.Errors != nil {
			s.Errors = *o.Errors
		}
	}
	return s
}

func discardLogger() *log.Logger { return log.New(io.Discard, "", 0) }
