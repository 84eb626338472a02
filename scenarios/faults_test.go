package scenarios

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestValidateFault checks the rules for faults built in Go, which
// sim/fault applies through ValidateFault and ValidateInjectedFault: the
// loader's rules, with fields named and no positions.
func TestValidateFault(t *testing.T) {
	ok := Fault{At: time.Second, For: time.Second, Kind: FaultHang}
	with := func(edit func(*Fault)) Fault {
		f := ok
		edit(&f)
		return f
	}
	tests := []struct {
		name string
		f    Fault
		want string // "" for valid
	}{
		{"valid", ok, ""},
		{"zero percentage and status mean the defaults", with(func(f *Fault) { f.Kind, f.Percentage, f.Status = FaultError, 0, 0 }), ""},
		{"endless crash", Fault{Kind: FaultCrash, Target: FaultTarget{Service: "x"}}, ""},
		{"no kind", with(func(f *Fault) { f.Kind = "" }),
			"faults[3].kind: required; kinds are crash, latency, error, hang, slow_body, reset, partition, drop, discovery_loss"},
		{"no for", with(func(f *Fault) { f.For = 0 }), "faults[3].for: must be > 0"},
		{"NaN percentage", with(func(f *Fault) { f.Percentage = math.NaN() }), "faults[3].percentage: must be in (0, 100], got NaN"},
		{"add without dist", with(func(f *Fault) { f.Kind, f.Add = FaultLatency, &Latency{} }),
			"faults[3].add.dist: required; one of constant, uniform, exponential, normal, lognormal, empirical"},
		{"add with an unknown dist", with(func(f *Fault) { f.Kind, f.Add = FaultLatency, &Latency{Dist: "gaussian"} }),
			`faults[3].add.dist: unknown distribution "gaussian"; distributions are constant, uniform, exponential, normal, lognormal, empirical`},
		{"negative constant add", with(func(f *Fault) { f.Kind, f.Add = FaultLatency, &Latency{Dist: DistConstant, Value: -1} }),
			"faults[3].add: must not be negative, got -1ns"},
		{"uniform add upside down", with(func(f *Fault) {
			f.Kind, f.Add = FaultLatency, &Latency{Dist: DistUniform, Min: 2 * time.Millisecond, Max: time.Millisecond}
		}), "faults[3].add.max: must not be below min (2ms), got 1ms"},
		{"empirical add out of order", with(func(f *Fault) {
			f.Kind, f.Add = FaultLatency, &Latency{Dist: DistEmpirical, Percentiles: []Percentile{{0.99, 5}, {0.5, 1}}}
		}), "faults[3].add.percentiles: p50 follows p99; list percentiles in ascending order, each once"},
		{"empirical add outside (0, 1]", with(func(f *Fault) {
			f.Kind, f.Add = FaultLatency, &Latency{Dist: DistEmpirical, Percentiles: []Percentile{{1.5, 5}}}
		}), "faults[3].add.percentiles: quantile 1.5 is outside (0, 1]; write percentiles p0.1 to p100"},
		{"empirical add without points", with(func(f *Fault) { f.Kind, f.Add = FaultLatency, &Latency{Dist: DistEmpirical} }),
			"faults[3].add.percentiles: must give at least one percentile, such as {p50: 3ms, p99: 20ms}"},
		{"two problems", with(func(f *Fault) { f.At, f.Status = -1, 404 }),
			"faults[3].at: must be >= 0, got -1ns\nfaults[3].status: not used by a hang fault; only error faults use it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateFault(tt.f, "faults[3]")
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got %v\nwant %s", err, tt.want)
			}
			var list ErrorList
			if !errors.As(err, &list) || list[0].Line != 0 || list[0].File != "" {
				t.Errorf("got %#v, want an ErrorList without positions", err)
			}
		})
	}
}

