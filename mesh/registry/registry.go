package registry

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/baton-sim/baton/mesh/balance"
)

// Errors returned by Registry methods, matched with errors.Is.
var (
	ErrInvalidEndpoint   = errors.New("registry: invalid endpoint")
	ErrDuplicateInstance = errors.New("registry: instance already registered")
	ErrUnknownInstance   = errors.New("registry: unknown instance")
	ErrNoHealthCheck     = errors.New("registry: active health checking is off")
)

// Instance is one registered instance as Snapshot reports it.
type Instance struct {
	Endpoint *balance.Endpoint
	// ID and Zone are the endpoint's, as read at registration.
	ID   string
	Zone string
	// Weight is the configured weight read at registration (0 counts as
	// 1); Registry.Weight gives the effective one.
	Weight       uint32
	RegisteredAt time.Time
	Ready        bool
	// Healthy is the active health-check verdict; always true without
	// health checking. Ejection does not change it.
	Healthy  bool
	Draining bool
	// DrainingSince is when Drain was called; zero while not draining.
	DrainingSince time.Time
	// EjectedUntil is the end of the current outlier ejection; zero when
	// none was recorded. Compare it with now: an ejection that has ended
	// stays visible here until Tick or Uneject clears it.
	EjectedUntil time.Time
	// WarmingSince is when the slow-start ramp began: the latest of
	// registration, becoming ready, and passing active health checks.
	WarmingSince time.Time
}

// Probe is a health check the engine should run now.
type Probe struct {
	Service string
	ID      string
	Addr    string
	Path    string
	// Deadline is when the probe times out; report it as Fail by then.
	Deadline time.Time
}

// Registry maps services to instances and computes, for each caller, the
// endpoints it may balance over. It is safe for concurrent use; see the
// package documentation for the rules watchers must follow.
type Registry struct {
	mu       sync.RWMutex
	opts     Options
	services map[string]*service
	names    []string // sorted service names, for deterministic iteration
	events   eventLog
}

type service struct {
	name      string
	instances []*instance // registration order
	byID      map[string]*instance
	watchers  []*watcher
	panic     map[string]bool // last panic state delivered per caller zone
	traffic   bool
}

type instance struct {
	ep           *balance.Endpoint
	id, zone     string
	base         uint32
	registeredAt time.Time
	ready        bool
	healthy      bool
	unchecked    bool // excluded until the first probe is reported
	hc           *HealthChecker
	draining     bool
	drainedAt    time.Time
	ejectedUntil time.Time
	warmFrom     time.Time
}

// counted reports whether in takes part in its service's pool at all:
// not-ready instances are absent from EDS (Kubernetes publishes only ready
// addresses), draining ones are out of the load-balancing set, and with
// IgnoreNewUntilFirstCheck unchecked ones are excluded; none of them counts
// towards the healthy percentages.
func (in *instance) counted() bool {
	return in.ready && !in.draining && !in.unchecked
}

// usable reports whether a counted instance may take new requests at now.
func (in *instance) usable(now time.Time) bool {
	return in.healthy && !now.Before(in.ejectedUntil)
}

// New returns an empty registry.
func New(opts Options) (*Registry, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	return &Registry{
		opts:     opts,
		services: make(map[string]*service),
		events:   newEventLog(opts.EventLimit),
	}, nil
}

func (r *Registry) service(name string) *service {
	s := r.services[name]
	if s == nil {
		s = &service{name: name, byID: make(map[string]*instance), panic: make(map[string]bool)}
		r.services[name] = s
		i, _ := slices.BinarySearch(r.names, name)
		r.names = slices.Insert(r.names, i, name)
	}
	return s
}

func (r *Registry) instance(service, id string) (*service, *instance, error) {
	s := r.services[service]
	if s != nil {
		if in := s.byID[id]; in != nil {
			return s, in, nil
		}
	}
	return nil, nil, fmt.Errorf("%w: %s/%s", ErrUnknownInstance, service, id)
}

