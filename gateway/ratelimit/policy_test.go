package ratelimit

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

func tieredConfig() PolicyConfig {
	return PolicyConfig{
		Limits: []LimitConfig{
			{
				Name:    "per-second",
				Options: Options{Algorithm: AlgTokenBucket, Limit: 10, Window: time.Second, Burst: 5},
				Key:     "consumer",
				Tiers: map[string]Options{
					"gold":   {Limit: 100, Burst: 50},
					"silver": {Limit: 50, Burst: 20},
				},
			},
			{
				Name:    "daily",
				Options: Options{Algorithm: AlgQuota, Limit: 8, Window: 24 * time.Hour},
				Key:     "consumer",
				Tiers:   map[string]Options{"gold": {Limit: 100000}},
			},
		},
	}
}

// TestPolicyTiers: each tier gets its own numbers; an unknown tier gets the
// base ones; each consumer counts separately.
func TestPolicyTiers(t *testing.T) {
	p, err := NewPolicy(tieredConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		consumer, tier string
		want           int // allowed of 100 at one instant
	}{
		{"g1", "gold", 50},
		// Silver's bucket holds 20, but silver has no quota override:
		// the base daily quota of 8 is the tighter limit.
		{"s1", "silver", 8},
		// Base burst 5.
		{"f1", "free", 5},
		{"f2", "", 5},
	} {
		allowed := 0
		for range 100 {
			if p.Decide(0, &Request{Consumer: tc.consumer, Tier: tc.tier}, t0).Allowed {
				allowed++
			}
		}
		if allowed != tc.want {
			t.Errorf("%s (%s): got %d allowed, want %d", tc.consumer, tc.tier, allowed, tc.want)
		}
	}
}

// TestPolicyMostRestrictive: the per-second bucket (burst 5) decides at
// first; once the daily quota of 8 is nearly spent, it decides, and the
// headers follow whichever is closer to its limit.
func TestPolicyMostRestrictive(t *testing.T) {
	p, err := NewPolicy(tieredConfig())
	if err != nil {
		t.Fatal(err)
	}
	r := &Request{Consumer: "c", Tier: "free"}
	steps := []struct {
		at        time.Duration
		ok        bool
		limit     int64
		remaining int64
		retry     time.Duration
	}{
		// bucket 4 left, quota 7: the bucket is tighter.
		{0, true, 5, 4, 0},
		{0, true, 5, 3, 0},
		{0, true, 5, 2, 0},
		{0, true, 5, 1, 0},
		// bucket 0, quota 3.
		{0, true, 5, 0, 0},
		{0, false, 5, 0, 100 * ms},
		// A second later the bucket has 5 again, the quota 3: the quota
		// is tighter (and was charged for the denied request too, as
		// Envoy's descriptors are: 2 left after this one).
		{time.Second, true, 8, 1, 0},
		{time.Second, true, 8, 0, 0},
		// Both deny: the quota's wait (to midnight) is the longer.
		{time.Second, false, 8, 0, 24*time.Hour - time.Second},
	}
	for i, s := range steps {
		d := p.Decide(0, r, t0.Add(s.at))
		if d.Allowed != s.ok || d.Limit != s.limit || d.Remaining != s.remaining || d.RetryAfter != s.retry {
			t.Errorf("step %d: got %+v, want ok=%v limit=%d remaining=%d retry=%v", i, d, s.ok, s.limit, s.remaining, s.retry)
		}
		if got, want := d.Policy, "10;w=1;burst=5, 8;w=86400"; got != want {
			t.Errorf("step %d: policy: got %q, want %q", i, got, want)
		}
	}
	// Gold's policy list has gold's numbers.
	if got, want := p.Decide(0, &Request{Consumer: "g", Tier: "gold"}, t0).Policy, "100;w=1;burst=50, 100000;w=86400"; got != want {
		t.Errorf("gold policy: got %q, want %q", got, want)
	}
}

