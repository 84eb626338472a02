package fault

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/baton-sim/baton/gateway/route"
	"github.com/baton-sim/baton/scenarios"
)

func TestValidation(t *testing.T) {
	with := func(kind string, edit func(*scenarios.Fault)) scenarios.Fault {
		f := sample(kind)
		edit(&f)
		return f
	}
	kinds := "crash, latency, error, hang, slow_body, reset, partition, drop, discovery_loss"
	for _, c := range []struct {
		name  string
		fault scenarios.Fault
		want  []string
	}{
		{"no kind", with(scenarios.FaultError, func(f *scenarios.Fault) { f.Kind = "" }),
			[]string{"faults[0].kind: required; kinds are " + kinds}},
		{"misspelt kind", with(scenarios.FaultError, func(f *scenarios.Fault) { f.Kind = "latncy" }),
			[]string{`faults[0].kind: unknown kind "latncy" (did you mean "latency"?)`}},
		{"transposed kind", with(scenarios.FaultError, func(f *scenarios.Fault) { f.Kind = "slow_bdoy" }),
			[]string{`faults[0].kind: unknown kind "slow_bdoy" (did you mean "slow_body"?)`}},
		{"unknown kind", with(scenarios.FaultError, func(f *scenarios.Fault) { f.Kind = "explode" }),
			[]string{`faults[0].kind: unknown kind "explode"; kinds are ` + kinds}},
		{"no for", with(scenarios.FaultError, func(f *scenarios.Fault) { f.For = 0 }),
			[]string{"faults[0].for: must be > 0"}},
		{"negative for", with(scenarios.FaultError, func(f *scenarios.Fault) { f.For = -time.Second }),
			[]string{"faults[0].for: must be > 0, got -1s"}},
		{"negative at", with(scenarios.FaultError, func(f *scenarios.Fault) { f.At = -time.Second }),
			[]string{"faults[0].at: must be >= 0, got -1s"}},
		{"endless", with(scenarios.FaultError, func(f *scenarios.Fault) { f.For = Forever }),
			[]string{"faults[0].for: at + for is beyond the end of time; use shorter durations"}},
		{"crash without restart with for", with(scenarios.FaultCrash, func(f *scenarios.Fault) { f.Restart = false }),
			[]string{"faults[0].for: a crash without restart never ends; leave for out, or set restart: true"}},
		{"crash with restart without for", with(scenarios.FaultCrash, func(f *scenarios.Fault) { f.For = 0 }),
			[]string{"faults[0].for: must be > 0"}},
		{"ramp beyond for", with(scenarios.FaultError, func(f *scenarios.Fault) { f.Ramp = 21 * time.Second }),
			[]string{"faults[0].ramp: must be at most for (20s), got 21s"}},
		{"negative ramp", with(scenarios.FaultError, func(f *scenarios.Fault) { f.Ramp = -1 }),
			[]string{"faults[0].ramp: must be >= 0, got -1ns"}},
		{"ramp on crash", with(scenarios.FaultCrash, func(f *scenarios.Fault) { f.Ramp = time.Second }),
			[]string{"faults[0].ramp: not used by a crash fault, which hits whole replicas; only latency, error, hang, slow_body, reset and drop faults use it"}},
		{"percentage too big", with(scenarios.FaultError, func(f *scenarios.Fault) { f.Percentage = 150 }),
			[]string{"faults[0].percentage: must be in (0, 100], got 150"}},
		{"percentage NaN", with(scenarios.FaultError, func(f *scenarios.Fault) { f.Percentage = math.NaN() }),
			[]string{"faults[0].percentage: must be in (0, 100], got NaN"}},
		{"negative percentage", with(scenarios.FaultDrop, func(f *scenarios.Fault) { f.Percentage = -5 }),
			[]string{"faults[0].percentage: must be in (0, 100], got -5"}},
		{"conditions on a crash", with(scenarios.FaultCrash, func(f *scenarios.Fault) {
			f.Percentage, f.FirstN, f.Target.Route, f.Target.Consumer, f.Target.Caller = 50, 3, "r", "c", "gateway"
			f.Target.Header = &scenarios.HeaderMatch{Name: "x"}
		}), []string{
			"faults[0].percentage: not used by a crash fault, which hits whole replicas; only latency, error, hang, slow_body, reset and drop faults use it",
			"faults[0].first_n: not used by a crash fault, which hits whole replicas; only latency, error, hang, slow_body, reset and drop faults use it",
			"faults[0].target.route: not used by a crash fault, which hits whole replicas; only latency, error, hang, slow_body, reset and drop faults use it",
			"faults[0].target.consumer: not used by a crash fault, which hits whole replicas; only latency, error, hang, slow_body, reset and drop faults use it",
			"faults[0].target.caller: not used by a crash fault, which hits whole replicas; only latency, error, hang, slow_body, reset and drop faults use it",
			"faults[0].target.header: not used by a crash fault, which hits whole replicas; only latency, error, hang, slow_body, reset and drop faults use it",
		}},
		{"percentage on a partition", with(scenarios.FaultPartition, func(f *scenarios.Fault) { f.Percentage = 50 }),
			[]string{"faults[0].percentage: not used by a partition fault, which cuts every call between two services; only latency, error, hang, slow_body, reset and drop faults use it"}},
		{"negative first_n", with(scenarios.FaultError, func(f *scenarios.Fault) { f.FirstN = -1 }),
			[]string{"faults[0].first_n: must be >= 0, got -1"}},
		{"header without name", with(scenarios.FaultError, func(f *scenarios.Fault) { f.Target.Header = &scenarios.HeaderMatch{Value: "v"} }),
			[]string{"faults[0].target.header.name: required: the header that turns the fault on, such as name: x-fault"}},
		{"no service", with(scenarios.FaultDiscoveryLoss, func(f *scenarios.Fault) { f.Target.Service = "" }),
			[]string{"faults[0].target.service: required for a discovery_loss fault"}},
		{"negative replica", with(scenarios.FaultCrash, func(f *scenarios.Fault) { f.Target.Replica = ptr(-1) }),
			[]string{"faults[0].target.replica: must be a replica index >= 0, got -1"}},
		{"replica on a partition", with(scenarios.FaultPartition, func(f *scenarios.Fault) { f.Target.Replica = ptr(0) }),
			[]string{"faults[0].target.replica: not used by a partition fault, which is between whole services; only crash, latency, error, hang, slow_body, reset, drop and discovery_loss faults use it"}},
		{"other kinds' parameters", with(scenarios.FaultHang, func(f *scenarios.Fault) {
			f.Add = &scenarios.Latency{Dist: scenarios.DistConstant, Value: 1}
			f.Status, f.Bandwidth, f.Restart, f.Peer = 500, 10, true, "x"
		}), []string{
			"faults[0].add: not used by a hang fault; only latency faults use it",
			"faults[0].status: not used by a hang fault; only error faults use it",
			"faults[0].bandwidth: not used by a hang fault; only slow_body faults use it",
			"faults[0].restart: not used by a hang fault; only crash faults use it",
			"faults[0].peer: not used by a hang fault; only partition faults use it",
		}},
		{"no add", with(scenarios.FaultLatency, func(f *scenarios.Fault) { f.Add = nil }),
			[]string{"faults[0].add: required for a latency fault: a duration such as add: 50ms, or a distribution such as {dist: uniform, min: 10ms, max: 90ms}"}},
		{"bad add", with(scenarios.FaultLatency, func(f *scenarios.Fault) {
			f.Add = &scenarios.Latency{Dist: scenarios.DistLognormal, P50: 10 * time.Millisecond, P99: time.Millisecond}
		}), []string{"faults[0].add.p99: must be above p50 (10ms), got 1ms"}},
		{"status out of range", with(scenarios.FaultError, func(f *scenarios.Fault) { f.Status = 700 }),
			[]string{"faults[0].status: must be an HTTP status in 200..599, got 700"}},
		{"no bandwidth", with(scenarios.FaultSlowBody, func(f *scenarios.Fault) { f.Bandwidth = 0 }),
			[]string{"faults[0].bandwidth: required for a slow_body fault: bytes per second > 0, such as bandwidth: 1024"}},
		{"no peer", with(scenarios.FaultPartition, func(f *scenarios.Fault) { f.Peer = "" }),
			[]string{"faults[0].peer: required for a partition fault: the service on the other side from target.service"}},
		{"peer is the service", with(scenarios.FaultPartition, func(f *scenarios.Fault) { f.Peer = "catalog" }),
			[]string{`faults[0].peer: must differ from target.service "catalog": a partition is between two services`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewTimeline([]scenarios.Fault{c.fault}, 1)
			if err == nil {
				t.Fatalf("NewTimeline succeeded, want %q", c.want)
			}
			var want []string
			for _, w := range c.want {
				want = append(want, "fault: "+w)
			}
			if got := err.Error(); got != strings.Join(want, "\n") {
				t.Errorf("error =\n%s\nwant\n%s", got, strings.Join(want, "\n"))
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not match ErrInvalid", err)
			}
		})
	}
}

