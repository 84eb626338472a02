package load_test

import (
	"slices"
	"testing"
	"time"

	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim/load"
)

// BenchmarkPace is the load driver's per-request cost: one Pace for each
// request through a five-stage profile.
func BenchmarkPace(b *testing.B) {
	p := journey(b)
	for _, arrival := range []string{scenarios.ArrivalUniform, scenarios.ArrivalPoisson} {
		b.Run(arrival, func(b *testing.B) {
			b.ReportAllocs()
			sch := load.NewSchedule(p, arrival, 1, 0)
			var hits uint64
			for b.Loop() {
				if _, stop := sch.Pace(0, hits); stop {
					sch = load.NewSchedule(p, arrival, 1, 0)
					hits = 0
				}
				hits++
			}
		})
	}
}

func BenchmarkInvert(b *testing.B) {
	stages := []struct {
		name  string
		stage load.Stage
	}{
		{"constant", must(load.NewConstant(1000, time.Minute))},
		{"ramp", must(load.NewRamp(10, 1000, time.Minute))},
		{"step", must(load.NewStep(100, 1000, 10, time.Minute))},
		{"sine", must(load.NewSine(1000, 500, 10*s, 0, time.Minute))},
		{"spike", must(load.NewSpike(100, 1000, 10*s, s, time.Minute))},
		{"replay", must(load.NewReplayRates(slices.Repeat([]float64{100, 900, 0, 2500}, 900), s, 1, 0))},
		{"profile", journey(b)},
	}
	for _, st := range stages {
		b.Run(st.name, func(b *testing.B) {
			b.ReportAllocs()
			total := st.stage.Cumulative(st.stage.Duration())
			x := 0.0
			for b.Loop() {
				st.stage.Invert(x)
				if x += 0.618; x > total {
					x = 0
				}
			}
		})
	}
}

func BenchmarkMixNext(b *testing.B) {
	mixes := []struct {
		name    string
		classes []scenarios.ClientClass
	}{
		{"static", []scenarios.ClientClass{
			{Name: "web", Share: 3, Bearer: "tok", Requests: []scenarios.RequestTemplate{{Path: "/a"}, {Path: "/b"}}},
			{Name: "partner", Share: 1, APIKey: "key", Requests: []scenarios.RequestTemplate{{Path: "/c"}}},
		}},
		{"templates", []scenarios.ClientClass{
			{Name: "web", Share: 3, Bearer: "tok-{int:1-1000}", Key: &scenarios.KeyDist{Dist: scenarios.KeyZipf, N: 100000},
				Requests: []scenarios.RequestTemplate{
					{Path: "/items/{id:int:1-1000}"},
					{Method: "POST", Path: "/orders/{uuid}", Headers: map[string]string{"content-type": "application/json"},
						Body: `{{"item": {item:zipf:1.1:10000}, "qty": {int:1-5}}}`},
				}},
			{Name: "partner", Share: 1, Basic: "p{n:int:1-50}:secret", Requests: []scenarios.RequestTemplate{{Path: "/partners/{n}/{choice:a|b|c}"}}},
		}},
	}
	for _, mx := range mixes {
		b.Run(mx.name, func(b *testing.B) {
			m := must(load.NewMix(mx.classes, nil))
			r := newRand(1)
			var req load.Request
			b.ReportAllocs()
			for b.Loop() {
				m.Next(r, &req)
			}
		})
	}
}
