package fault

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/baton-sim/baton/scenarios"
)

func BenchmarkDecide(b *testing.B) {
	for _, c := range []struct {
		name   string
		faults []scenarios.Fault
	}{
		{"none", nil},
		{"four", mixed()},
		{"header", func() []scenarios.Fault {
			f := sample(scenarios.FaultError)
			f.At = 0
			f.Target.Header = &scenarios.HeaderMatch{Name: "x-fault", Value: "abort"}
			return []scenarios.Fault{f}
		}()},
	} {
		b.Run(c.name, func(b *testing.B) {
			tl := newTimeline(b, 1, c.faults...)
			h := http.Header{"X-Fault": {"abort"}}
			tg := targets[0]
			tg.Header = h.Get
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				tl.Decide(time.Duration(i)*time.Microsecond, tg)
				i++
			}
		})
	}
}

func BenchmarkBandwidthWriter(b *testing.B) {
	w := NewBandwidthWriter(io.Discard, 1<<30, func(time.Duration) error { return nil })
	p := make([]byte, 4096)
	b.ReportAllocs()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		_, _ = w.Write(p)
	}
}
