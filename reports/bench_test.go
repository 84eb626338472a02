package reports

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// Time advances 100 µs per record, so windows open and seal as in a run
// at 10000 rps.
const benchStep = 100 * time.Microsecond

func BenchmarkRecordRequest(b *testing.B) {
	r := NewRecorder(t0, 0)
	routes := []string{"api", "static", "admin"}
	b.ReportAllocs()
	for i := range b.N {
		r.RecordRequest(Request{
			Intended: t0.Add(time.Duration(i) * benchStep),
			Latency:  time.Duration(1000+i%50000) * time.Microsecond,
			Lag:      time.Duration(i%100) * time.Microsecond,
			Route:    routes[i%len(routes)],
			Status:   200,
		})
	}
}

func BenchmarkRecordRequestParallel(b *testing.B) {
	r := NewRecorder(t0, 0)
	var seq atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := seq.Add(1)
			r.RecordRequest(Request{
				Intended: t0.Add(time.Duration(i) * benchStep),
				Latency:  time.Duration(1000+i%50000) * time.Microsecond,
				Route:    "api",
				Status:   200,
			})
		}
	})
}

func BenchmarkRecordHop(b *testing.B) {
	r := NewRecorder(t0, 0)
	replicas := []string{"web-0", "web-1", "web-2"}
	b.ReportAllocs()
	for i := range b.N {
		r.RecordHop(Hop{
			At:      t0.Add(time.Duration(i) * benchStep),
			Service: "web",
			Replica: replicas[i%len(replicas)],
			Status:  200,
			Latency: time.Duration(500+i%20000) * time.Microsecond,
		})
	}
}

// Replicas of several services record at once, as in the live engine.
func BenchmarkRecordHopParallel(b *testing.B) {
	r := NewRecorder(t0, 0)
	var seq, worker atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := worker.Add(1)
		svc := "svc-" + strconv.FormatInt(w%4, 10)
		rep := svc + "-0"
		for pb.Next() {
			i := seq.Add(1)
			r.RecordHop(Hop{
				At:      t0.Add(time.Duration(i) * benchStep),
				Service: svc,
				Replica: rep,
				Status:  200,
				Latency: time.Duration(500+i%20000) * time.Microsecond,
			})
		}
	})
}

// Summary of a 60 s run with 20 services.
func BenchmarkSummary(b *testing.B) {
	r := NewRecorder(t0, 0)
	var meta Meta
	for s := range 20 {
		name := "svc-" + strconv.Itoa(s)
		meta.Services = append(meta.Services, ServiceMeta{Name: name, Replicas: []string{name + "-0", name + "-1"}})
	}
	for i := range 60000 {
		at := t0.Add(time.Duration(i) * time.Millisecond)
		r.RecordRequest(Request{Intended: at, Latency: time.Duration(i%5000) * time.Microsecond, Route: "api", Status: 200})
		sm := meta.Services[i%20]
		r.RecordHop(Hop{At: at, Service: sm.Name, Replica: sm.Replicas[i%2], Status: 200, Latency: time.Millisecond})
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = r.Summary(meta)
	}
}

func BenchmarkWindows(b *testing.B) {
	r := NewRecorder(t0, 0)
	for i := range 60000 {
		at := t0.Add(time.Duration(i) * time.Millisecond)
		r.RecordRequest(Request{Intended: at, Latency: time.Duration(i%5000) * time.Microsecond, Route: "api", Status: 200})
		svc := "svc-" + strconv.Itoa(i%20)
		r.RecordHop(Hop{At: at, Service: svc, Replica: svc + "-0", Status: 200, Latency: time.Millisecond})
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = r.Windows()
	}
}
