package ratelimit

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

func benchOptions() []Options {
	return []Options{
		{Algorithm: AlgTokenBucket, Limit: 1000, Window: time.Second, Burst: 100},
		{Algorithm: AlgGCRA, Limit: 1000, Window: time.Second, Burst: 100},
		{Algorithm: AlgFixedWindow, Limit: 1000, Window: time.Second},
		{Algorithm: AlgSlidingLog, Limit: 1000, Window: time.Second},
		{Algorithm: AlgSlidingWindowCounter, Limit: 1000, Window: time.Second},
		{Algorithm: AlgConcurrency, Limit: 1000},
		{Algorithm: AlgQuota, Limit: 1000, Calendar: CalendarDay},
	}
}

// keys are pre-built so the benchmark measures the decision, not strconv.
var benchKeys = func() []string {
	ks := make([]string, 1024)
	for i := range ks {
		ks[i] = "consumer-" + strconv.Itoa(i)
	}
	return ks
}()

// BenchmarkAllow is one decision on an existing key, time advancing 1ms a
// call across 1024 keys (about one request per key per second).
func BenchmarkAllow(b *testing.B) {
	for _, o := range benchOptions() {
		b.Run(string(o.Algorithm), func(b *testing.B) {
			l, err := New(o)
			if err != nil {
				b.Fatal(err)
			}
			for _, k := range benchKeys {
				l.Allow(k, t0)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				k := benchKeys[i&1023]
				l.Allow(k, t0.Add(time.Duration(i)*ms))
				if c, ok := l.(*Concurrency); ok {
					c.Release(k, t0)
				}
				i++
			}
		})
	}
}

// BenchmarkAllowParallel is BenchmarkAllow from every P at once.
func BenchmarkAllowParallel(b *testing.B) {
	for _, o := range benchOptions() {
		b.Run(string(o.Algorithm), func(b *testing.B) {
			l, err := New(o)
			if err != nil {
				b.Fatal(err)
			}
			for _, k := range benchKeys {
				l.Allow(k, t0)
			}
			var seq atomic.Int64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := int(seq.Add(1)) * 7919
				for pb.Next() {
					k := benchKeys[i&1023]
					l.Allow(k, t0.Add(time.Duration(i)*ms))
					if c, ok := l.(*Concurrency); ok {
						c.Release(k, t0)
					}
					i++
				}
			})
		})
	}
}

// BenchmarkAllowNewKeys is the insert path: every call a new key, with the
// store at its bound so each insert also drops one.
func BenchmarkAllowNewKeys(b *testing.B) {
	l := mustNew(b, NewTokenBucket, Options{Limit: 1, Window: time.Second, MaxKeys: 1024})
	keys := make([]string, 1<<16)
	for i := range keys {
		keys[i] = "k" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		l.Allow(keys[i&(1<<16-1)], t0.Add(time.Duration(i)))
		i++
	}
}

// BenchmarkSharedAllow is a two-replica shared token bucket with a 10ms
// sync delay: each decision settles due consumption and replays the
// replica's own pending requests.
func BenchmarkSharedAllow(b *testing.B) {
	c, err := NewCluster(benchOptions()[0], ClusterOptions{Mode: ModeShared, Replicas: 2, SyncDelay: 10 * ms})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.Allow(i&1, benchKeys[i&1023], t0.Add(time.Duration(i)*100*time.Microsecond))
		i++
	}
}

func benchRequest() *Request {
	return &Request{
		Peer: "10.0.0.1:41234",
		Header: http.Header{
			"X-Forwarded-For": {"198.51.100.7, 203.0.113.9, 10.0.0.2"},
			"X-Api-Key":       {"k-1234567890"},
		},
		Consumer: "alice",
		Tier:     "gold",
		Route:    "orders",
	}
}

func BenchmarkKey(b *testing.B) {
	ip, err := NewClientIP(ClientIPOptions{TrustedProxies: []string{"10.0.0.0/8"}})
	if err != nil {
		b.Fatal(err)
	}
	r := benchRequest()
	for _, spec := range []string{"consumer", "ip", "header:X-Api-Key", "consumer+route", "ip+route"} {
		kf, err := NewKeyFunc(spec, ip)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(spec, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				kf(r)
			}
		})
		b.Run(spec+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					kf(r)
				}
			})
		})
	}
}

func BenchmarkForwarded(b *testing.B) {
	c, err := NewClientIP(ClientIPOptions{TrustedProxies: []string{"10.0.0.0/8"}, Header: HeaderForwarded})
	if err != nil {
		b.Fatal(err)
	}
	h := http.Header{"Forwarded": {`for=198.51.100.7;proto=https, for="[2001:db8::7]:443", for=10.0.0.2`}}
	b.ReportAllocs()
	for b.Loop() {
		c.Key("10.0.0.1:80", h)
	}
}

// BenchmarkPolicyDecide is a route with two limits and tiers, as the
// gateway calls it: keys, tier lookup, two decisions, combine.
func BenchmarkPolicyDecide(b *testing.B) {
	p, err := NewPolicy(tieredConfig())
	if err != nil {
		b.Fatal(err)
	}
	r := benchRequest()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p.Decide(0, r, t0.Add(time.Duration(i)*ms))
		i++
	}
}

func BenchmarkWriteHeaders(b *testing.B) {
	d := Decision{Limit: 100, Remaining: 0, Reset: 1500 * ms, RetryAfter: 200 * ms, Policy: "100;w=1;burst=20"}
	h := http.Header{}
	b.ReportAllocs()
	for b.Loop() {
		d.WriteHeaders(h)
	}
}
