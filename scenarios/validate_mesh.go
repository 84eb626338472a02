package scenarios

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Bounds of the mesh schema, from the policies that read it.
const (
	maxRetryAttempts = 10
	maxRetryRatio    = 10
	minHedgeAttempts = 2
	maxHedgeAttempts = 5
	minCertTTL       = time.Second
	maxDNSName       = 253
)

var (
	// zoneRE is what zone names look like: they become metric labels.
	zoneRE = regexp.MustCompile(`^[a-z0-9-]+$`)
	// tokenRE is an HTTP header or cookie name (RFC 9110 token).
	tokenRE = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
	// dnsRE is a DNS-like name: dot-separated labels of lower-case letters,
	// digits and inner dashes, as SPIFFE trust domains are written.
	dnsRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)
)

// retryConditions are the names retries.retry_on accepts, as
// mesh/resilience parses them.
func retryConditions() []string {
	return []string{"5xx", "gateway-error", "reset", "connect-failure", "retriable-4xx", "retriable-status-codes"}
}

// jitters are the names retries.backoff.jitter accepts.
func jitters() []string { return []string{"full", "equal", "none", "decorrelated"} }

// callerGateway is the name authz rules give the API gateway in from, and
// callerAny admits every authenticated service (Istio's principals: ["*"]).
const (
	callerGateway = "gateway"
	callerAny     = "*"
)

func (v *validator) mesh() {
	m := &v.s.Mesh
	v.oneOf("mesh.mode", m.Mode, "mode", "modes", MeshModes())
	v.policy("mesh", &m.MeshPolicy, m.Timeout)
	for _, name := range sortedKeys(m.Destinations) {
		p := m.Destinations[name]
		dp := "mesh.destinations." + name
		v.reference(dp, name)
		timeout := m.Timeout
		if p.Timeout != 0 {
			timeout = p.Timeout
		}
		v.policy(dp, &p, timeout)
	}
	if hc := m.HealthCheck; hc != nil {
		v.healthCheck("mesh.health_check", hc)
	}
	if l := m.Locality; l != nil {
		v.share("mesh.locality.failover_threshold", l.FailoverThreshold, 0, 1, false, false)
		v.share("mesh.locality.panic_threshold", l.PanicThreshold, 0, 1, false, false)
	}
	v.mtls("mesh.mtls", &m.MTLS)
	v.authz("mesh.authz", m.Authz)
}

// policy checks one MeshPolicy; timeout is the call timeout that applies
// to it, its own or the mesh-wide one.
func (v *validator) policy(path string, p *MeshPolicy, timeout time.Duration) {
	if p.Balancer != "" || v.written(path+".balancer") {
		v.oneOf(path+".balancer", p.Balancer, "balancer", "balancers", Balancers())
	}
	if k := p.HashKey; k != nil {
		v.hashKey(path+".hash_key", k)
	}
	if v.written(path + ".timeout") {
		v.positive(path+".timeout", p.Timeout)
	}
	if tp := path + ".per_try_timeout"; v.written(tp) && !v.broken(tp) {
		switch {
		case p.PerTryTimeout <= 0:
			v.positive(tp, p.PerTryTimeout)
		case timeout > 0 && p.PerTryTimeout > timeout && !v.broken(path+".timeout"):
			v.errorf(tp, "must not exceed the call's timeout (%s), got %s", timeout, v.got(tp, p.PerTryTimeout.String()))
		}
	}
	if r := p.Retries; r != nil {
		v.retries(path+".retries", r)
	}
	if cb := p.CircuitBreaker; cb != nil {
		v.circuitBreaker(path+".circuit_breaker", cb)
	}
	if od := p.OutlierDetection; od != nil {
		v.outlier(path+".outlier_detection", od)
	}
	if h := p.Hedge; h != nil {
		hp := path + ".hedge"
		if !v.broken(hp + ".delay") {
			v.positive(hp+".delay", h.Delay)
		}
		v.between(hp+".max_attempts", h.MaxAttempts, minHedgeAttempts, maxHedgeAttempts)
	}
	if ss := p.SlowStart; ss != nil {
		sp := path + ".slow_start"
		if !v.broken(sp + ".window") {
			v.positive(sp+".window", ss.Window)
		}
		if !v.broken(sp+".aggression") && ss.Aggression <= 0 {
			v.errorf(sp+".aggression", "must be positive, got %s", v.got(sp+".aggression", float(ss.Aggression)))
		}
		v.share(sp+".min_weight", ss.MinWeight, 0, 1, true, false)
	}
}

