package live

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/baton-sim/baton/mesh"
	"github.com/baton-sim/baton/reports"
	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim"
	"github.com/baton-sim/baton/sim/fault"
)

// Headers the gateway sets on requests it forwards, which faults can
// target by route and consumer.
const (
	routeHeader    = "X-Baton-Route"
	consumerHeader = "X-Consumer-Name"
)

// faults drives a run's fault timeline: per-request decisions for the mesh
// clients (mesh.Faults), and crash and discovery-loss transitions on the
// maintenance ticker. Fault times count from the start of the load; before
// it nothing is active.
type faults struct {
	tl    *fault.Timeline
	epoch atomic.Pointer[time.Time]

	mu   sync.Mutex
	from time.Duration // transitions up to here are applied
}

func newFaults(sc *scenarios.Scenario) (*faults, error) {
	tl, err := fault.NewTimeline(sc.Faults, scenarios.DeriveSeed(sc.Seed, "faults"))
	if err != nil {
		return nil, fmt.Errorf("live: faults: %w", err)
	}
	return &faults{tl: tl, from: -1}, nil
}

// begin starts the fault clock.
func (f *faults) begin(epoch time.Time) { f.epoch.Store(&epoch) }

// Decide implements mesh.Faults.
func (f *faults) Decide(now time.Time, caller, service, replica string, h http.Header) mesh.FaultEffect {
	ep := f.epoch.Load()
	if ep == nil {
		return mesh.FaultEffect{}
	}
	e := f.tl.Decide(now.Sub(*ep), fault.Target{
		Service:  service,
		Replica:  replica,
		Route:    h.Get(routeHeader),
		Consumer: h.Get(consumerHeader),
		Header:   h.Get,
		Caller:   caller,
	})
	return mesh.FaultEffect{
		Delay:        e.AddLatency,
		Status:       e.Status,
		Hang:         e.Hang,
		Reset:        e.Reset,
		ConnectFail:  e.ConnectFail,
		BandwidthBps: e.BandwidthBps,
	}
}

// due returns the transitions between the last call and now.
func (f *faults) due(now time.Time) []fault.Transition {
	ep := f.epoch.Load()
	if ep == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	to := now.Sub(*ep)
	if to <= f.from {
		return nil
	}
	trs := f.tl.Transitions(f.from, to)
	f.from = to
	return trs
}

// applyFaults carries out crash and discovery-loss transitions due at now.
func (in *Instance) applyFaults(ctx context.Context, now time.Time) {
	for _, tr := range in.faults.due(now) {
		kind := reports.EventFaultStop
		if tr.Start {
			kind = reports.EventFaultStart
		}
		names := in.replicasOf(tr.Service, tr.Replica)
		for _, name := range names {
			in.event(reports.Event{At: now, Kind: kind, Service: tr.Service, Replica: name, Detail: tr.Kind})
			switch tr.Kind {
			case scenarios.FaultCrash:
				ep := in.endpoints[name]
				if tr.Start {
					ep.crash()
				} else if err := ep.restart(ctx); err != nil {
					in.event(reports.Event{At: now, Kind: reports.EventFaultStop, Service: tr.Service, Replica: name, Detail: err.Error()})
				}
			case scenarios.FaultDiscoveryLoss:
				if tr.Start {
					_ = in.ctl.reg.Deregister(tr.Service, name, now)
				} else {
					_ = in.ctl.reg.Register(tr.Service, in.meshEndpoints[name], now)
				}
			}
		}
		if len(names) == 0 {
			// Faults on the network (partition) name no replica.
			in.event(reports.Event{At: now, Kind: kind, Service: tr.Service, Detail: tr.Kind})
		}
	}
}

// replicasOf names replica i of service, or all of them for i < 0. A
// network-scoped transition (no replica target) names none.
func (in *Instance) replicasOf(service string, i int) []string {
	if service == "" {
		return nil
	}
	for _, s := range in.sc.Services {
		if s.Name != service {
			continue
		}
		if i >= 0 {
			if i < s.Replicas {
				return []string{reports.ReplicaName(service, i)}
			}
			return nil
		}
		names := make([]string, s.Replicas)
		for j := range names {
			names[j] = reports.ReplicaName(service, j)
		}
		return names
	}
	return nil
}

var _ sim.Control = (*Instance)(nil)

// InjectFault adds a fault while the run goes; its At counts from now. It
// returns the fault's id for ClearFault.
func (in *Instance) InjectFault(f scenarios.Fault) (int, error) {
	ep := in.faults.epoch.Load()
	if ep == nil {
		return 0, fmt.Errorf("live: inject fault: the load has not started")
	}
	if err := scenarios.ValidateInjectedFault(f, in.sc); err != nil {
		return 0, err
	}
	return in.faults.tl.Inject(f, time.Since(*ep))
}

// ClearFault ends a fault now.
func (in *Instance) ClearFault(id int) error {
	ep := in.faults.epoch.Load()
	if ep == nil {
		return fmt.Errorf("live: clear fault: the load has not started")
	}
	return in.faults.tl.Clear(id, time.Since(*ep))
}

// SetRate implements sim.Control for the open model.
func (in *Instance) SetRate(rps float64) error {
	st := in.steer.Load()
	ep := in.faults.epoch.Load()
	if st == nil || ep == nil {
		return fmt.Errorf("%w: the rate can be set once an open-model load is running", sim.ErrNotSteerable)
	}
	return st.SetRate(rps, time.Since(*ep))
}
