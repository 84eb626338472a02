package live_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim"
	"github.com/baton-sim/baton/sim/live"
	"github.com/baton-sim/baton/sim/load"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestQuickstartEndToEnd runs the embedded quickstart for two seconds on
// real sockets and checks what a user reads first: every replica served
// traffic, nothing failed, and the summary's numbers add up.
func TestQuickstartEndToEnd(t *testing.T) {
	// Deep queues: this test is about an unsaturated topology, and a busy
	// test machine that stalls the process for a moment must not turn a
	// catch-up burst into 503s.
	// 50/s rather than quickstart's 200/s: under -race every hop costs
	// milliseconds of CPU, and two shared cores must not be the bottleneck.
	sets := []scenarios.Set{{Path: "duration", Value: "2s"}, {Path: "load.rate", Value: "50/s"}}
	for _, svc := range []string{"frontend", "catalog", "pricing"} {
		sets = append(sets, scenarios.Set{Path: "services." + svc + ".queue", Value: "100000"})
	}
	sc, err := scenarios.Open("quickstart", sets...)
	if err != nil {
		t.Fatal(err)
	}
	run, err := sim.Run(context.Background(), sc, live.New(live.Options{}), sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := run.Summary

	// 50/s for 2 s is about 100 Poisson arrivals; the exact count depends
	// only on the seed, not on the machine.
	profile, err := load.FromScenario(sc.Load, sc.Duration)
	if err != nil {
		t.Fatal(err)
	}
	want := len(load.NewSchedule(profile, sc.Load.Arrival, scenarios.DeriveSeed(sc.Seed, "load"), 0).Arrivals())
	if s.Requests != int64(want) {
		t.Errorf("requests = %d, want %d (every scheduled arrival)", s.Requests, want)
	}
	if s.Errors != 0 {
		t.Errorf("errors = %d, want 0; by status %v", s.Errors, s.ByStatus)
	}
	var byStatus int64
	for code, n := range s.ByStatus {
		if code != "200" {
			t.Errorf("status %s seen %d times, want only 200", code, n)
		}
		byStatus += n
	}
	if byStatus != s.Requests {
		t.Errorf("sum of by_status = %d, want requests %d", byStatus, s.Requests)
	}
	if len(s.Services) != len(sc.Services) {
		t.Fatalf("summary has %d services, want %d", len(s.Services), len(sc.Services))
	}
	for i, svc := range s.Services {
		if svc.Name != sc.Services[i].Name {
			t.Errorf("service %d = %s, want %s (scenario order)", i, svc.Name, sc.Services[i].Name)
		}
		if len(svc.Replicas) != sc.Services[i].Replicas {
			t.Errorf("%s: %d replicas in summary, want %d", svc.Name, len(svc.Replicas), sc.Services[i].Replicas)
		}
		var sum int64
		for _, r := range svc.Replicas {
			if r.Requests == 0 {
				t.Errorf("%s: replica %s served nothing", svc.Name, r.Name)
			}
			sum += r.Requests
		}
		if sum != svc.Requests {
			t.Errorf("%s: replicas served %d, service total %d", svc.Name, sum, svc.Requests)
		}
		if svc.Errors != 0 {
			t.Errorf("%s: %d errors, want 0", svc.Name, svc.Errors)
		}
	}
	// Every client request crosses the first service exactly once.
	if got := s.Services[0].Requests; got != s.Requests {
		t.Errorf("%s served %d, want one per client request (%d)", s.Services[0].Name, got, s.Requests)
	}
	// Latency verdicts depend on the machine; that both rules were judged
	// does not.
	if len(s.SLO) != len(sc.SLO) {
		t.Errorf("summary judged %d SLO rules, want %d", len(s.SLO), len(sc.SLO))
	}
}

// TestQueueOverflowAnswers503 fills a replica's workers and queue and checks
// that the next request is refused with 503 rather than queued without bound.
func TestQueueOverflowAnswers503(t *testing.T) {
	src := []byte(`baton: v1
name: overflow
duration: 1s
services:
  slow:
    replicas: 1
    concurrency: 1
    queue: 1
    latency: 1s
gateway:
  routes:
    - prefix: /
      service: slow
load:
  rate: 1/s
`)
	sc, err := scenarios.Parse("overflow.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := live.New(live.Options{}).Start(context.Background(), sc)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	url := inst.(*live.Instance).GatewayURL() + "/"

	// One request takes the worker, one waits in the queue, the third is
	// refused, whatever order they arrive in, as long as all three arrive
	// within the first request's second of service.
	codes := make(chan int, 3)
	for i := range 3 {
		go func() {
			resp, err := http.Get(url)
			if err != nil {
				codes <- 0
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
		if i < 2 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	got := map[int]int{}
	for range 3 {
		got[<-codes]++
	}
	if got[200] != 2 || got[503] != 1 {
		t.Errorf("status counts = %v, want 2x200 and 1x503", got)
	}
}

// TestSidecarModeEndToEnd runs quickstart with every replica behind an
// inbound sidecar and calling through an outbound one: the same answers,
// more hops.
func TestSidecarModeEndToEnd(t *testing.T) {
	sc, err := scenarios.Open("quickstart",
		scenarios.Set{Path: "duration", Value: "1s"}, scenarios.Set{Path: "load.rate", Value: "50/s"})
	if err != nil {
		t.Fatal(err)
	}
	sc.Mesh.Mode = scenarios.ModeSidecar
	run, err := sim.Run(context.Background(), sc, live.New(live.Options{}), sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := run.Summary
	if s.Requests == 0 || s.Errors != 0 {
		t.Fatalf("sidecar run: %d requests, %d errors (%v); want all to succeed", s.Requests, s.Errors, s.ByStatus)
	}
	for _, svc := range s.Services {
		for _, r := range svc.Replicas {
			if r.Requests == 0 {
				t.Errorf("%s served nothing in sidecar mode", r.Name)
			}
		}
	}
}

// benchTopology is a gateway in front of front, which calls echo.
const benchTopology = `baton: v1
name: bench
services:
  front:
    concurrency: 256
    queue: 1024
    latency: 0s
    response_bytes: 64
    calls: [echo]
  echo:
    concurrency: 256
    queue: 1024
    latency: 0s
    response_bytes: 64
gateway:
  routes:
    - {prefix: /echo, service: echo, name: echo}
    - {prefix: /front, service: front, name: front}
load:
  rate: 1/s
`

// BenchmarkLivePath measures the live request path: a direct call to a
// replica, the same replica through the gateway (one mesh hop), and a
// two-service chain proxyless and with sidecars (two more proxy hops per
// service-to-service call). Compare ns/op across the sub-benchmarks: the
// differences are the gateway, mesh and sidecar overheads.
func BenchmarkLivePath(b *testing.B) {
	for _, mode := range []string{scenarios.ModeProxyless, scenarios.ModeSidecar} {
		sc, err := scenarios.Parse("bench.yaml", []byte(benchTopology))
		if err != nil {
			b.Fatal(err)
		}
		sc.Mesh.Mode = mode
		inst, err := live.New(live.Options{}).Start(context.Background(), sc)
		if err != nil {
			b.Fatal(err)
		}
		li := inst.(*live.Instance)
		targets := []struct{ name, url string }{
			{"direct", li.ReplicaURL("echo-0") + "/"},
			{"gateway", li.GatewayURL() + "/echo"},
			{"chain", li.GatewayURL() + "/front"},
		}
		for _, tg := range targets {
			// In sidecar mode "direct" reaches the replica's inbound
			// sidecar: the cost of one proxy in front of the app.
			b.Run(mode+"/"+tg.name, func(b *testing.B) { benchGet(b, tg.url) })
		}
		inst.Close()
	}
}

func benchGet(b *testing.B, url string) {
	tr := &http.Transport{MaxIdleConnsPerHost: 256}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(url)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Error("status " + strconv.Itoa(resp.StatusCode))
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func TestJSONBody(t *testing.T) {
	for _, size := range []int{0, 10, 41, 80, 1000} {
		b := live.JSONBody("cart", "cart-0", size)
		var v map[string]string
		if err := json.Unmarshal(b, &v); err != nil || v["service"] != "cart" || v["replica"] != "cart-0" {
			t.Errorf("size %d: %s is not the replica's JSON (%v)", size, b, err)
		}
		if size >= 80 && len(b) != size { // below the unpadded object's size, no padding
			t.Errorf("size %d: body is %d bytes", size, len(b))
		}
	}
}
