package registry_test

import (
	"fmt"
	"time"

	"github.com/baton-sim/baton/mesh/balance"
	"github.com/baton-sim/baton/mesh/registry"
)

// A calling replica in zone "a" keeps its balancer fed from the registry.
func ExampleRegistry_Watch() {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	reg, _ := registry.New(registry.Options{})
	b, _ := balance.New(balance.NameRoundRobin, balance.Options{Seed: 1})
	cancel := reg.Watch("backend", "a", start, func(now time.Time, s registry.Set) {
		b.Update(s.Endpoints, now) // quick, and no calls back into reg
		fmt.Println(len(s.Endpoints), "eligible, local:", s.Local)
	})
	defer cancel()

	_ = reg.Register("backend", &balance.Endpoint{ID: "backend-1", Addr: "127.0.0.1:9001", Zone: "a"}, start)
	// Another zone's endpoint does not change what a caller in zone a sees.
	_ = reg.Register("backend", &balance.Endpoint{ID: "backend-2", Addr: "127.0.0.1:9002", Zone: "b"}, start)
	// The outlier detector ejects backend-1 for 30s: zone a has no healthy
	// endpoint left, so the caller fails over to zone b.
	_ = reg.Eject("backend", "backend-1", start.Add(40*time.Second), start.Add(10*time.Second))
	ep, _ := b.Pick(balance.Request{}, start.Add(11*time.Second))
	fmt.Println("picked", ep.ID)
	reg.Tick(start.Add(40 * time.Second))
	// Output:
	// 0 eligible, local: false
	// 1 eligible, local: true
	// 1 eligible, local: false
	// picked backend-2
	// 1 eligible, local: true
}
