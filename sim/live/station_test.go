package live_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim"
	"github.com/baton-sim/baton/sim/live"
)

// served collects what the replicas report through live.Options.Served.
type served struct {
	mu   sync.Mutex
	reqs []live.ServedRequest
}

func (s *served) add(r live.ServedRequest) {
	s.mu.Lock()
	s.reqs = append(s.reqs, r)
	s.mu.Unlock()
}

func (s *served) of(service string) []live.ServedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []live.ServedRequest
	for _, r := range s.reqs {
		if r.Service == service {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b live.ServedRequest) int { return a.Start.Compare(b.Start) })
	return out
}

const holdScenario = `baton: v1
name: hold
seed: 1
duration: 1s
services:
  front:
    concurrency: 1
    queue: 100
    latency: 1ms
    calls: [back]
  back:
    concurrency: 64
    latency: 20ms
gateway:
  routes:
    - {prefix: /, service: front, name: front}
load:
  rate: 20/s
  arrival: uniform
`

// TestWorkerHeldThroughDownstreamCalls: a thread-per-request service keeps
// its worker until its downstream answer arrives. Front has one worker and
// calls back (20 ms) on every request, so each front request starts only
// after the previous one's call came back: at least 21 ms apart, although
// they arrive every 10 ms. Starts are the station's computed instants, so
// the bound holds however slow the machine is.
func TestWorkerHeldThroughDownstreamCalls(t *testing.T) {
	t.Parallel()
	sc, err := scenarios.Parse("hold.yaml", []byte(holdScenario), scenarios.Set{Path: "load.rate", Value: "100/s"})
	if err != nil {
		t.Fatal(err)
	}
	var got served
	run, err := sim.Run(context.Background(), sc, live.New(live.Options{Served: got.add}), sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if run.Summary.Errors != 0 {
		t.Fatalf("errors %d, by status %v", run.Summary.Errors, run.Summary.ByStatus)
	}
	front := got.of("front")
	if len(front) < 10 {
		t.Fatalf("front served %d requests, want about 100", len(front))
	}
	for i := 1; i < len(front); i++ {
		prev, cur := front[i-1], front[i]
		if !prev.Downstream {
			t.Fatalf("front request %d made no downstream call", i-1)
		}
		// The previous request held the worker for its 1 ms and then
		// until back's 20 ms answer came.
		if gap := cur.Start.Sub(prev.Start); gap < 21*time.Millisecond {
			t.Fatalf("front request %d started %v after the one before, want >= 21ms (worker held through the call)", i, gap)
		}
		if cur.Start.Before(cur.Arrival) {
			t.Fatalf("front request %d started before it arrived", i)
		}
	}
	// Offered 100/s against a worker that turns over at most every 21 ms:
	// the queue grows, and front's sojourns far exceed its own 1 ms.
	if last := front[len(front)-1]; last.Delivered.Sub(last.Arrival) < 100*time.Millisecond {
		t.Errorf("last front sojourn %v, want a queue of several held requests", last.Delivered.Sub(last.Arrival))
	}
}

// TestStationExactUnderLoad: a replica with one worker and constant 5 ms
// service, offered requests faster than it serves them, starts each one
// exactly when the one before finishes, by the station's clock: timer
// overshoot never pushes the queue back.
func TestStationExactUnderLoad(t *testing.T) {
	t.Parallel()
	const sc0 = `baton: v1
name: exact
seed: 1
duration: 1s
services:
  q:
    concurrency: 1
    queue: 1000
    latency: 5ms
gateway:
  routes:
    - {prefix: /, service: q, name: q}
load:
  rate: 300/s
  arrival: uniform
`
	sc, err := scenarios.Parse("exact.yaml", []byte(sc0))
	if err != nil {
		t.Fatal(err)
	}
	var got served
	if _, err := sim.Run(context.Background(), sc, live.New(live.Options{Served: got.add}), sim.Options{}); err != nil {
		t.Fatal(err)
	}
	q := got.of("q")
	busy := 0
	for i := 1; i < len(q); i++ {
		prevEnd := q[i-1].Start.Add(q[i-1].Work)
		want := prevEnd
		if q[i].Arrival.After(want) {
			want = q[i].Arrival
		}
		if !q[i].Start.Equal(want) {
			t.Fatalf("request %d starts %v after the previous end, want max(arrival, previous end)", i, q[i].Start.Sub(prevEnd))
		}
		if q[i].Arrival.Before(prevEnd) {
			busy++
		}
	}
	if busy < len(q)/2 {
		t.Errorf("only %d of %d requests queued; the test needs a busy worker", busy, len(q))
	}
}