func (v *validator) hashKey(path string, k *HashKey) {
	for _, f := range []string{"", ".header", ".cookie", ".path", ".client"} {
		if v.broken(path + f) {
			return // which sources are set is not known
		}
	}
	var set []string
	for _, f := range []struct {
		name string
		on   bool
	}{{"header", k.Header != ""}, {"cookie", k.Cookie != ""}, {"path", k.Path}, {"client", k.Client}} {
		if f.on {
			set = append(set, f.name)
		}
	}
	switch {
	case len(set) == 0:
		v.errorf(path, "must set one of header, cookie, path: true or client: true, such as {header: X-User}")
	case len(set) > 1:
		v.errorf(path+"."+set[1], "a hash key takes one of header, cookie, path and client; %s is set too", set[0])
	}
	for _, f := range []struct{ name, value string }{{"header", k.Header}, {"cookie", k.Cookie}} {
		if fp := path + "." + f.name; f.value != "" && !v.broken(fp) && !tokenRE.MatchString(f.value) {
			v.errorf(fp, "%q is not a valid %s name; use letters, digits and dashes, such as X-User", f.value, f.name)
		}
	}
}

func (v *validator) retries(path string, r *Retries) {
	v.between(path+".attempts", r.Attempts, 0, maxRetryAttempts)
	v.nonEmpty(path+".retry_on", len(r.RetryOn), "condition", "[5xx, reset]")
	seen := map[string]string{}
	for i, c := range r.RetryOn {
		ip := index(path+".retry_on", i)
		v.oneOf(ip, c, "retry condition", "conditions", retryConditions())
		v.once(ip, c, seen)
	}
	v.nonEmpty(path+".status_codes", len(r.StatusCodes), "status code", "[503]")
	codes := map[string]string{}
	for i, c := range r.StatusCodes {
		ip := index(path+".status_codes", i)
		v.between(ip, c, 100, 599)
		v.once(ip, fmt.Sprint(c), codes)
	}
	bp := path + ".backoff"
	v.positive(bp+".base", r.Backoff.Base)
	v.notBelow(bp+".max", r.Backoff.Max, "base", bp+".base", r.Backoff.Base)
	v.oneOf(bp+".jitter", r.Backoff.Jitter, "jitter", "jitters", jitters())
	if b := r.Budget; b != nil {
		gp := path + ".budget"
		v.share(gp+".ratio", b.Ratio, 0, maxRetryRatio, false, false)
		if !v.broken(gp+".min_per_second") && b.MinPerSecond < 0 {
			v.errorf(gp+".min_per_second", "must not be negative, got %s", v.got(gp+".min_per_second", float(b.MinPerSecond)))
		}
		v.positive(gp+".ttl", b.TTL)
	}
}

func (v *validator) circuitBreaker(path string, cb *CircuitBreaker) {
	for _, f := range []struct {
		name string
		got  int64
	}{{"max_connections", cb.MaxConnections}, {"max_pending", cb.MaxPending}, {"max_requests", cb.MaxRequests},
		{"max_retries", cb.MaxRetries}, {"consecutive_failures", int64(cb.ConsecutiveFailures)}} {
		v.atLeast(path+"."+f.name, f.got, 0)
	}
	v.positive(path+".cooldown", cb.CoolDown)
	v.notBelow(path+".max_cooldown", cb.MaxCoolDown, "cooldown", path+".cooldown", cb.CoolDown)
	v.atLeast(path+".probes", int64(cb.Probes), 1)
}