func TestValidateInjectedFault(t *testing.T) {
	sc, err := Parse("s.yaml", []byte(`baton: v1
name: s
services: {frontend: {calls: [catalog]}, catalog: {replicas: 2}}
gateway: {routes: [{prefix: /, service: frontend, name: browse}]}
load: {rate: 1}
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    Fault
		sc   *Scenario
		want string
	}{
		{"until cleared", Fault{Kind: FaultHang}, sc, ""},
		{"without a scenario names are not checked", Fault{Kind: FaultError, Target: FaultTarget{Service: "nothing"}}, nil, ""},
		{"unknown service", Fault{Kind: FaultError, Target: FaultTarget{Service: "catalgo"}}, sc,
			`fault.target.service: unknown service "catalgo" (did you mean "catalog"?)`},
		{"replica out of range", Fault{Kind: FaultCrash, Target: FaultTarget{Service: "catalog", Replica: ptrTo(2)}}, sc,
			"fault.target.replica: must be a replica index from 0 to 1 (service catalog has 2 replicas), got 2"},
		{"route and caller", Fault{Kind: FaultDrop, Target: FaultTarget{Route: "brwse", Caller: "nobody"}}, sc,
			`fault.target.caller: unknown caller "nobody"; callers are gateway, frontend, catalog` + "\n" +
				`fault.target.route: unknown route "brwse" (did you mean "browse"?)`},
		{"a crash with for but no restart", Fault{For: time.Second, Kind: FaultCrash, Target: FaultTarget{Service: "catalog"}}, sc,
			"fault.for: a crash without restart never ends; leave for out, or set restart: true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateInjectedFault(tt.f, tt.sc)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
	if err := ValidateFaultTopology(Fault{Kind: FaultPartition, Peer: "pricing"}, "faults[0]", sc); err == nil ||
		err.Error() != `faults[0].peer: unknown service "pricing"; services are frontend, catalog` {
		t.Errorf("ValidateFaultTopology: got %v", err)
	}
}

// TestFaultsAgree: a fault read from a file and the same fault built in Go
// get the same messages, for the same fields.
func TestFaultsAgree(t *testing.T) {
	src := meshBase + `faults:
  - {at: 1s, for: 2s, ramp: 3s, kind: latency, add: {dist: uniform, min: 5ms, max: 1ms}, status: 500}
  - {for: 1s, kind: partition, target: {service: catalog, replica: 1}, peer: catalog, first_n: 2}
`
	_, err := Parse("f.yaml", []byte(src))
	var fromFile ErrorList
	if !errors.As(err, &fromFile) {
		t.Fatalf("Parse: got %v, want an ErrorList", err)
	}
	var fromGo ErrorList
	for i, f := range []Fault{
		{At: time.Second, For: 2 * time.Second, Ramp: 3 * time.Second, Kind: FaultLatency,
			Add: &Latency{Dist: DistUniform, Min: 5 * time.Millisecond, Max: time.Millisecond}, Status: 500},
		{For: time.Second, Kind: FaultPartition, Target: FaultTarget{Service: "catalog", Replica: ptrTo(1)}, Peer: "catalog", FirstN: 2},
	} {
		var list ErrorList
		errors.As(ValidateFault(f, index("faults", i)), &list)
		fromGo = append(fromGo, list...)
	}
	if len(fromFile) != len(fromGo) {
		t.Fatalf("got %d problems from the file and %d from Go:\n%v\n--\n%v", len(fromFile), len(fromGo), fromFile, fromGo)
	}
	// The file's problems come sorted by position, Go's by rule.
	byField := func(a, b *Error) int { return strings.Compare(a.Field+a.Msg, b.Field+b.Msg) }
	slices.SortFunc(fromFile, byField)
	slices.SortFunc(fromGo, byField)
	for i := range fromGo {
		if fromFile[i].Field != fromGo[i].Field || fromFile[i].Msg != fromGo[i].Msg {
			t.Errorf("problem %d: file %q: %q, Go %q: %q", i, fromFile[i].Field, fromFile[i].Msg, fromGo[i].Field, fromGo[i].Msg)
		}
	}
}

func BenchmarkValidateInjectedFault(b *testing.B) {
	f := Fault{At: time.Second, For: time.Second, Kind: FaultLatency, Percentage: 50,
		Target: FaultTarget{Service: "catalog", Caller: "frontend"},
		Add:    &Latency{Dist: DistLognormal, P50: time.Millisecond, P99: 9 * time.Millisecond}}
	b.ReportAllocs()
	for b.Loop() {
		if err := ValidateInjectedFault(f, nil); err != nil {
			b.Fatal(err)
		}
	}
}
