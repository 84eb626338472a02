package registry_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/baton-sim/baton/mesh/registry"
)

// zoned returns ids "<zone>-<i>" for i in 1..n.
func zoned(zone string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%d", zone, i+1)
	}
	return out
}

func TestEligibleZonesAndPanic(t *testing.T) {
	// Seven endpoints in zone a, three in zone b.
	all := append(zoned("a", 7), zoned("b", 3)...)
	tests := []struct {
		name      string
		opts      registry.Options
		ejected   []string
		draining  []string
		notReady  []string
		zone      string
		want      string // ids; "*" means every endpoint
		wantLocal bool
		wantPanic bool
	}{
		{name: "all healthy: local zone only", zone: "a", want: "a-1,a-2,a-3,a-4,a-5,a-6,a-7", wantLocal: true},
		{name: "other zone sees its own", zone: "b", want: "b-1,b-2,b-3", wantLocal: true},
		{name: "no zone: everything", zone: "", want: "*"},
		{name: "caller zone without endpoints: everything", zone: "c", want: "*"},
		{
			name: "5 of 7 healthy is exactly the threshold: stays local", zone: "a",
			ejected: []string{"a-1", "a-2"}, want: "a-3,a-4,a-5,a-6,a-7", wantLocal: true,
		},
		{
			name: "4 of 7 healthy: fails over to all healthy", zone: "a",
			ejected: []string{"a-1", "a-2", "a-3"}, want: "a-4,a-5,a-6,a-7,b-1,b-2,b-3",
		},
		{
			name: "2 of 3 healthy in b: 280 < 300, fails over", zone: "b",
			ejected: []string{"b-1"}, want: "a-1,a-2,a-3,a-4,a-5,a-6,a-7,b-2,b-3",
		},
		{
			name: "factor 100: any loss fails over", zone: "a",
			opts:    registry.Options{OverprovisioningFactor: 100},
			ejected: []string{"a-1"}, want: "a-2,a-3,a-4,a-5,a-6,a-7,b-1,b-2,b-3",
		},
		{
			name: "factor 200: half is enough", zone: "b",
			opts:    registry.Options{OverprovisioningFactor: 200},
			ejected: []string{"b-1"}, want: "b-2,b-3", wantLocal: true,
		},
		{
			name: "draining ones do not count: 5 of 5 is local", zone: "a",
			draining: []string{"a-1", "a-2"}, want: "a-3,a-4,a-5,a-6,a-7", wantLocal: true,
		},
		{
			name: "not-ready ones do not count either", zone: "a",
			notReady: []string{"a-1", "a-2", "a-3"}, ejected: []string{"a-4"},
			want: "a-5,a-6,a-7", wantLocal: true,
		},
		{
			name: "5 of 10 healthy is exactly the panic threshold: no panic", zone: "",
			ejected: []string{"a-1", "a-2", "a-3", "a-4", "a-5"}, want: "a-6,a-7,b-1,b-2,b-3",
		},
		{
			name: "4 of 10 healthy: panic, all endpoints", zone: "",
			ejected: []string{"a-1", "a-2", "a-3", "a-4", "a-5", "a-6"}, want: "*", wantPanic: true,
		},
		{
			name: "panic from a zone that failed over", zone: "a",
			ejected: []string{"a-1", "a-2", "a-3", "a-4", "a-5", "a-6"}, want: "*", wantPanic: true,
		},
		{
			name: "panic keeps draining ones out", zone: "",
			ejected: []string{"a-1", "a-2", "a-3", "a-4", "a-5", "a-6"}, draining: []string{"b-3"},
			want: "a-1,a-2,a-3,a-4,a-5,a-6,a-7,b-1,b-2", wantPanic: true,
		},
		{
			name: "all ejected: panic", zone: "b",
			ejected: all, want: "*", wantPanic: true,
		},
		{
			name: "panic disabled", zone: "",
			opts:    registry.Options{PanicThreshold: -1},
			ejected: []string{"a-1", "a-2", "a-3", "a-4", "a-5", "a-6"}, want: "a-7,b-1,b-2,b-3",
		},
		{
			name: "panic disabled, all ejected: nothing", zone: "",
			opts: registry.Options{PanicThreshold: -1}, ejected: all, want: "",
		},
		{
			name: "fail on panic", zone: "",
			opts:    registry.Options{FailOnPanic: true},
			ejected: []string{"a-1", "a-2", "a-3", "a-4", "a-5", "a-6"}, want: "", wantPanic: true,
		},
		{
			name: "panic threshold 100 inside a local zone", zone: "a",
			opts:    registry.Options{PanicThreshold: 100},
			ejected: []string{"a-1"}, want: "a-1,a-2,a-3,a-4,a-5,a-6,a-7", wantLocal: true, wantPanic: true,
		},
		{
			name: "everything draining: empty, no panic", zone: "a",
			draining: all, want: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRegistry(t, tt.opts)
			register(t, r, "svc", all...)
			for _, id := range tt.ejected {
				must(t, r.Eject("svc", id, at(time.Minute), t0))
			}
			for _, id := range tt.draining {
				must(t, r.Drain("svc", id, t0))
			}
			for _, id := range tt.notReady {
				must(t, r.SetReady("svc", id, false, t0))
			}
			got := r.Eligible("svc", tt.zone, at(time.Second))
			want := tt.want
			if want == "*" {
				want = strings.Join(all, ",")
				if len(tt.draining) > 0 {
					want = strings.Join(slices.DeleteFunc(slices.Clone(all), func(id string) bool {
						return slices.Contains(tt.draining, id)
					}), ",")
				}
			}
			if g := strings.Join(ids(got.Endpoints), ","); g != want {
				t.Errorf("endpoints: got %s, want %s", g, want)
			}
			if got.Local != tt.wantLocal || got.Panic != tt.wantPanic {
				t.Errorf("got Local=%v Panic=%v, want Local=%v Panic=%v", got.Local, got.Panic, tt.wantLocal, tt.wantPanic)
			}
			if len(got.Weights) != len(got.Endpoints) {
				t.Errorf("%d weights for %d endpoints", len(got.Weights), len(got.Endpoints))
			}
		})
	}
	if got := newRegistry(t, registry.Options{}).Eligible("nope", "a", t0); got.Endpoints != nil || got.Panic || got.Local {
		t.Errorf("Eligible(unknown service) = %+v, want empty", got)
	}
}

