package live_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/baton-sim/baton/mesh/identity"
	"github.com/baton-sim/baton/reports"
	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim"
	"github.com/baton-sim/baton/sim/live"
)

func parse(t *testing.T, src string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Parse(t.Name()+".yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func run(t *testing.T, sc *scenarios.Scenario) *reports.Run {
	t.Helper()
	r, err := sim.Run(context.Background(), sc, live.New(live.Options{}), sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

const flaky = `baton: v1
name: flaky
duration: 3s
services:
  api:
    replicas: 4
    concurrency: 64
    queue: 10000
    latency: 1ms
gateway:
  routes: [{prefix: /, service: api}]
load:
  rate: 100/s
`

// TestFlakyReplicaRetriesAndEjection makes one of four replicas fail half
// its requests. Retries hide the failures from clients, the outlier detector
// ejects the bad replica, and the retry budget keeps upstream attempts per
// call at or under 1.2.
func TestFlakyReplicaRetriesAndEjection(t *testing.T) {
	sc := parse(t, flaky)
	sc.Services[0].Overrides = []scenarios.ReplicaOverride{{Replica: 3, Errors: &scenarios.Errors{Rate: 0.5, Status: 503}}}
	sc.Mesh.Retries = &scenarios.Retries{Attempts: 2, RetryOn: []string{"5xx", "reset", "connect-failure"},
		Backoff: scenarios.Backoff{Base: time.Millisecond, Max: 10 * time.Millisecond},
		Budget:  &scenarios.RetryBudget{Ratio: 0.2, MinPerSecond: 0, TTL: 10 * time.Second}}
	sc.Mesh.OutlierDetection = &scenarios.OutlierDetection{Interval: 500 * time.Millisecond, Consecutive5xx: 3,
		BaseEjectionTime: 30 * time.Second, MaxEjectionPercent: 50}
	s := run(t, sc).Summary

	if rate := s.ErrorRate(); rate >= 0.005 {
		t.Errorf("client error rate = %.4f (%d of %d), want < 0.5%%", rate, s.Errors, s.Requests)
	}
	api := s.Services[0]
	if amp := api.Amplification(); amp > 1.2 || amp < 1 {
		t.Errorf("upstream attempts per call = %.3f, want in [1, 1.2]", amp)
	}
	if s.Events[reports.EventEjection] == 0 {
		t.Fatalf("api-3 was never ejected; events %v", s.Events)
	}
	// Ejected early: the bad replica served far less than its 1/4 share.
	bad := api.Replicas[3]
	if bad.Name != "api-3" || bad.Requests*8 > api.Requests {
		t.Errorf("%s served %d of %d requests, want under 1/8 once ejected", bad.Name, bad.Requests, api.Requests)
	}
}

const slow = `baton: v1
name: slow
duration: 3s
services:
  api:
    replicas: 4
    concurrency: 64
    queue: 10000
    latency: 2ms
gateway:
  routes: [{prefix: /, service: api}]
load:
  rate: 200/s
`

// TestSlowReplicaShares checks what a slow replica gets from each
// balancer: round robin sends it exactly its quarter, whatever its speed;
// the load-aware balancers send it much less. Shares, not latencies, so a
// busy machine cannot flip the verdict.
func TestSlowReplicaShares(t *testing.T) {
	for _, tt := range []struct {
		balancer string
		maxShare float64 // the slow replica's share of requests
		exact    bool
	}{
		{"round_robin", 0.25, true},
		{"least_request", 0.125, false},
		{"p2c_peak_ewma", 0.125, false},
	} {
		t.Run(tt.balancer, func(t *testing.T) {
			sc := parse(t, slow)
			sc.Services[0].Overrides = []scenarios.ReplicaOverride{{Replica: 0,
				Latency: &scenarios.Latency{Dist: scenarios.DistConstant, Value: 100 * time.Millisecond}}}
			sc.Mesh.Balancer = tt.balancer
			api := run(t, sc).Summary.Services[0]
			share := float64(api.Replicas[0].Requests) / float64(api.Requests)
			if tt.exact {
				if want := api.Requests / 4; api.Replicas[0].Requests != want {
					t.Errorf("slow replica served %d of %d, want exactly %d", api.Replicas[0].Requests, api.Requests, want)
				}
				return
			}
			if share > tt.maxShare {
				t.Errorf("slow replica share = %.3f, want <= %.3f", share, tt.maxShare)
			}
		})
	}
}

const secure = `baton: v1
name: secure
duration: 4s
services:
  web:
    replicas: 2
    latency: 1ms
    calls: [api]
  api:
    replicas: 2
    latency: 1ms
gateway:
  routes: [{prefix: /, service: web}]
load:
  rate: 50/s
`

// TestMTLSStrict runs a two-service chain under strict mTLS with
// certificates that live two seconds, so they rotate during the run: every
// request succeeds. A plaintext client and a client holding another CA's
// certificate are both refused.
func TestMTLSStrict(t *testing.T) {
	for _, mode := range []string{scenarios.ModeProxyless, scenarios.ModeSidecar} {
		t.Run(mode, func(t *testing.T) {
			sc := parse(t, secure)
			sc.Mesh.Mode = mode
			sc.Mesh.MTLS = scenarios.MTLS{Mode: scenarios.MTLSStrict, CertTTL: 2 * time.Second, RotateAt: 0.7}
			inst, err := live.New(live.Options{}).Start(context.Background(), sc)
			if err != nil {
				t.Fatal(err)
			}
			defer inst.Close()
			li := inst.(*live.Instance)
			addr := strings.TrimPrefix(li.ReplicaURL("api-0"), "http://")

			// Plaintext: refused.
			if resp, err := http.Get("http://" + addr + "/"); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode < 400 {
					t.Errorf("plaintext request answered %d, want a refusal", resp.StatusCode)
				}
			}
			// Another CA's certificate: the handshake fails.
			now := time.Now()
			other, err := identity.NewCA(identity.CAOptions{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			w, err := identity.NewWorkload(other, "web", now, identity.WorkloadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			cfg := identity.ClientTLS(w, "api", nil)
			tr := &http.Transport{TLSClientConfig: cfg}
			defer tr.CloseIdleConnections()
			if resp, err := (&http.Client{Transport: tr}).Get("https://" + addr + "/"); err == nil {
				resp.Body.Close()
				t.Errorf("a client with another CA's certificate got %d, want a failed handshake", resp.StatusCode)
			}

			var rec *reports.Recorder
			if err := inst.Drive(context.Background(), func(epoch time.Time) *reports.Recorder {
				rec = reports.NewRecorder(epoch, 0)
				return rec
			}); err != nil {
				t.Fatal(err)
			}
			s := rec.Summary(reports.NewMeta(sc, "live"))
			if s.Requests == 0 || s.Errors != 0 {
				t.Errorf("%d requests, %d errors %v; want none to fail across rotations", s.Requests, s.Errors, s.ByStatus)
			}
			if n := s.Events[reports.EventRotation]; n == 0 {
				t.Errorf("no certificate rotated during a 4s run with 2s certificates")
			}
		})
	}
}
