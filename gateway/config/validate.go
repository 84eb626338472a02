package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/baton-sim/baton/gateway/auth"
	"github.com/baton-sim/baton/gateway/ratelimit"
	"github.com/baton-sim/baton/gateway/route"
	"github.com/baton-sim/baton/gateway/transform"
)

// ErrInvalid is matched (errors.Is) by every error Validate returns.
var ErrInvalid = errors.New("gateway: invalid configuration")

// FieldError is one problem in a gateway configuration. Path is the dotted
// path of the field from the gateway block ("routes[2].rate_limits[0]",
// "auth.consumers[1].name", "" for the block as a whole).
type FieldError struct {
	Path string
	Msg  string
	// Err is the policy package's own error when it found the problem.
	Err error
}

func (e *FieldError) Error() string {
	if e.Path == "" {
		return "gateway: " + e.Msg
	}
	return "gateway: " + e.Path + ": " + e.Msg
}

// Unwrap returns the policy package's error, if any.
func (e *FieldError) Unwrap() error { return e.Err }

// Is makes every FieldError match ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// problems collects every error of one Validate run.
type problems struct{ errs []error }

func (p *problems) add(path, format string, args ...any) {
	p.errs = append(p.errs, &FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (p *problems) wrap(path, msg string, err error) {
	p.errs = append(p.errs, &FieldError{Path: path, Msg: msg, Err: err})
}

// Validate checks g as written (zero values that have a default are valid)
// and reports every problem it finds as a *FieldError, joined with
// errors.Join in field order. It reads no file: JWT key files are read by
// the gateway when it compiles the configuration.
func (g *Gateway) Validate() error {
	p := &problems{}
	g.validateServer(p)
	g.validateTLS(p)
	g.validateAuth(p)
	limits := g.validateRateLimits(p)
	g.validateRoutes(p, limits)
	return errors.Join(p.errs...)
}

func (g *Gateway) validateServer(p *problems) {
	if g.Replicas < 0 || g.Replicas > MaxReplicas {
		p.add("replicas", "must be in 1..%d, got %d", MaxReplicas, g.Replicas)
	}
	switch g.Limits.Mode {
	case "", ratelimit.ModeLocal:
		if g.Limits.SyncDelay != 0 {
			p.add("limits.sync_delay", "only shared mode has a store to sync; set mode: shared or remove it")
		}
	case ratelimit.ModeShared:
		if g.Limits.SyncDelay < 0 {
			p.add("limits.sync_delay", "must not be negative, got %v", g.Limits.SyncDelay)
		}
	default:
		p.add("limits.mode", "unknown mode %q (want local or shared)", g.Limits.Mode)
	}
	if err := g.ClientIP.Validate(); err != nil {
		p.wrap("client_ip."+ratelimitField(err), ratelimitProblem(err), err)
	}
	for _, t := range []struct {
		name string
		d    int64
	}{
		{"read_header", int64(g.Timeouts.ReadHeader)}, {"read", int64(g.Timeouts.Read)},
		{"write", int64(g.Timeouts.Write)}, {"idle", int64(g.Timeouts.Idle)},
	} {
		if t.d < 0 {
			p.add("timeouts."+t.name, "must not be negative")
		}
	}
	if g.MaxHeaderBytes < 0 || g.MaxHeaderBytes > MaxHeaderBytesLimit {
		p.add("max_header_bytes", "must be in 1..%d, got %d", MaxHeaderBytesLimit, g.MaxHeaderBytes)
	}
	if g.MaxBodyBytes < 0 {
		p.add("max_body_bytes", "must not be negative, got %d", g.MaxBodyBytes)
	}
}

func (g *Gateway) validateAuth(p *problems) {
	err := g.Auth.Validate()
	if err == nil {
		return
	}
	for _, e := range flatten(err) {
		if fe, ok := errors.AsType[*auth.FieldError](e); ok {
			p.wrap("auth."+fe.Field, fe.Problem, fe)
			continue
		}
		p.wrap("auth", strings.TrimPrefix(e.Error(), "auth: "), e)
	}
}

// validateRateLimits checks each named limit and returns the names of
// those that exist, for the routes' references.
func (g *Gateway) validateRateLimits(p *problems) map[string]bool {
	names := map[string]bool{}
	first := map[string]int{}
	for i, l := range g.RateLimits {
		path := fmt.Sprintf("rate_limits[%d]", i)
		switch j, dup := first[l.Name]; {
		case l.Name == "":
			p.add(path+".name", "required: routes refer to a limit by its name")
		case dup:
			p.add(path+".name", "%q is already rate_limits[%d]'s name", l.Name, j)
		default:
			first[l.Name] = i
		}
		names[l.Name] = true
		pc := ratelimit.PolicyConfig{Limits: []ratelimit.LimitConfig{l}}
		if err := pc.Validate(); err != nil {
			field := strings.TrimPrefix(ratelimitField(err), "limits[0]")
			field = strings.TrimPrefix(field, ".")
			if field != "" {
				field = "." + field
			}
			p.wrap(path+field, ratelimitProblem(err), err)
		}
	}
	return names
}

func ratelimitField(err error) string {
	if fe, ok := errors.AsType[*ratelimit.FieldError](err); ok {
		return fe.Field
	}
	return ""
}

func ratelimitProblem(err error) string {
	if fe, ok := errors.AsType[*ratelimit.FieldError](err); ok {
		return fe.Problem
	}
	return strings.TrimPrefix(err.Error(), "ratelimit: ")
}

func (g *Gateway) validateRoutes(p *problems, limits map[string]bool) {
	if len(g.Routes) == 0 {
		p.add("routes", "at least one route is needed")
		return
	}
	policies := make([]string, 0, len(g.Auth.Policies))
	for _, pol := range g.Auth.Policies {
		policies = append(policies, pol.Name)
	}
	names := map[string]int{}
	routesOK := true
	for i := range g.Routes {
		r := &g.Routes[i]
		path := fmt.Sprintf("routes[%d]", i)
		switch j, dup := names[r.Name]; {
		case r.Name == "":
			p.add(path+".name", "required: the name labels the route in metrics and in X-Baton-Route")
		case !printable(r.Name):
			p.add(path+".name", "%q: use printable characters (it is sent in a header)", r.Name)
		case dup:
			p.add(path+".name", "%q is already routes[%d]'s name", r.Name, j)
		default:
			names[r.Name] = i
		}
		var dests []string
		if r.Service != "" {
			dests = append(dests, "service")
		}
		if len(r.Route.Backends) > 0 {
			dests = append(dests, "backends")
		}
		if r.Redirect != nil {
			dests = append(dests, "redirect")
		}
		if r.Aggregate != nil {
			dests = append(dests, "aggregate")
		}
		if len(dests) != 1 {
			got := "none"
			if len(dests) > 0 {
				got = strings.Join(dests, " and ")
			}
			p.add(path, "want exactly one of service, backends, redirect and aggregate; got %s", got)
			routesOK = false
		}
		if r.Auth != "" && !slices.Contains(policies, r.Auth) {
			p.add(path+".auth", "unknown auth policy %q%s", r.Auth, known("auth policies", policies))
		}
		seen := map[string]int{}
		for j, name := range r.RateLimits {
			lp := fmt.Sprintf("%s.rate_limits[%d]", path, j)
			if k, dup := seen[name]; dup {
				p.add(lp, "%q is already rate_limits[%d] of this route", name, k)
				continue
			}
			seen[name] = j
			if !limits[name] || name == "" {
				p.add(lp, "unknown rate limit %q%s", name, known("rate limits", limitNames(g.RateLimits)))
			}
		}
		if r.Redirect != nil {
			// A redirect is answered before authentication and limits,
			// so settings for them could only mislead.
			if r.Auth != "" {
				p.add(path+".auth", "a redirect route answers before authentication; remove auth")
			}
			if len(r.RateLimits) > 0 {
				p.add(path+".rate_limits", "a redirect route answers before rate limiting; remove rate_limits")
			}
			if r.Transform != nil {
				p.add(path+".transform", "a redirect route forwards nothing to transform; remove transform")
			}
		}
		if r.Aggregate != nil && r.Mirror != nil {
			p.add(path+".mirror", "an aggregate route fans out already; mirror one of its services instead")
		}
		if r.Transform != nil {
			if err := r.Transform.Validate(); err != nil {
				p.wrap(path+".transform."+transformField(err), transformProblem(err), err)
			}
		}
		if r.Aggregate != nil {
			if err := r.Aggregate.Validate(); err != nil {
				p.wrap(path+".aggregate."+transformField(err), transformProblem(err), err)
			}
		}
		if len(dests) == 1 {
			tr := r.Table()
			if err := tr.Validate(); err != nil {
				routesOK = false
				fe, _ := errors.AsType[*route.FieldError](err)
				p.wrap(routeField(path, r, fe), routeProblem(err, fe), err)
			}
		}
	}
	if !routesOK {
		return
	}
	// Compile checks routes against each other (duplicates).
	tables := make([]route.Route, len(g.Routes))
	for i := range g.Routes {
		tables[i] = g.Routes[i].Table()
	}
	if _, err := route.Compile(tables); err != nil {
		fe, _ := errors.AsType[*route.FieldError](err)
		path := "routes"
		if fe != nil && fe.Index >= 0 {
			path = fmt.Sprintf("routes[%d]", fe.Index)
			p.wrap(routeField(path, &g.Routes[fe.Index], fe), routeProblem(err, fe), err)
			return
		}
		p.wrap(path, routeProblem(err, fe), err)
	}
}

// routeField places a route package error: fields of the expanded
// backends belong to the shorthand the file actually wrote.
func routeField(path string, r *Route, fe *route.FieldError) string {
	if fe == nil || fe.Field == "" {
		return path
	}
	if strings.HasPrefix(fe.Field, "backends") && len(r.Route.Backends) == 0 {
		switch {
		case r.Service != "":
			return path + ".service"
		case r.Aggregate != nil:
			return path + ".aggregate"
		}
	}
	return path + "." + fe.Field
}

func routeProblem(err error, fe *route.FieldError) string {
	if fe != nil {
		return fe.Err.Error()
	}
	return strings.TrimPrefix(err.Error(), "route: ")
}

func transformField(err error) string {
	if ce, ok := errors.AsType[*transform.ConfigError](err); ok {
		return ce.Field
	}
	return ""
}

func transformProblem(err error) string {
	if ce, ok := errors.AsType[*transform.ConfigError](err); ok {
		if u := ce.Unwrap(); u != nil {
			return u.Error()
		}
	}
	return strings.TrimPrefix(err.Error(), "transform: ")
}

// flatten lists the errors errors.Join put together.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func limitNames(ls []ratelimit.LimitConfig) []string {
	var out []string
	for _, l := range ls {
		if l.Name != "" {
			out = append(out, l.Name)
		}
	}
	return out
}

func known(what string, names []string) string {
	if len(names) == 0 {
		return " (none are defined)"
	}
	return fmt.Sprintf(" (known %s: %s)", what, strings.Join(names, ", "))
}

// printable reports a name that can travel in a header value: visible
// ASCII and spaces.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' {
			return false
		}
	}
	return true
}
