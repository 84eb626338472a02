package live_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/baton-sim/baton/reports"
	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim"
	"github.com/baton-sim/baton/sim/live"
)

const faultTopology = `baton: v1
name: faults
duration: 3s
services:
  web:
    replicas: 2
    concurrency: 64
    queue: 1000
    latency: 1ms
    calls: [api]
  api:
    replicas: 2
    concurrency: 64
    queue: 1000
    latency: 1ms
    response_bytes: 1000
gateway:
  routes: [{prefix: /, service: web}]
mesh:
  timeout: 2s
load:
  rate: 40/s
  arrival: uniform
`

// TestFaultKindsInTheirWindow injects each kind of fault on the api
// service from 1s to 2s and checks that it shows in the recorded outcomes
// in that window and not in the others. Requests are bucketed by intended
// send time and faults decided at send time, so a request at a window
// edge may fall either side.
func TestFaultKindsInTheirWindow(t *testing.T) {
	tests := []struct {
		name  string
		fault scenarios.Fault
		// hit reports whether a window shows the fault.
		hit func(w reports.Window) bool
	}{
		{"error", scenarios.Fault{Kind: scenarios.FaultError, Status: 503},
			failing}, // web fails its request when api fails
		{"latency", scenarios.Fault{Kind: scenarios.FaultLatency, Add: &scenarios.Latency{Dist: scenarios.DistConstant, Value: 300 * time.Millisecond}},
			func(w reports.Window) bool { return w.Latency.P50 >= 300 }},
		{"reset", scenarios.Fault{Kind: scenarios.FaultReset},
			failing},
		{"drop", scenarios.Fault{Kind: scenarios.FaultDrop, Percentage: 100},
			failing},
		{"partition", scenarios.Fault{Kind: scenarios.FaultPartition, Peer: "web"},
			failing},
		{"slow_body", scenarios.Fault{Kind: scenarios.FaultSlowBody, Bandwidth: 2000},
			func(w reports.Window) bool { return w.Latency.P50 >= 400 }}, // 1000 bytes at 2000 B/s
		{"crash", scenarios.Fault{Kind: scenarios.FaultCrash, Restart: true},
			failing},
	}
	for _, tt := range tests {
		// Not in parallel: a crashed replica's port is free until it
		// restarts, and another test's listener could take it.
		t.Run(tt.name, func(t *testing.T) {
			sc := parse(t, faultTopology)
			f := tt.fault
			f.At, f.For = time.Second, time.Second
			f.Target = scenarios.FaultTarget{Service: "api"}
			if f.Kind == scenarios.FaultCrash {
				f.Target.Replica = nil // both replicas
			}
			sc.Faults = []scenarios.Fault{f}
			r := run(t, sc)
			if len(r.Windows) < 3 {
				t.Fatalf("%d windows, want 3", len(r.Windows))
			}
			for i, w := range r.Windows[:3] {
				hit := tt.hit(w)
				if i == 1 && !hit {
					t.Errorf("window %d: fault not seen: statuses %v, p50 %vms", i, w.ByStatus, w.Latency.P50)
				}
				if i != 1 && hit {
					t.Errorf("window %d: fault seen outside its window: statuses %v, p50 %vms", i, w.ByStatus, w.Latency.P50)
				}
			}
		})
	}
}

// failing reports a window where nine requests in ten or more failed with
// 502 (the web replica's answer when its call to api fails). The slack
// absorbs edge requests and a busy machine's stray failure; a fault that
// leaks out of its window fails far more.
func failing(w reports.Window) bool { return w.ByStatus["502"]*10 >= w.Requests*9 && w.Requests > 0 }

// TestDiscoveryLoss takes api-0 out of discovery for a second: it keeps
// serving, but callers stop sending to it, so it serves a third less.
func TestDiscoveryLoss(t *testing.T) {
	sc := parse(t, faultTopology)
	zero := 0
	sc.Faults = []scenarios.Fault{{Kind: scenarios.FaultDiscoveryLoss, At: time.Second, For: time.Second,
		Target: scenarios.FaultTarget{Service: "api", Replica: &zero}}}
	s := run(t, sc).Summary
	if s.Errors != 0 {
		t.Errorf("%d errors; discovery loss must not fail requests", s.Errors)
	}
	api := s.Services[1]
	if a0, a1 := api.Replicas[0].Requests, api.Replicas[1].Requests; a0+20 > a1 {
		t.Errorf("api-0 served %d, api-1 %d: want api-0 about 40 fewer (a second without it at 40/s)", a0, a1)
	}
}