func (v *validator) outlier(path string, od *OutlierDetection) {
	v.positive(path+".interval", od.Interval)
	v.atLeast(path+".consecutive_5xx", int64(od.Consecutive5xx), 0)
	v.atLeast(path+".consecutive_gateway_failure", int64(od.ConsecutiveGatewayFailure), 0)
	v.positive(path+".base_ejection_time", od.BaseEjectionTime)
	v.notBelow(path+".max_ejection_time", od.MaxEjectionTime, "base_ejection_time", path+".base_ejection_time", od.BaseEjectionTime)
	v.between(path+".max_ejection_percent", od.MaxEjectionPercent, 0, 100)
	if sr := od.SuccessRate; sr != nil {
		sp := path + ".success_rate"
		if !v.broken(sp+".stdev_factor") && sr.StdevFactor <= 0 {
			v.errorf(sp+".stdev_factor", "must be positive, got %s", v.got(sp+".stdev_factor", float(sr.StdevFactor)))
		}
		v.atLeast(sp+".minimum_hosts", int64(sr.MinimumHosts), 1)
		v.atLeast(sp+".request_volume", int64(sr.RequestVolume), 1)
	}
	if fp := od.FailurePercentage; fp != nil {
		pp := path + ".failure_percentage"
		v.share(pp+".threshold", fp.Threshold, 0, 1, false, false)
		v.atLeast(pp+".minimum_hosts", int64(fp.MinimumHosts), 1)
		v.atLeast(pp+".request_volume", int64(fp.RequestVolume), 1)
	}
}

func (v *validator) healthCheck(path string, hc *HealthCheck) {
	v.positive(path+".interval", hc.Interval)
	tp := path + ".timeout"
	switch {
	case v.broken(tp):
	case hc.Timeout <= 0:
		v.positive(tp, hc.Timeout)
	case hc.Timeout >= hc.Interval && hc.Interval > 0 && !v.broken(path+".interval"):
		v.errorf(tp, "must be below interval (%s) so that one probe ends before the next starts, got %s", hc.Interval, v.got(tp, hc.Timeout.String()))
	}
	v.atLeast(path+".healthy_threshold", int64(hc.HealthyThreshold), 1)
	v.atLeast(path+".unhealthy_threshold", int64(hc.UnhealthyThreshold), 1)
	if pp := path + ".path"; !v.broken(pp) && !strings.HasPrefix(hc.Path, "/") {
		v.errorf(pp, "must start with \"/\", got %q; write /%s", hc.Path, hc.Path)
	}
}

func (v *validator) mtls(path string, t *MTLS) {
	v.oneOf(path+".mode", t.Mode, "mode", "modes", MTLSModes())
	if dp := path + ".trust_domain"; !v.broken(dp) && (len(t.TrustDomain) > maxDNSName || !dnsRE.MatchString(t.TrustDomain)) {
		v.errorf(dp, "trust domain %q must be a DNS-like name: dot-separated labels of lower-case letters, digits and dashes, such as baton.local", t.TrustDomain)
	}
	if cp := path + ".cert_ttl"; !v.broken(cp) && t.CertTTL < minCertTTL {
		v.errorf(cp, "must be at least 1s, got %s", v.got(cp, t.CertTTL.String()))
	}
	v.share(path+".rotate_at", t.RotateAt, 0, 1, true, true)
}

func (v *validator) authz(path string, rules []AuthzRule) {
	callers := append([]string{callerGateway}, v.names...)
	targets := map[string]string{}
	for i, r := range rules {
		rp := index(path, i)
		tp := rp + ".to"
		v.reference(tp, r.To)
		if first, dup := targets[r.To]; dup && !v.broken(tp) {
			v.errorf(tp, "service %q already has a rule (%s); list all its callers in one rule", r.To, first)
		} else if !dup {
			targets[r.To] = rp
		}
		seen := map[string]string{}
		for j, from := range r.From {
			fp := index(rp+".from", j)
			switch {
			case v.broken(fp):
				continue
			case from == callerAny || slices.Contains(callers, from):
			default:
				v.errorf(fp, "unknown caller %q%s", from, knownHint(from, "callers", callers))
			}
			v.once(fp, from, seen)
		}
	}
}

