// Package config holds the gateway's configuration: the scenario's
// gateway block, and the file `baton serve gateway` reads.
//
// It is pure data plus validation. The types compose the policy packages'
// own configuration (route, auth, ratelimit, transform) as they are, and
// Validate adds what only the whole gateway can check: that routes name auth
// policies and rate limits that exist, that each route says exactly once
// where its traffic goes, and the gateway-wide limits. Every error is a
// *FieldError whose Path is a dotted field path ("routes[2].rate_limits[0]")
// so a loader can point at the line of the file that holds it.
//
// Struct tags serve two decoders: go.yaml.in/yaml/v3 reads `yaml`, and the
// scenarios package's reflection decoder also reads `default` (the value,
// in YAML syntax, when the file leaves the field out), `required` and
// `form`. The zero value of every field means its documented default, so
// a Gateway built in Go needs no decoder: Defaults fills them in.
package config

import (
	"time"

	"github.com/baton-sim/baton/gateway/auth"
	"github.com/baton-sim/baton/gateway/ratelimit"
	"github.com/baton-sim/baton/gateway/route"
	"github.com/baton-sim/baton/gateway/transform"
)

// Defaults for zero fields.
const (
	DefaultReplicas       = 1
	DefaultMaxHeaderBytes = 32 << 10
	DefaultMaxBodyBytes   = 1 << 20
	DefaultReadHeader     = 5 * time.Second
	DefaultRead           = 30 * time.Second
	DefaultWrite          = 30 * time.Second
	DefaultIdle           = 120 * time.Second
)

// Bounds checked by Validate.
const (
	MaxReplicas = 64
	// MaxHeaderBytesLimit keeps a misplaced zero or two from turning the
	// 431 guard off: a megabyte of headers is no legitimate request.
	MaxHeaderBytesLimit = 1 << 20
)

// Gateway is the whole edge: replicas, server limits, consumers and their
// credentials, named rate limits and the routes that use them.
type Gateway struct {
	// Replicas is the number of gateway replicas, 1..64. Each replica has
	// its own in-flight counts and, in local limit mode, its own
	// rate-limit counters.
	Replicas int `json:"replicas,omitempty" yaml:"replicas,omitempty" default:"1"`
	// Limits says whether rate-limit state is per replica or shared.
	Limits Limits `json:"limits,omitzero" yaml:"limits,omitempty"`
	// ClientIP says how the ip key part finds the client behind proxies.
	ClientIP ratelimit.ClientIPOptions `json:"client_ip,omitzero" yaml:"client_ip,omitempty"`
	// Timeouts bound the client side of the gateway's connections.
	Timeouts Timeouts `json:"timeouts,omitzero" yaml:"timeouts,omitempty"`
	// TLS, when set, makes every gateway listener terminate TLS.
	TLS *TLS `json:"tls,omitempty" yaml:"tls,omitempty"`
	// MaxHeaderBytes bounds a request's header block; larger requests get
	// 431. net/http allows 4 KiB of slack above it.
	MaxHeaderBytes int `json:"max_header_bytes,omitempty" yaml:"max_header_bytes,omitempty" default:"32768"`
	// MaxBodyBytes bounds a request body; larger requests get 413.
	MaxBodyBytes int64 `json:"max_body_bytes,omitempty" yaml:"max_body_bytes,omitempty" default:"1048576"`
	// Auth holds consumers, JWT providers and the policies routes name.
	Auth auth.Config `json:"auth,omitzero" yaml:"auth,omitempty"`
	// RateLimits are named limits routes refer to. A limit is one set of
	// counters however many routes name it: per-consumer with key consumer
	// counts a consumer's requests on all those routes together; add route
	// to the key (consumer+route) to count each route apart.
	RateLimits []ratelimit.LimitConfig `json:"rate_limits,omitempty" yaml:"rate_limits,omitempty"`
	Routes     []Route                 `json:"routes" yaml:"routes"`
}

// Limits is how the gateway replicas share rate-limit state.
type Limits struct {
	// Mode is local (each replica counts alone) or shared (replicas count
	// together through a store that lags by SyncDelay).
	Mode ratelimit.Mode `json:"mode,omitempty" yaml:"mode,omitempty" default:"local"`
	// SyncDelay is how late a shared-mode replica sees the others' counts.
	SyncDelay time.Duration `json:"sync_delay,omitempty" yaml:"sync_delay,omitempty"`
	// FailOpen, in shared mode, allows requests while the store is
	// unreachable; false denies them. nil means true. Local mode has no
	// store and ignores it.
	FailOpen *bool `json:"fail_open,omitempty" yaml:"fail_open,omitempty" default:"true"`
}

