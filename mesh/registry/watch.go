package registry

import (
	"slices"
	"time"
)

type watcher struct {
	zone string
	fn   func(now time.Time, s Set)
	last Set
}

// Watch subscribes fn to the eligible set of service as seen from zone
// (see Eligible). fn is called at once with the current set, then each
// time a change to the registry, a probe result or Tick changes that set
// (endpoints, weights, Local or Panic). The service need not have
// instances yet.
//
// fn runs synchronously while the registry holds its lock, which is what
// delivers changes in order: it must be quick (typically one
// balancer.Update(s.Endpoints, now)), must not keep a goroutine waiting,
// and must not call the registry (including cancel), which would deadlock.
// The returned cancel stops further calls; it is idempotent.
func (r *Registry) Watch(service, zone string, now time.Time, fn func(now time.Time, s Set)) (cancel func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.service(service)
	w := &watcher{zone: zone, fn: fn}
	s.watchers = append(s.watchers, w)
	w.last = r.eligible(s, zone, now)
	r.notePanic(s, zone, w.last.Panic, now)
	fn(now, w.last)
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		s.watchers = slices.DeleteFunc(s.watchers, func(x *watcher) bool { return x == w })
	}
}

// notify delivers changed sets to s's watchers. Sets are computed once per
// caller zone and shared by that zone's watchers.
func (r *Registry) notify(s *service, now time.Time) {
	if len(s.watchers) == 0 {
		return
	}
	type zoneSet struct {
		zone string
		set  Set
	}
	var cache []zoneSet
	for _, w := range s.watchers {
		i := slices.IndexFunc(cache, func(z zoneSet) bool { return z.zone == w.zone })
		if i < 0 {
			set := r.eligible(s, w.zone, now)
			r.notePanic(s, w.zone, set.Panic, now)
			cache = append(cache, zoneSet{w.zone, set})
			i = len(cache) - 1
		}
		if set := cache[i].set; !set.equal(w.last) {
			w.last = set
			w.fn(now, set)
		}
	}
}

// notePanic records a panic transition of the sets delivered to zone.
func (r *Registry) notePanic(s *service, zone string, inPanic bool, now time.Time) {
	if s.panic[zone] == inPanic {
		return
	}
	s.panic[zone] = inPanic
	k := PanicOff
	if inPanic {
		k = PanicOn
	}
	r.events.add(Event{At: now, Kind: k, Service: s.name, Zone: zone})
}
