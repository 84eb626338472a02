package registry

import (
	"slices"
	"time"

	"github.com/baton-sim/baton/mesh/balance"
)

// Set is what one caller may balance over at a given time.
type Set struct {
	// Endpoints are the eligible endpoints in registration order, ready
	// to pass to balance.Balancer.Update. The registry never changes a
	// Set it has returned; callers must not change it either.
	Endpoints []*balance.Endpoint
	// Weights holds each endpoint's effective weight (see
	// Registry.Weight), index for index.
	Weights []uint32
	// Local is true when the set is restricted to the caller's zone.
	Local bool
	// Panic is true when too few endpoints were healthy and health was
	// ignored: Endpoints then holds every ready, non-draining endpoint of
	// the pool (or none with FailOnPanic).
	Panic bool
}

func (s Set) equal(o Set) bool {
	return s.Local == o.Local && s.Panic == o.Panic &&
		slices.Equal(s.Endpoints, o.Endpoints) && slices.Equal(s.Weights, o.Weights)
}

// Eligible returns the set a caller in zone (empty: no zone preference)
// may balance over at now. It is a pure query: ejections are compared with
// now, whether or not Tick has cleared them.
//
// The rules are Envoy's, with the caller's zone as priority 0 and every
// other zone as priority 1 (how Istio's locality failover configures
// Envoy):
//
//  1. Only ready, non-draining instances take part. Of those, the healthy
//     ones are those passing active health checks and not ejected.
//  2. The caller's zone keeps all its traffic while its healthy count ×
//     OverprovisioningFactor ≥ 100 × its count (71.4 % by default); the
//     pool is then that zone. Otherwise the pool is every zone. Envoy
//     would spill over proportionally (local share = healthy% × 1.4); a
//     balancer here takes one list without per-caller weights, so the
//     registry switches the whole pool instead.
//  3. If the pool's healthy count × 100 < PanicThreshold × its count,
//     health is ignored (panic mode) and every instance of the pool is
//     eligible, or none with FailOnPanic.
func (r *Registry) Eligible(service, zone string, now time.Time) Set {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s := r.services[service]
	if s == nil {
		return Set{}
	}
	return r.eligible(s, zone, now)
}

func (r *Registry) eligible(s *service, zone string, now time.Time) Set {
	var total, healthy, localTotal, localHealthy int
	for _, in := range s.instances {
		if !in.counted() {
			continue
		}
		ok := in.usable(now)
		total++
		if ok {
			healthy++
		}
		if zone != "" && in.zone == zone {
			localTotal++
			if ok {
				localHealthy++
			}
		}
	}
	var set Set
	set.Local = localTotal > 0 && localHealthy*r.opts.OverprovisioningFactor >= 100*localTotal
	if set.Local {
		total, healthy = localTotal, localHealthy
	}
	if total == 0 {
		return set
	}
	set.Panic = r.opts.PanicThreshold > 0 && healthy*100 < r.opts.PanicThreshold*total
	if set.Panic && r.opts.FailOnPanic {
		return set
	}
	n := healthy
	if set.Panic {
		n = total
	}
	if n == 0 {
		return set
	}
	set.Endpoints = make([]*balance.Endpoint, 0, n)
	set.Weights = make([]uint32, 0, n)
	for _, in := range s.instances {
		if !in.counted() || (set.Local && in.zone != zone) || (!set.Panic && !in.usable(now)) {
			continue
		}
		set.Endpoints = append(set.Endpoints, in.ep)
		set.Weights = append(set.Weights, r.weight(in, now))
	}
	return set
}
