package registry_test

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baton-sim/baton/mesh/balance"
	"github.com/baton-sim/baton/mesh/registry"
)

// TestConcurrentUse drives every mutating method, queries, watchers feeding
// real balancers, and Picks on those balancers from several goroutines; run
// it with -race. Time comes from a shared counter so it only moves forward.
func TestConcurrentUse(t *testing.T) {
	r := newRegistry(t, registry.Options{
		HealthCheck: &registry.HealthCheckOptions{Interval: 50 * time.Millisecond, StartHealthy: true},
		SlowStart:   registry.SlowStartOptions{Window: time.Second},
	})
	var clock atomic.Int64
	now := func() time.Time { return t0.Add(time.Duration(clock.Add(int64(time.Millisecond)))) }

	const workers, rounds = 4, 60
	balancers := make([]balance.Balancer, 0, 4)
	for i, zone := range []string{"", "z0", "z1", "z2"} {
		b, err := balance.New(balance.NameLeastRequestFull, balance.Options{Seed: uint64(i)})
		if err != nil {
			t.Fatal(err)
		}
		balancers = append(balancers, b)
		r.Watch("svc", zone, now(), func(now time.Time, s registry.Set) { b.Update(s.Endpoints, now) })
	}
	var stop atomic.Bool
	var writers, readers sync.WaitGroup
	for w := range workers {
		writers.Go(func() {
			for i := range rounds {
				id := fmt.Sprintf("w%d-%d", w, i)
				ep := &balance.Endpoint{ID: id, Zone: fmt.Sprintf("z%d", i%3)}
				must(t, r.Register("svc", ep, now()))
				must(t, r.Eject("svc", id, now().Add(time.Millisecond), now()))
				must(t, r.SetReady("svc", id, i%2 == 0, now()))
				for _, p := range r.Probes(now()) {
					_ = r.ProbeResult(p.Service, p.ID, registry.ProbeOutcome(i%3), now()) // may race a Deregister
				}
				r.Tick(now())
				if i%4 == 0 {
					must(t, r.Drain("svc", id, now()))
				}
				if i%5 == 0 {
					must(t, r.Deregister("svc", id, now()))
				}
			}
		})
	}
	for _, b := range balancers {
		readers.Go(func() {
			for !stop.Load() {
				n := now()
				if ep, err := b.Pick(balance.Request{}, n); err == nil {
					b.Done(ep, balance.Outcome{}, n)
				}
				runtime.Gosched() // leave the two shared cores to the writers
			}
		})
	}
	readers.Go(func() {
		for !stop.Load() {
			n := now()
			_ = r.Eligible("svc", "z1", n)
			_ = r.Snapshot("svc")
			_ = r.Weight("svc", "w0-1", n)
			_, _ = r.TakeEvents()
			runtime.Gosched()
		}
	})
	writers.Wait()
	stop.Store(true)
	readers.Wait()

	// Every worker leaves rounds - rounds/5 instances registered.
	if got, want := len(r.Snapshot("svc")), workers*(rounds-rounds/5); got != want {
		t.Errorf("instances left: got %d, want %d", got, want)
	}
}