// overrides checks the replica overrides of the service at svcPath.
func (v *validator) overrides(svcPath string, svc *Service) {
	path := svcPath + ".overrides"
	seen := map[int]string{}
	for i, o := range svc.Overrides {
		op := index(path, i)
		if v.broken(op) {
			continue
		}
		rp := op + ".replica"
		switch {
		case v.broken(rp) || v.broken(svcPath+".replicas"):
		case o.Replica < 0 || o.Replica >= svc.Replicas:
			v.errorf(rp, "must be a replica index from 0 to %d (the service has %d %s), got %d",
				svc.Replicas-1, svc.Replicas, plural(svc.Replicas, "replica"), o.Replica)
		default:
			if first, dup := seen[o.Replica]; dup {
				v.errorf(rp, "replica %d is already overridden by %s; merge the two", o.Replica, first)
			}
			seen[o.Replica] = op
		}
		if o.Latency == nil && o.Errors == nil && !v.d.misspelt[op+".latency"] && !v.d.misspelt[op+".errors"] {
			v.errorf(op, "changes nothing; give latency, errors or both")
		}
		if o.Latency != nil {
			v.latency(op+".latency", *o.Latency)
		}
		if e := o.Errors; e != nil {
			v.fraction(op+".errors.rate", e.Rate)
			v.between(op+".errors.status", e.Status, 400, 599)
		}
	}
}

func (v *validator) zones(path string, zones []string) {
	for i, z := range zones {
		zp := index(path, i)
		switch {
		case v.broken(zp):
		case len(z) > maxNameLen:
			v.errorf(zp, "zone name is %d characters long; use at most %d", len(z), maxNameLen)
		case !zoneRE.MatchString(z):
			v.errorf(zp, "zone %q must be lower-case letters, digits and dashes, such as zone-a", z)
		}
	}
}

// written reports whether the file (or a --set) gave the field at path.
func (v *validator) written(path string) bool {
	_, ok := v.d.pos[path]
	return ok
}

func (v *validator) oneOf(path, got, what, plural string, names []string) {
	if v.broken(path) || slices.Contains(names, got) {
		return
	}
	v.errorf(path, "unknown %s %q%s", what, got, knownHint(got, plural, names))
}

// once reports a value that appears twice in one list; seen maps values
// to where they first appeared.
func (v *validator) once(path, value string, seen map[string]string) {
	if v.broken(path) {
		return
	}
	if first, dup := seen[value]; dup {
		v.errorf(path, "%s is listed twice (first as %s); list it once", value, first)
		return
	}
	seen[value] = path
}

// nonEmpty reports a list written empty where empty means nothing useful;
// leaving the list out gives its default.
func (v *validator) nonEmpty(path string, n int, what, example string) {
	if n == 0 && v.written(path) && !v.broken(path) {
		v.errorf(path, "must list at least one %s, such as %s; leave it out for the default", what, example)
	}
}

func (v *validator) positive(path string, got time.Duration) {
	if !v.broken(path) && got <= 0 {
		v.errorf(path, "must be positive, got %s", v.got(path, got.String()))
	}
}

func (v *validator) atLeast(path string, got, lo int64) {
	if !v.broken(path) && got < lo {
		v.errorf(path, "must be at least %d, got %d", lo, got)
	}
}

// notBelow checks that the duration at path is not below the one named
// lowName at lowPath.
func (v *validator) notBelow(path string, got time.Duration, lowName, lowPath string, low time.Duration) {
	if v.broken(path) || v.broken(lowPath) || low <= 0 || got >= low {
		return
	}
	v.errorf(path, "must not be below %s (%s), got %s", lowName, low, v.got(path, got.String()))
}

// share checks a fraction (also written as a percentage) against lo and
// hi; an open end excludes its bound.
func (v *validator) share(path string, got, lo, hi float64, loOpen, hiOpen bool) {
	if v.broken(path) {
		return
	}
	if (loOpen && got > lo || !loOpen && got >= lo) && (hiOpen && got < hi || !hiOpen && got <= hi) {
		return
	}
	l, h := float(lo), float(hi)
	lp, hp := shiftRight2(lo)+"%", shiftRight2(hi)+"%"
	var want string
	switch {
	case !loOpen && !hiOpen:
		want = fmt.Sprintf("between %s and %s (or %s and %s)", l, h, lp, hp)
	case loOpen && !hiOpen:
		want = fmt.Sprintf("above %s and at most %s (or above %s and at most %s)", l, h, lp, hp)
	case loOpen && hiOpen:
		want = fmt.Sprintf("above %s and below %s (or above %s and below %s)", l, h, lp, hp)
	default:
		want = fmt.Sprintf("at least %s and below %s (or at least %s and below %s)", l, h, lp, hp)
	}
	v.errorf(path, "must be %s, got %s", want, v.got(path, float(got)))
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
