package ratelimit

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// DefaultKey is the key of a limit that names none: the client address,
// which needs no authentication.
const DefaultKey = PartIP

// maxLimits bounds the limits on one route (a bit set tracks them).
const maxLimits = 64

// LimitConfig is one limit of a route's policy.
type LimitConfig struct {
	// Name labels the limit in errors and telemetry; optional.
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	// Options is the algorithm and its numbers for consumers whose tier
	// has no override.
	Options `yaml:",inline"`
	// Key is what the limit counts by (ParseKeySpec); "" means DefaultKey.
	Key string `json:"key,omitempty" yaml:"key,omitempty"`
	// SkipMissingKey exempts requests that lack a key part (an anonymous
	// request under a consumer key) instead of counting them all in one
	// shared bucket.
	SkipMissingKey bool `json:"skip_missing_key,omitempty" yaml:"skip_missing_key,omitempty"`
	// Tiers override Options per consumer tier ("gold", "free"): each
	// non-zero field replaces the base one, and each tier counts in its
	// own limiter.
	Tiers map[string]Options `json:"tiers,omitempty" yaml:"tiers,omitempty"`
}

// PolicyConfig is every limit applied to one route.
type PolicyConfig struct {
	Limits   []LimitConfig   `json:"limits" yaml:"limits"`
	ClientIP ClientIPOptions `json:"client_ip,omitempty" yaml:"client_ip,omitempty"`
	// Cluster applies to every limit but concurrency ones, which always
	// count per replica.
	Cluster ClusterOptions `json:"cluster,omitempty" yaml:"cluster,omitempty"`
}

// override returns base with o's non-zero fields laid over it.
func override(base, o Options) Options {
	if o.Algorithm != "" {
		base.Algorithm = o.Algorithm
	}
	if o.Limit != 0 {
		base.Limit = o.Limit
	}
	if o.Window != 0 {
		base.Window = o.Window
	}
	if o.Burst != 0 {
		base.Burst = o.Burst
	}
	if o.Calendar != "" {
		base.Calendar = o.Calendar
	}
	if !o.Anchor.IsZero() {
		base.Anchor = o.Anchor
	}
	if o.MaxKeys != 0 {
		base.MaxKeys = o.MaxKeys
	}
	return base
}

// sortedTiers returns m's tier names in order, so errors and policy strings
// do not depend on map iteration.
func sortedTiers(m map[string]Options) []string {
	names := make([]string, 0, len(m))
	for t := range m {
		names = append(names, t)
	}
	slices.Sort(names)
	return names
}

// Validate reports the first wrong field as a *FieldError with its full
// path ("limits[1].tiers.gold.burst").
func (c PolicyConfig) Validate() error {
	if len(c.Limits) > maxLimits {
		return fieldErr("limits", fmt.Sprintf("at most %d limits per route", maxLimits))
	}
	if err := c.ClientIP.Validate(); err != nil {
		return prefixField("client_ip", err)
	}
	if err := c.Cluster.Validate(); err != nil {
		return prefixField("cluster", err)
	}
	names := map[string]bool{}
	for i, l := range c.Limits {
		path := fmt.Sprintf("limits[%d]", i)
		if l.Name != "" {
			if names[l.Name] {
				return fieldErr(path+".name", fmt.Sprintf("%q used twice", l.Name))
			}
			names[l.Name] = true
		}
		if l.Key != "" {
			if _, err := ParseKeySpec(l.Key); err != nil {
				return fieldErr(path+".key", strings.TrimPrefix(err.Error(), "ratelimit: "))
			}
		}
		if err := l.Options.Validate(); err != nil {
			return prefixField(path, err)
		}
		for _, t := range sortedTiers(l.Tiers) {
			tp := path + ".tiers." + t
			if t == "" {
				return fieldErr(tp, "empty tier name")
			}
			o := override(l.Options, l.Tiers[t])
			if err := o.Validate(); err != nil {
				return prefixField(tp, err)
			}
			if (o.Algorithm == AlgConcurrency) != (l.Algorithm == AlgConcurrency) {
				return fieldErr(tp+".algorithm", "a tier cannot turn a rate limit into a concurrency limit or back")
			}
		}
	}
	return nil
}

// Policy applies every limit of a route to each request: all limits count
// the request, and the most restrictive decision is the answer (see
// Combine). As with Envoy's global descriptors, a limit that allowed a
// request still counts it when another limit denies it; concurrency slots,
// which must be released, are given back at once.
type Policy struct {
	limits []policyLimit
	// policies is the RateLimit-Policy list per tier ("" for the base).
	policies map[string]string
}

type policyLimit struct {
	key         KeyFunc
	skip        bool
	concurrency bool
	base        *Cluster
	tiers       map[string]*Cluster
}

