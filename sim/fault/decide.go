package fault

import "time"

// Target is one request as Decide sees it. Engines fill in what they know
// at their hook point; an empty field matches only faults that do not
// restrict it.
type Target struct {
	// Service is the destination service, Replica the replica picked
	// (named as reports.ReplicaName names it: catalog-0).
	Service, Replica string
	// Route and Consumer are the gateway route's name and the
	// authenticated consumer, where known.
	Route, Consumer string
	// Header reads a request header (http.Header.Get); nil means none.
	Header func(name string) string
	// Caller is the calling service's name, or "gateway" for the edge.
	Caller string
}

// Effect is what the active faults do to one request; the zero Effect is
// none. See the package documentation for how faults combine: at most one
// of ConnectFail, Reset, Hang and Status is set.
type Effect struct {
	// AddLatency delays the request before anything else happens to it.
	AddLatency time.Duration
	// Status, if not 0, is the status to answer with instead of serving.
	Status int
	// Hang: never answer; the caller's deadline ends the request.
	Hang bool
	// Reset: end the connection with a TCP RST instead of answering.
	Reset bool
	// ConnectFail: the request cannot reach the replica (crash,
	// partition): fail it as a refused connection.
	ConnectFail bool
	// BandwidthBps, if not 0, limits the response body to this many
	// bytes per second.
	BandwidthBps int64
}

// None reports whether e leaves the request alone.
func (e Effect) None() bool { return e == Effect{} }

// Decide is the fate of one request at now under every active fault that
// matches it. It advances the per-fault, per-target counters its
// decisions are drawn from (see the package documentation), so call it
// once per request (once per attempt, when the mesh retries).
func (t *Timeline) Decide(now time.Duration, req Target) Effect {
	var e Effect
	t.mu.Lock()
	defer t.mu.Unlock()
	var (
		key    targetKey
		hash   uint64
		hashed bool
	)
	for _, x := range t.entries {
		if !x.active(now) || !x.matches(&req) {
			continue
		}
		if x.f.FirstN > 0 {
			if x.matched >= x.f.FirstN {
				continue
			}
			x.matched++
		}
		if !hashed {
			key = targetKey{req.Caller, req.Service, req.Replica}
			hash = targetHash(req.Caller, req.Service, req.Replica)
			hashed = true
		}
		n := x.seq[key]
		x.seq[key] = n + 1
		e = x.kind.apply(x, x.intensity(now), newStream(x.key, hash, n), e)
	}
	return e.normalise()
}

// normalise applies the combination rule: one terminal outcome at most.
func (e Effect) normalise() Effect {
	switch {
	case e.ConnectFail:
		return Effect{ConnectFail: true}
	case e.Reset:
		return Effect{Reset: true, AddLatency: e.AddLatency}
	case e.Hang:
		return Effect{Hang: true}
	}
	return e
}

// matches reports whether req is one x hits, timing aside.
func (x *entry) matches(req *Target) bool {
	t := &x.f.Target
	switch x.kind.scope() {
	case registry:
		return false
	case network:
		return req.Caller == t.Service && req.Service == x.f.Peer ||
			req.Caller == x.f.Peer && req.Service == t.Service
	case perReplica:
		return req.Service == t.Service && (x.replica == "" || req.Replica == x.replica)
	}
	if t.Service != "" && req.Service != t.Service ||
		x.replica != "" && req.Replica != x.replica ||
		t.Route != "" && req.Route != t.Route ||
		t.Consumer != "" && req.Consumer != t.Consumer ||
		t.Caller != "" && req.Caller != t.Caller {
		return false
	}
	if h := t.Header; h != nil {
		if req.Header == nil {
			return false
		}
		v := req.Header(x.header)
		if h.Value == "" && v == "" || h.Value != "" && v != h.Value {
			return false
		}
	}
	return true
}
