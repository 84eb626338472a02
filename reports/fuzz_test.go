package reports

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/baton-sim/baton/scenarios"
)

// FuzzRecorder replays arbitrary records and checks the invariants every
// consumer relies on: counts add up across statuses, routes, replicas and
// windows, percentiles are ordered and bounded by the max, and the run
// record encodes as JSON (no NaN or Inf can sneak in).
func FuzzRecorder(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
	f.Add(bytes.Repeat([]byte{0xff, 0x01, 0x80, 0x7f, 0x33, 0x00, 0x10, 0x02, 0xee, 0x40, 0x05, 0x99}, 20))
	f.Add(bytes.Repeat([]byte{0x01, 0xf4, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x03, 0x00, 0x01, 0x00}, 40))
	statuses := []int{0, 200, 201, 404, 429, 500, 503, 999}
	names := []string{"", "a", "b", "c"}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewRecorder(t0, 250*time.Millisecond)
		var hops int64
		for len(data) >= 12 {
			rec := data[:12]
			data = data[12:]
			// Offsets up to ~65 s, negative ones included.
			at := t0.Add(time.Duration(int16(binary.BigEndian.Uint16(rec[0:2]))) * time.Millisecond * 2)
			lat := time.Duration(int32(binary.BigEndian.Uint32(rec[2:6]))) * time.Microsecond * 3
			status := statuses[int(rec[6])%len(statuses)]
			name := names[int(rec[7])%len(names)]
			if rec[8]&1 == 0 {
				r.RecordRequest(Request{Intended: at, Latency: lat, Lag: lat / 7, Route: name, Status: status, Failed: rec[8]&2 != 0})
			} else {
				r.RecordHop(Hop{At: at, Service: name, Replica: names[int(rec[9])%len(names)], Status: status, Latency: lat})
				hops++
			}
		}
		s := r.Summary(Meta{Routes: []string{"b"}, Services: []ServiceMeta{{Name: "c", Replicas: []string{"c-0"}}}, SLO: []scenarios.SLO{
			{Metric: scenarios.MetricPercentile, Quantile: 0.999, Op: "<", Threshold: 10},
			{Metric: scenarios.MetricErrorRate, Op: "<=", Threshold: 0.5},
		}})
		ws := r.Windows()

		var byStatus, routeReq, routeErr, svcReq, winReq, winErr, winHops int64
		for _, n := range s.ByStatus {
			byStatus += n
		}
		for _, rt := range s.Routes {
			routeReq += rt.Requests
			routeErr += rt.Errors
			checkLatency(t, "route "+rt.Name, rt.Latency)
		}
		for _, sv := range s.Services {
			var rep int64
			for _, rp := range sv.Replicas {
				rep += rp.Requests
			}
			if rep != sv.Requests {
				t.Errorf("service %q: replicas add up to %d, want %d", sv.Name, rep, sv.Requests)
			}
			svcReq += sv.Requests
			checkLatency(t, "service "+sv.Name, sv.Latency)
		}
		for _, w := range ws {
			winReq += w.Requests
			winErr += w.Errors
			for _, c := range w.Services {
				winHops += c.Requests
			}
			if w.Latency.P50 > w.Latency.P90 || w.Latency.P90 > w.Latency.P99 || w.Latency.P99 > w.Latency.Max {
				t.Errorf("window %v: latency out of order: %+v", w.Start, w.Latency)
			}
		}
		if byStatus != s.Requests || routeReq != s.Requests || winReq != s.Requests {
			t.Errorf("requests: by_status %d, routes %d, windows %d; total %d", byStatus, routeReq, winReq, s.Requests)
		}
		if routeErr != s.Errors || winErr != s.Errors {
			t.Errorf("errors: routes %d, windows %d; total %d", routeErr, winErr, s.Errors)
		}
		if svcReq != hops || winHops != hops {
			t.Errorf("hops: services %d, windows %d; recorded %d", svcReq, winHops, hops)
		}
		checkLatency(t, "total", s.Latency)
		if _, err := json.Marshal(Run{Summary: s, Windows: ws}); err != nil {
			t.Errorf("run record does not encode: %v", err)
		}
		var buf bytes.Buffer
		if err := WriteText(&buf, s); err != nil {
			t.Error(err)
		}
	})
}

func checkLatency(t *testing.T, what string, l Latency) {
	t.Helper()
	ordered := l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.P999 && l.P999 <= l.Max && l.Mean <= l.Max
	if !ordered || l.P50 < 0 || math.IsNaN(l.Mean) {
		t.Errorf("%s: latency out of order: %+v", what, l)
	}
}