// NewPolicy builds the policy c describes.
func NewPolicy(c PolicyConfig) (*Policy, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	ip, err := NewClientIP(c.ClientIP)
	if err != nil {
		return nil, err
	}
	p := &Policy{policies: map[string]string{}}
	tierNames := map[string]bool{"": true}
	for i, l := range c.Limits {
		spec := l.Key
		if spec == "" {
			spec = DefaultKey
		}
		kf, err := NewKeyFunc(spec, ip)
		if err != nil {
			return nil, err
		}
		pl := policyLimit{key: kf, skip: l.SkipMissingKey, concurrency: l.Algorithm == AlgConcurrency}
		co := c.Cluster
		if pl.concurrency {
			// In-flight counts live in one process.
			co = ClusterOptions{Replicas: c.Cluster.Replicas}
		}
		if pl.base, err = NewCluster(l.Options, co); err != nil {
			return nil, prefixField(fmt.Sprintf("limits[%d]", i), err)
		}
		if len(l.Tiers) > 0 {
			pl.tiers = map[string]*Cluster{}
		}
		for _, t := range sortedTiers(l.Tiers) {
			tierNames[t] = true
			if pl.tiers[t], err = NewCluster(override(l.Options, l.Tiers[t]), co); err != nil {
				return nil, prefixField(fmt.Sprintf("limits[%d].tiers.%s", i, t), err)
			}
		}
		p.limits = append(p.limits, pl)
	}
	for t := range tierNames {
		var list []string
		for i := range p.limits {
			if d := p.limits[i].cluster(t).Describe(); d.Policy != "" {
				list = append(list, d.Policy)
			}
		}
		p.policies[t] = strings.Join(list, ", ")
	}
	return p, nil
}

func (l *policyLimit) cluster(tier string) *Cluster {
	if c, ok := l.tiers[tier]; ok {
		return c
	}
	return l.base
}

// Decide applies every limit to r arriving at replica at now and returns
// the most restrictive decision, whose Policy lists all the limits of r's
// tier. With no limit configured (or all skipped) it allows with a zero
// Limit, and WriteHeaders writes nothing. An allowed request must be
// followed by Release when it ends if the policy has concurrency limits.
func (p *Policy) Decide(replica int, r *Request, now time.Time) Decision {
	var d Decision
	var acquired uint64
	for i := range p.limits {
		l := &p.limits[i]
		key, ok := l.key(r)
		if !ok && l.skip {
			continue
		}
		ld := l.cluster(r.Tier).Allow(replica, key, now)
		if l.concurrency && ld.Allowed {
			acquired |= 1 << i
		}
		d = Combine(d, ld)
	}
	if d.Limit == 0 {
		return Decision{Allowed: true}
	}
	if !d.Allowed && acquired != 0 {
		// The request will not run: give its concurrency slots back.
		for i := range p.limits {
			if acquired&(1<<i) != 0 {
				l := &p.limits[i]
				key, _ := l.key(r)
				l.cluster(r.Tier).Release(replica, key, now)
			}
		}
	}
	pol, ok := p.policies[r.Tier]
	if !ok {
		pol = p.policies[""]
	}
	d.Policy = pol
	return d
}

// Release ends a request that Decide allowed, freeing its concurrency slots.
// It recomputes the keys from r, which must be the same view.
func (p *Policy) Release(replica int, r *Request, now time.Time) {
	for i := range p.limits {
		l := &p.limits[i]
		if !l.concurrency {
			continue
		}
		key, ok := l.key(r)
		if !ok && l.skip {
			continue
		}
		l.cluster(r.Tier).Release(replica, key, now)
	}
}

// SetStoreReachable marks the shared store up or down for every limit.
func (p *Policy) SetStoreReachable(ok bool) {
	for i := range p.limits {
		l := &p.limits[i]
		l.base.SetStoreReachable(ok)
		for _, c := range l.tiers {
			c.SetStoreReachable(ok)
		}
	}
}

// Combine returns the more restrictive of two decisions, the one whose
// headers a client must obey: a denial over an allowance; between denials
// the longer RetryAfter; between allowances the fewer Remaining, then the
// longer Reset, then the smaller Limit. A zero Decision (no limit) yields
// the other.
func Combine(a, b Decision) Decision {
	switch {
	case a.Limit <= 0:
		return b
	case b.Limit <= 0:
		return a
	case a.Allowed != b.Allowed:
		if !a.Allowed {
			return a
		}
		return b
	case !a.Allowed && a.RetryAfter != b.RetryAfter:
		if a.RetryAfter > b.RetryAfter {
			return a
		}
		return b
	case a.Remaining != b.Remaining:
		if a.Remaining < b.Remaining {
			return a
		}
		return b
	case a.Reset != b.Reset:
		if a.Reset > b.Reset {
			return a
		}
		return b
	case b.Limit < a.Limit:
		return b
	}
	return a
}
