package registry_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/baton-sim/baton/mesh/balance"
	"github.com/baton-sim/baton/mesh/registry"
)

// benchRegistry registers n endpoints over three zones, with slow start on
// and every tenth endpoint ejected, so that Eligible does all its work.
func benchRegistry(b *testing.B, n int) *registry.Registry {
	r := newRegistry(b, registry.Options{SlowStart: registry.SlowStartOptions{Window: time.Minute}})
	for i := range n {
		id := fmt.Sprintf("ep-%d", i)
		must(b, r.Register("svc", &balance.Endpoint{ID: id, Zone: fmt.Sprintf("z%d", i%3)}, t0))
		if i%10 == 9 {
			must(b, r.Eject("svc", id, at(time.Hour), t0))
		}
	}
	return r
}

func BenchmarkEligible(b *testing.B) {
	for _, n := range []int{3, 100, 1000} {
		r := benchRegistry(b, n)
		now := at(30 * time.Second) // mid-ramp: weights use math.Pow
		b.Run(fmt.Sprintf("endpoints=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if s := r.Eligible("svc", "z1", now); len(s.Endpoints) == 0 {
					b.Fatal("empty set")
				}
			}
		})
	}
}

// BenchmarkEjectNotify measures one ejection and its end reaching four
// watchers in two zones.
func BenchmarkEjectNotify(b *testing.B) {
	for _, n := range []int{3, 100, 1000} {
		r := benchRegistry(b, n)
		for _, zone := range []string{"z0", "z0", "z1", ""} {
			r.Watch("svc", zone, t0, func(time.Time, registry.Set) {})
		}
		b.Run(fmt.Sprintf("endpoints=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			now := at(2 * time.Minute)
			for b.Loop() {
				must(b, r.Eject("svc", "ep-0", now.Add(time.Second), now))
				must(b, r.Uneject("svc", "ep-0", now))
			}
		})
	}
}