// TestPolicyConcurrencyReleasedOnDeny: a request denied by a rate limit
// gives back the concurrency slot it took; an allowed one holds it until
// Release.
func TestPolicyConcurrencyReleasedOnDeny(t *testing.T) {
	p, err := NewPolicy(PolicyConfig{Limits: []LimitConfig{
		{Options: Options{Algorithm: AlgConcurrency, Limit: 1}, Key: "consumer"},
		{Options: Options{Algorithm: AlgFixedWindow, Limit: 1, Window: time.Second}, Key: "consumer+route"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	a := &Request{Consumer: "c", Route: "a"}
	b := &Request{Consumer: "c", Route: "b"}
	if !p.Decide(0, a, t0).Allowed {
		t.Fatal("first request denied")
	}
	// Route a's window is spent, and the slot is held.
	if d := p.Decide(0, a, t0); d.Allowed {
		t.Fatal("second request allowed")
	}
	p.Release(0, a, t0)
	// The slot is free; route a's window is still spent, which must not
	// leak the slot.
	if p.Decide(0, a, t0).Allowed {
		t.Fatal("route a allowed twice in a window")
	}
	if d := p.Decide(0, b, t0); !d.Allowed {
		t.Fatalf("route b denied: %+v (slot leaked)", d)
	}
}

func TestPolicySkipMissingKey(t *testing.T) {
	for _, tc := range []struct {
		skip bool
		want int
	}{
		// All anonymous requests share one bucket of 2...
		{false, 2},
		// ...or are not limited by this limit at all.
		{true, 10},
	} {
		p, err := NewPolicy(PolicyConfig{Limits: []LimitConfig{{
			Options:        Options{Algorithm: AlgFixedWindow, Limit: 2, Window: time.Second},
			Key:            "consumer",
			SkipMissingKey: tc.skip,
		}}})
		if err != nil {
			t.Fatal(err)
		}
		allowed := 0
		for i := range 10 {
			d := p.Decide(0, &Request{Peer: "1.1.1.1:" + string(rune('0'+i))}, t0)
			if d.Allowed {
				allowed++
			}
		}
		if allowed != tc.want {
			t.Errorf("skip %v: got %d allowed, want %d", tc.skip, allowed, tc.want)
		}
	}
}

// TestPolicyNoLimits: nothing to apply allows, and writes no headers.
func TestPolicyNoLimits(t *testing.T) {
	p, err := NewPolicy(PolicyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	d := p.Decide(0, &Request{}, t0)
	h := http.Header{}
	d.WriteHeaders(h)
	if !d.Allowed || len(h) != 0 {
		t.Errorf("got %+v and %v, want allowed with no headers", d, h)
	}
}

// TestPolicyDefaultKeyIsIP: a limit with no key counts by client address,
// through the policy's trusted proxies.
func TestPolicyDefaultKeyIsIP(t *testing.T) {
	p, err := NewPolicy(PolicyConfig{
		Limits:   []LimitConfig{{Options: Options{Algorithm: AlgFixedWindow, Limit: 1, Window: time.Second}}},
		ClientIP: ClientIPOptions{TrustedProxies: []string{"10.0.0.0/8"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	via := func(client string) *Request {
		return &Request{Peer: "10.0.0.1:80", Header: http.Header{"X-Forwarded-For": {client}}}
	}
	if !p.Decide(0, via("1.1.1.1"), t0).Allowed || p.Decide(0, via("1.1.1.1"), t0).Allowed || !p.Decide(0, via("2.2.2.2"), t0).Allowed {
		t.Error("want one request per client address")
	}
}

// TestPolicySharedStore: a shared-mode policy spans replicas, a concurrency
// limit in it stays per replica, and the store fault flips every limit.
func TestPolicySharedStore(t *testing.T) {
	p, err := NewPolicy(PolicyConfig{
		Limits: []LimitConfig{
			{Options: Options{Algorithm: AlgFixedWindow, Limit: 2, Window: time.Second}, Key: "route"},
			{Options: Options{Algorithm: AlgConcurrency, Limit: 10}, Key: "route"},
		},
		Cluster: ClusterOptions{Mode: ModeShared, Replicas: 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &Request{Route: "x"}
	got := []bool{p.Decide(0, r, t0).Allowed, p.Decide(1, r, t0).Allowed, p.Decide(0, r, t0).Allowed}
	if !got[0] || !got[1] || got[2] {
		t.Errorf("shared window of 2 over two replicas: got %v", got)
	}
	p.SetStoreReachable(false)
	if p.Decide(1, r, t0).Allowed {
		t.Error("fail-closed store down: allowed")
	}
}

func TestPolicyValidate(t *testing.T) {
	good := func() PolicyConfig { return tieredConfig() }
	for _, tc := range []struct {
		name  string
		edit  func(*PolicyConfig)
		field string
	}{
		{"tier burst", func(c *PolicyConfig) { c.Limits[0].Tiers["gold"] = Options{Burst: -1} }, "limits[0].tiers.gold.burst"},
		{"tier algorithm", func(c *PolicyConfig) { c.Limits[1].Tiers["gold"] = Options{Algorithm: "nope"} }, "limits[1].tiers.gold.algorithm"},
		{"tier to concurrency", func(c *PolicyConfig) {
			c.Limits[1].Tiers["gold"] = Options{Algorithm: AlgConcurrency, Window: 0}
		}, "limits[1].tiers.gold.window"},
		{"concurrency to rate", func(c *PolicyConfig) {
			c.Limits[0] = LimitConfig{
				Options: Options{Algorithm: AlgConcurrency, Limit: 4},
				Tiers:   map[string]Options{"gold": {Algorithm: AlgFixedWindow, Window: time.Second}},
			}
		}, "limits[0].tiers.gold.algorithm"},
		{"base window", func(c *PolicyConfig) { c.Limits[1].Window = 0 }, "limits[1].window"},
		{"key", func(c *PolicyConfig) { c.Limits[0].Key = "consumer+nope" }, "limits[0].key"},
		{"duplicate name", func(c *PolicyConfig) { c.Limits[1].Name = "per-second" }, "limits[1].name"},
		{"empty tier", func(c *PolicyConfig) { c.Limits[0].Tiers[""] = Options{} }, "limits[0].tiers."},
		{"client ip", func(c *PolicyConfig) { c.ClientIP.TrustedProxies = []string{"x"} }, "client_ip.trusted_proxies[0]"},
		{"cluster", func(c *PolicyConfig) { c.Cluster.Mode = "mesh" }, "cluster.mode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good()
			tc.edit(&c)
			_, err := NewPolicy(c)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("got %v, want an error on %q", err, tc.field)
			}
		})
	}
}

func TestCombine(t *testing.T) {
	allow := func(rem int64, reset time.Duration, limit int64) Decision {
		return Decision{Allowed: true, Limit: limit, Remaining: rem, Reset: reset}
	}
	deny := func(retry time.Duration) Decision { return Decision{Limit: 5, RetryAfter: retry} }
	for _, tc := range []struct {
		name string
		a, b Decision
		want Decision
	}{
		{"zero yields other", Decision{}, allow(3, 0, 5), allow(3, 0, 5)},
		{"other zero", allow(3, 0, 5), Decision{}, allow(3, 0, 5)},
		{"deny beats allow", allow(0, 0, 5), deny(ms), deny(ms)},
		{"longer wait", deny(ms), deny(time.Second), deny(time.Second)},
		{"fewer remaining", allow(3, 0, 100), allow(1, 0, 5), allow(1, 0, 5)},
		{"longer reset", allow(1, ms, 5), allow(1, time.Second, 5), allow(1, time.Second, 5)},
		{"smaller limit", allow(1, ms, 50), allow(1, ms, 5), allow(1, ms, 5)},
	} {
		if got := Combine(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
		if got := Combine(tc.b, tc.a); got != tc.want {
			t.Errorf("%s (swapped): got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
