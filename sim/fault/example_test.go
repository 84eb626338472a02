package fault_test

import (
	"fmt"
	"time"

	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim/fault"
)

func Example() {
	replica := 0
	faults := []scenarios.Fault{
		// catalog slows down over 5s, then stays 200ms slower.
		{At: 10 * time.Second, For: 20 * time.Second, Ramp: 5 * time.Second, Kind: scenarios.FaultLatency,
			Target: scenarios.FaultTarget{Service: "catalog"},
			Add:    &scenarios.Latency{Dist: scenarios.DistConstant, Value: 200 * time.Millisecond}},
		// catalog-0 crashes at 15s and comes back at 20s.
		{At: 15 * time.Second, For: 5 * time.Second, Kind: scenarios.FaultCrash, Restart: true,
			Target: scenarios.FaultTarget{Service: "catalog", Replica: &replica}},
	}
	tl, err := fault.NewTimeline(faults, 42)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, tr := range tl.Transitions(-1, time.Minute) {
		fmt.Printf("%v: %s fault %d start=%v replica=%d\n", tr.At, tr.Kind, tr.ID, tr.Start, tr.Replica)
	}
	req := fault.Target{Caller: "frontend", Service: "catalog", Replica: "catalog-0"}
	for _, now := range []time.Duration{5 * time.Second, 12 * time.Second, 16 * time.Second, 25 * time.Second} {
		fmt.Printf("at %v: %+v\n", now, tl.Decide(now, req))
	}
	// Output:
	// 10s: latency fault 0 start=true replica=-1
	// 15s: crash fault 1 start=true replica=0
	// 20s: crash fault 1 start=false replica=0
	// 30s: latency fault 0 start=false replica=-1
	// at 5s: {AddLatency:0s Status:0 Hang:false Reset:false ConnectFail:false BandwidthBps:0}
	// at 12s: {AddLatency:80ms Status:0 Hang:false Reset:false ConnectFail:false BandwidthBps:0}
	// at 16s: {AddLatency:0s Status:0 Hang:false Reset:false ConnectFail:true BandwidthBps:0}
	// at 25s: {AddLatency:200ms Status:0 Hang:false Reset:false ConnectFail:false BandwidthBps:0}
}