// TestStallShowsInP99 stalls the first hop for a second (every request
// sent in it waits a second more): latency measured from intended send
// times puts that second into p99 instead of hiding it.
func TestStallShowsInP99(t *testing.T) {
	sc := parse(t, faultTopology)
	sc.Duration = 4 * time.Second
	sc.Faults = []scenarios.Fault{{Kind: scenarios.FaultLatency, At: time.Second, For: time.Second,
		Add: &scenarios.Latency{Dist: scenarios.DistConstant, Value: time.Second}, Target: scenarios.FaultTarget{Service: "web"}}}
	s := run(t, sc).Summary
	if s.Latency.P99 < 1000 {
		t.Errorf("p99 = %vms after a 1s stall of a quarter of the run, want >= 1000ms", s.Latency.P99)
	}
	if s.Errors != 0 {
		t.Errorf("%d errors, want none: a stall is slow, not failed", s.Errors)
	}
}

// TestSetRateWhileRunning turns a 20/s run to 100/s after a second through
// the control interface: the third second carries 100 intended arrivals.
func TestSetRateWhileRunning(t *testing.T) {
	sc := parse(t, faultTopology)
	sc.Load.Rate = 20
	ctls := make(chan sim.Control, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctl := <-ctls
		time.Sleep(1100 * time.Millisecond)
		if err := ctl.SetRate(100); err != nil {
			t.Error(err)
		}
	}()
	r, err := sim.Run(context.Background(), sc, live.New(live.Options{}), sim.Options{OnControl: func(c sim.Control) { ctls <- c }})
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Windows[0].Requests; got != 20 {
		t.Errorf("window 0: %d requests, want 20", got)
	}
	if got := r.Windows[2].Requests; got < 99 || got > 101 {
		t.Errorf("window 2: %d requests, want 100 after SetRate(100)", got)
	}
}

const rampTopology = `baton: v1
name: ramp
services:
  api: {replicas: 2, latency: 1ms, concurrency: 64}
gateway:
  routes: [{prefix: /, service: api}]
load:
  arrival: uniform
  stages:
    - ramp: {from: 10, to: 50, duration: 4s}
    - constant: {rate: 50, duration: 1s}
`

// TestRampHitsWindowTargets runs a linear ramp from 10/s to 50/s over 4 s,
// then holds 50/s: each one-second window carries exactly the ramp's
// integral over it (15, 25, 35, 45, 50), every request sent.
func TestRampHitsWindowTargets(t *testing.T) {
	r := run(t, parse(t, rampTopology))
	want := []int64{15, 25, 35, 45, 50}
	if len(r.Windows) != len(want) {
		t.Fatalf("%d windows, want %d", len(r.Windows), len(want))
	}
	for i, w := range r.Windows {
		if w.Requests != want[i] {
			t.Errorf("window %d: %d requests, want %d", i, w.Requests, want[i])
		}
	}
	if r.Summary.Errors != 0 {
		t.Errorf("%d errors on an idle topology", r.Summary.Errors)
	}
}

// TestClosedModel runs five virtual users thinking 50ms between answers
// and requests: each user has at most one request out, so the run can
// never send more than users x (duration/think + 1).
func TestClosedModel(t *testing.T) {
	sc := parse(t, strings.Replace(rampTopology, `  arrival: uniform
  stages:
    - ramp: {from: 10, to: 50, duration: 4s}
    - constant: {rate: 50, duration: 1s}`, `  model: closed
  users: 5
  think: 50ms`, 1))
	sc.Duration = 2 * time.Second
	s := run(t, sc).Summary
	if s.Requests == 0 || s.Errors != 0 {
		t.Fatalf("%d requests, %d errors; want some, none failed", s.Requests, s.Errors)
	}
	if limit := int64(5 * (2*time.Second/(50*time.Millisecond) + 1)); s.Requests > limit {
		t.Errorf("%d requests from 5 users thinking 50ms for 2s, want at most %d", s.Requests, limit)
	}
}

// TestRolloutMovesTheSplit starts a canary at 10 % and moves it to 50 %
// after a second: v2's share of the first second is one in ten, of the
// next about one in two.
func TestRolloutMovesTheSplit(t *testing.T) {
	sc := parse(t, `baton: v1
name: canary
duration: 2s
services:
  v1: {replicas: 1, latency: 1ms}
  v2: {replicas: 1, latency: 1ms}
gateway:
  routes:
    - {name: api, prefix: /, backends: [{service: v1, weight: 90}, {service: v2, weight: 10}]}
load:
  rate: 100/s
  arrival: uniform
rollout:
  - {at: 1s, route: api, backends: [{service: v1, weight: 50}, {service: v2, weight: 50}]}
`)
	r := run(t, sc)
	if r.Summary.Errors != 0 {
		t.Fatalf("%d errors", r.Summary.Errors)
	}
	// The step lands on the engine's 100ms maintenance tick, so up to ten
	// requests of the second window may still see the old split.
	for i, want := range [][2]int64{{7, 13}, {40, 55}} {
		got := r.Windows[i].Services["v2"].Requests
		if got < want[0] || got > want[1] {
			t.Errorf("window %d: v2 served %d of 100, want %d to %d", i, got, want[0], want[1])
		}
	}
	if r.Summary.Events[reports.EventRollout] != 1 {
		t.Errorf("rollout events = %d, want 1", r.Summary.Events[reports.EventRollout])
	}
}