func TestPanicEvents(t *testing.T) {
	s := time.Second
	r := newRegistry(t, registry.Options{})
	register(t, r, "svc", "a-1", "a-2", "b-1", "b-2")
	var sets []registry.Set
	r.Watch("svc", "a", t0, func(_ time.Time, set registry.Set) { sets = append(sets, set) })
	r.Watch("svc", "a", t0, func(time.Time, registry.Set) {}) // a second caller in zone a
	must(t, r.Eject("svc", "a-1", at(20*s), at(1*s)))         // a fails over: 3 of 4
	must(t, r.Eject("svc", "b-1", at(30*s), at(2*s)))         // 2 of 4: not below 50 %
	must(t, r.Eject("svc", "b-2", at(30*s), at(3*s)))         // 1 of 4: panic
	r.Tick(at(25 * s))                                        // a-1 back: zone a whole again
	r.Tick(at(30 * s))                                        // b back: no change for zone a
	var got []string
	for _, set := range sets {
		got = append(got, fmt.Sprintf("%s local=%v panic=%v", strings.Join(ids(set.Endpoints), ","), set.Local, set.Panic))
	}
	want := []string{
		"a-1,a-2 local=true panic=false",
		"a-2,b-1,b-2 local=false panic=false",
		"a-2,b-2 local=false panic=false",
		"a-1,a-2,b-1,b-2 local=false panic=true",
		"a-1,a-2 local=true panic=false",
	}
	if !slices.Equal(got, want) {
		t.Errorf("sets:\n got %q\nwant %q", got, want)
	}
	events, _ := r.TakeEvents()
	var panics []string
	for _, e := range events {
		if e.Kind == registry.PanicOn || e.Kind == registry.PanicOff {
			panics = append(panics, fmt.Sprintf("%s %s zone=%s %v", e.Kind, e.Service, e.Zone, e.At.Sub(t0)))
		}
	}
	if want := []string{"panic_on svc zone=a 3s", "panic_off svc zone=a 25s"}; !slices.Equal(panics, want) {
		t.Errorf("panic events: got %q, want %q", panics, want)
	}
}