func (r *Registry) record(at time.Time, k EventKind, s *service, in *instance) {
	r.events.add(Event{At: at, Kind: k, Service: s.name, ID: in.id, Zone: in.zone})
}

// Register adds ep to service at now. The registry reads ep's ID, Zone and
// Weight once, here, and never writes ep. The instance starts ready; with
// active health checking it starts unhealthy until its first probe passes
// (unless HealthCheckOptions.StartHealthy).
func (r *Registry) Register(service string, ep *balance.Endpoint, now time.Time) error {
	if service == "" || ep == nil || ep.ID == "" {
		return fmt.Errorf("%w: service %q needs a non-nil endpoint with an ID", ErrInvalidEndpoint, service)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.service(service)
	if s.byID[ep.ID] != nil {
		return fmt.Errorf("%w: %s/%s", ErrDuplicateInstance, service, ep.ID)
	}
	in := &instance{
		ep: ep, id: ep.ID, zone: ep.Zone, base: ep.Weight,
		registeredAt: now, ready: true, healthy: true, warmFrom: now,
	}
	if hc := r.opts.HealthCheck; hc != nil {
		in.hc = newHealthChecker(*hc, now)
		if s.traffic {
			in.hc.MarkTraffic()
		}
		in.healthy = in.hc.Healthy()
		in.unchecked = hc.IgnoreNewUntilFirstCheck
	}
	s.instances = append(s.instances, in)
	s.byID[in.id] = in
	r.record(now, Registered, s, in)
	r.notify(s, now)
	return nil
}

// Deregister removes an instance at now. Balancers stop picking it at once;
// requests already in flight on it finish.
func (r *Registry) Deregister(service, id string, now time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, in, err := r.instance(service, id)
	if err != nil {
		return err
	}
	delete(s.byID, id)
	s.instances = slices.DeleteFunc(s.instances, func(x *instance) bool { return x == in })
	r.record(now, Deregistered, s, in)
	r.notify(s, now)
	return nil
}

// SetReady records the instance's readiness at now. Becoming ready again
// restarts its slow-start ramp, as a pod returning to the EDS set rejoins
// the cluster.
func (r *Registry) SetReady(service, id string, ready bool, now time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, in, err := r.instance(service, id)
	if err != nil {
		return err
	}
	if in.ready == ready {
		return nil
	}
	in.ready = ready
	k := BecameNotReady
	if ready {
		k = BecameReady
		in.warmFrom = now
	}
	r.record(now, k, s, in)
	r.notify(s, now)
	return nil
}

// Drain marks the instance draining at now: it is never picked for new
// requests again and no longer counts towards health percentages.
// Draining is final; Deregister removes the instance when it is gone.
func (r *Registry) Drain(service, id string, now time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, in, err := r.instance(service, id)
	if err != nil {
		return err
	}
	if in.draining {
		return nil
	}
	in.draining, in.drainedAt = true, now
	r.record(now, Drained, s, in)
	r.notify(s, now)
	return nil
}

// Eject removes the instance from eligible sets from now until until (an
// outlier detector's verdict). Ejected instances count as unhealthy for
// the failover and panic thresholds, as in Envoy. A later Eject replaces
// the end time; an until not after now does nothing.
func (r *Registry) Eject(service, id string, until, now time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, in, err := r.instance(service, id)
	if err != nil {
		return err
	}
	if !until.After(now) {
		return nil
	}
	in.ejectedUntil = until
	r.record(now, Ejected, s, in)
	r.notify(s, now)
	return nil
}

// Uneject ends the instance's ejection at now, for detectors that decide
// un-ejection themselves (mesh/resilience un-ejects at its ticks).
func (r *Registry) Uneject(service, id string, now time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, in, err := r.instance(service, id)
	if err != nil {
		return err
	}
	if in.ejectedUntil.IsZero() {
		return nil
	}
	at := now
	if in.ejectedUntil.Before(now) {
		at = in.ejectedUntil
	}
	in.ejectedUntil = time.Time{}
	r.record(at, Unejected, s, in)
	r.notify(s, now)
	return nil
}

// Tick applies what time alone changes: it clears ejections that have
// ended (recording each end at its until time) and delivers changed sets to
// watchers, slow-start weights included. The engine calls it periodically;
// the period bounds how stale a watcher's weights and ejections may be.
func (r *Registry) Tick(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, name := range r.names {
		s := r.services[name]
		for _, in := range s.instances {
			if !in.ejectedUntil.IsZero() && !now.Before(in.ejectedUntil) {
				r.record(in.ejectedUntil, Unejected, s, in)
				in.ejectedUntil = time.Time{}
			}
		}
		r.notify(s, now)
	}
}

// Probes starts every health check due at now and returns them, services
// in name order and instances in registration order. Each must be reported
// with ProbeResult. It returns nil without active health checking.
func (r *Registry) Probes(now time.Time) []Probe {
	if r.opts.HealthCheck == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Probe
	for _, name := range r.names {
		for _, in := range r.services[name].instances {
			if in.hc.Due(now) {
				out = append(out, Probe{
					Service: name, ID: in.id, Addr: in.ep.Addr,
					Path: r.opts.HealthCheck.Path, Deadline: in.hc.Start(now),
				})
			}
		}
	}
	return out
}

// ProbeResult reports a health probe's outcome at now. An instance that
// turns healthy restarts its slow-start ramp (Envoy re-enters slow start
// on an active health-check recovery).
func (r *Registry) ProbeResult(service, id string, o ProbeOutcome, now time.Time) error {
	if r.opts.HealthCheck == nil {
		return ErrNoHealthCheck
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s, in, err := r.instance(service, id)
	if err != nil {
		return err
	}
	changed, healthy := in.hc.Observe(o, now)
	wasUnchecked := in.unchecked
	in.unchecked = false
	if !changed {
		if wasUnchecked {
			r.notify(s, now) // it now counts, as unhealthy
		}
		return nil
	}
	in.healthy = healthy
	k := BecameUnhealthy
	if healthy {
		k = BecameHealthy
		in.warmFrom = now
	}
	r.record(now, k, s, in)
	r.notify(s, now)
	return nil
}

// MarkTraffic tells the health checkers of service that it has carried
// traffic, which ends HealthCheckOptions.NoTrafficInterval for its current
// and future instances.
func (r *Registry) MarkTraffic(service string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.service(service)
	s.traffic = true
	for _, in := range s.instances {
		if in.hc != nil {
			in.hc.MarkTraffic()
		}
	}
}

// Weight reports the instance's effective weight at now: its configured
// weight (0 counting as 1) × WeightScale, scaled down during slow start.
// It is 0 for an unknown instance.
func (r *Registry) Weight(service, id string, now time.Time) uint32 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, in, err := r.instance(service, id)
	if err != nil {
		return 0
	}
	return r.weight(in, now)
}

func (r *Registry) weight(in *instance, now time.Time) uint32 {
	return effectiveWeight(in.base, slowStartFactor(r.opts.SlowStart, now.Sub(in.warmFrom)))
}

// Snapshot returns the service's instances in registration order.
func (r *Registry) Snapshot(service string) []Instance {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s := r.services[service]
	if s == nil {
		return nil
	}
	out := make([]Instance, len(s.instances))
	for i, in := range s.instances {
		out[i] = Instance{
			Endpoint: in.ep, ID: in.id, Zone: in.zone, Weight: in.base,
			RegisteredAt: in.registeredAt, Ready: in.ready, Healthy: in.healthy,
			Draining: in.draining, DrainingSince: in.drainedAt,
			EjectedUntil: in.ejectedUntil, WarmingSince: in.warmFrom,
		}
	}
	return out
}

// Services returns the names of the services known to the registry (any
// that was registered to, watched or marked), sorted.
func (r *Registry) Services() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Clone(r.names)
}

// TakeEvents returns the recorded events, oldest first, with the number
// dropped since the last call because the log was full, and empties the
// log. Telemetry calls it at window boundaries.
func (r *Registry) TakeEvents() (events []Event, dropped int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.events.take()
}