// FailsOpen reports FailOpen with its default applied.
func (l Limits) FailsOpen() bool { return l.FailOpen == nil || *l.FailOpen }

// Timeouts bound the client side of each connection: how long a client may
// take to send its header (slowloris) and body, how long writing the
// response may take, and how long an idle keep-alive connection stays
// open. Zero means the default.
type Timeouts struct {
	ReadHeader time.Duration `json:"read_header,omitempty" yaml:"read_header,omitempty" default:"5s"`
	Read       time.Duration `json:"read,omitempty" yaml:"read,omitempty" default:"30s"`
	Write      time.Duration `json:"write,omitempty" yaml:"write,omitempty" default:"30s"`
	Idle       time.Duration `json:"idle,omitempty" yaml:"idle,omitempty" default:"120s"`
}

// Route is one route: a route.Route (match conditions, backends, mirror,
// rewrites, redirect, timeout, retries) plus what the gateway does on it.
// Exactly one of Service, Backends, Redirect and Aggregate says where the
// request goes.
type Route struct {
	route.Route `yaml:",inline"`
	// Service is shorthand for backends: [{service: S, weight: 1}].
	Service string `json:"service,omitempty" yaml:"service,omitempty"`
	// Auth names the auth policy requests must pass; empty means none.
	Auth string `json:"auth,omitempty" yaml:"auth,omitempty"`
	// RateLimits names limits from Gateway.RateLimits, all applied.
	RateLimits []string `json:"rate_limits,omitempty" yaml:"rate_limits,omitempty"`
	// Transform rewrites the request and the response.
	Transform *transform.Config `json:"transform,omitempty" yaml:"transform,omitempty"`
	// Aggregate fans the request out to several services and merges their
	// JSON answers into one.
	Aggregate *transform.Aggregation `json:"aggregate,omitempty" yaml:"aggregate,omitempty"`
}

// Defaults returns g with every zero field that has a default filled in.
func (g Gateway) Defaults() Gateway {
	if g.Replicas == 0 {
		g.Replicas = DefaultReplicas
	}
	if g.Limits.Mode == "" {
		g.Limits.Mode = ratelimit.ModeLocal
	}
	if g.MaxHeaderBytes == 0 {
		g.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if g.MaxBodyBytes == 0 {
		g.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if g.TLS != nil {
		t := g.TLS.Defaults()
		g.TLS = &t
	}
	t := &g.Timeouts
	for _, f := range []struct {
		d   *time.Duration
		def time.Duration
	}{{&t.ReadHeader, DefaultReadHeader}, {&t.Read, DefaultRead}, {&t.Write, DefaultWrite}, {&t.Idle, DefaultIdle}} {
		if *f.d == 0 {
			*f.d = f.def
		}
	}
	return g
}

// Backends returns the route's backends, with the Service shorthand and an
// aggregation's services expanded (an aggregation's route table entry
// lists the services it fans out to).
func (r *Route) Backends() []route.Backend {
	switch {
	case r.Service != "":
		return []route.Backend{{Service: r.Service, Weight: 1}}
	case r.Aggregate != nil && len(r.Route.Backends) == 0:
		bs := make([]route.Backend, len(r.Aggregate.Backends))
		for i, b := range r.Aggregate.Backends {
			bs[i] = route.Backend{Service: b.Service, Weight: 1}
		}
		return bs
	}
	return r.Route.Backends
}

// Table returns the route table entry of r: the embedded route.Route with
// Backends expanded.
func (r *Route) Table() route.Route {
	rt := r.Route
	rt.Backends = r.Backends()
	return rt
}

// Services lists every service the gateway sends requests to (backends,
// mirrors, aggregation calls), each once, in order of first mention.
func (g *Gateway) Services() []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for i := range g.Routes {
		r := &g.Routes[i]
		add(r.Service)
		for _, b := range r.Route.Backends {
			add(b.Service)
		}
		if r.Mirror != nil {
			add(r.Mirror.Service)
		}
		if r.Aggregate != nil {
			for _, b := range r.Aggregate.Backends {
				add(b.Service)
			}
		}
	}
	return out
}

// LimitByName returns the named rate limit.
func (g *Gateway) LimitByName(name string) (ratelimit.LimitConfig, bool) {
	for _, l := range g.RateLimits {
		if l.Name == name {
			return l, true
		}
	}
	return ratelimit.LimitConfig{}, false
}