// TestValidationIndexes: every problem of every fault is reported, each at
// its index.
func TestValidationIndexes(t *testing.T) {
	good := sample(scenarios.FaultError)
	noFor := sample(scenarios.FaultHang)
	noFor.For = 0
	noBW := sample(scenarios.FaultSlowBody)
	noBW.Bandwidth = 0
	_, err := NewTimeline([]scenarios.Fault{good, good, noFor, good, noBW}, 1)
	want := "fault: faults[2].for: must be > 0\n" +
		"fault: faults[4].bandwidth: required for a slow_body fault: bytes per second > 0, such as bandwidth: 1024"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want\n%s", err, want)
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "faults[2].for" || fe.Msg != "must be > 0" {
		t.Errorf("first FieldError = %+v, want faults[2].for", fe)
	}
}

func TestValidKinds(t *testing.T) {
	for _, k := range scenarios.FaultKinds() {
		if _, err := NewTimeline([]scenarios.Fault{sample(k)}, 1); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
	if _, err := NewTimeline(nil, 1); err != nil {
		t.Errorf("no faults: %v", err)
	}
}

func TestValidateTopology(t *testing.T) {
	sc := &scenarios.Scenario{
		Services: []scenarios.Service{{Name: "frontend", Replicas: 2}, {Name: "catalog", Replicas: 3}},
		Gateway:  scenarios.Gateway{Routes: []scenarios.Route{{Route: route.Route{Name: "browse", Prefix: "/"}, Service: "frontend"}}},
	}
	ok := sample(scenarios.FaultPartition)
	ok.Target.Replica = nil
	fromGateway := sample(scenarios.FaultError)
	fromGateway.Target.Caller, fromGateway.Target.Route, fromGateway.Target.Replica = "gateway", "browse", ptr(2)
	if err := ValidateTopology([]scenarios.Fault{ok, fromGateway}, sc); err != nil {
		t.Errorf("valid faults: %v", err)
	}

	typo := sample(scenarios.FaultError)
	typo.Target.Service = "catalgo"
	replica := sample(scenarios.FaultCrash)
	replica.Target.Replica = ptr(3)
	peer := sample(scenarios.FaultPartition)
	peer.Peer = "pricing"
	caller := sample(scenarios.FaultError)
	caller.Target.Caller, caller.Target.Route = "gatway", "brwose"
	err := ValidateTopology([]scenarios.Fault{typo, replica, peer, caller}, sc)
	want := strings.Join([]string{
		`fault: faults[0].target.service: unknown service "catalgo" (did you mean "catalog"?)`,
		`fault: faults[1].target.replica: must be a replica index from 0 to 2 (service catalog has 3 replicas), got 3`,
		`fault: faults[2].peer: unknown service "pricing"; services are frontend, catalog`,
		`fault: faults[3].target.caller: unknown caller "gatway" (did you mean "gateway"?)`,
		`fault: faults[3].target.route: unknown route "brwose" (did you mean "browse"?)`,
	}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("error =\n%v\nwant\n%s", err, want)
	}
}

// TestLoaderAgrees: the loader reports a scenario file's faults with the
// very messages NewTimeline gives the same faults built in Go, since both
// apply package scenarios' rules; the loader adds the position.
func TestLoaderAgrees(t *testing.T) {
	const src = `baton: v1
name: agree
services: {catalog: {replicas: 2}}
gateway: {routes: [{prefix: /, service: catalog}]}
load: {rate: 1}
faults:
  - {at: 1s, kind: error, status: 700, bandwidth: 5}
  - {at: 1s, for: 1s, kind: latncy}
`
	_, err := scenarios.Parse("agree.yaml", []byte(src))
	want := "agree.yaml:7:5: faults[0].for: must be > 0\n" +
		"agree.yaml:7:35: faults[0].status: must be an HTTP status in 200..599, got 700\n" +
		"agree.yaml:7:51: faults[0].bandwidth: not used by an error fault; only slow_body faults use it\n" +
		`agree.yaml:8:29: faults[1].kind: unknown kind "latncy" (did you mean "latency"?)`
	if err == nil || err.Error() != want {
		t.Fatalf("loader:\ngot  %v\nwant %s", err, want)
	}
	_, err = NewTimeline([]scenarios.Fault{
		{At: s, Kind: scenarios.FaultError, Status: 700, Bandwidth: 5},
		{At: s, For: s, Kind: "latncy"},
	}, 1)
	want = "fault: faults[0].for: must be > 0\n" +
		"fault: faults[0].bandwidth: not used by an error fault; only slow_body faults use it\n" +
		"fault: faults[0].status: must be an HTTP status in 200..599, got 700\n" +
		`fault: faults[1].kind: unknown kind "latncy" (did you mean "latency"?)`
	if err == nil || err.Error() != want {
		t.Fatalf("NewTimeline:\ngot  %v\nwant %s", err, want)
	}
}

// TestInjectValidates: a fault injected at run time meets the same rules,
// named fault, with For 0 meaning until cleared.
func TestInjectValidates(t *testing.T) {
	tl := newTimeline(t, 1)
	if _, err := tl.Inject(scenarios.Fault{Kind: scenarios.FaultHang}, 0); err != nil {
		t.Errorf("Inject until cleared: %v", err)
	}
	_, err := tl.Inject(scenarios.Fault{Kind: "hnag", Status: 500}, 0)
	want := `fault: fault.kind: unknown kind "hnag" (did you mean "hang"?)`
	if err == nil || err.Error() != want {
		t.Errorf("Inject: got %v, want %s", err, want)
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "fault.kind" || !errors.Is(err, ErrInvalid) {
		t.Errorf("Inject: got %#v, want a FieldError on fault.kind matching ErrInvalid", err)
	}
}
