package mesh

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/baton-sim/baton/mesh/balance"
	"github.com/baton-sim/baton/mesh/registry"
	"github.com/baton-sim/baton/reports"
	"github.com/baton-sim/baton/scenarios"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// backend is a test replica whose answers a test scripts.
type backend struct {
	srv   *httptest.Server
	calls atomic.Int64
}

func newBackend(t *testing.T, h func(n int64, w http.ResponseWriter, r *http.Request)) *backend {
	t.Helper()
	b := &backend{}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h(b.calls.Add(1), w, r)
	}))
	t.Cleanup(b.srv.Close)
	return b
}

func status(code int) func(int64, http.ResponseWriter, *http.Request) {
	return func(_ int64, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }
}

func (b *backend) endpoint(id string) *balance.Endpoint {
	return &balance.Endpoint{ID: id, Addr: b.srv.Listener.Addr().String()}
}

// events collects what a client reports.
type events struct {
	mu   sync.Mutex
	list []reports.Event
}

func (e *events) add(ev reports.Event) {
	e.mu.Lock()
	e.list = append(e.list, ev)
	e.mu.Unlock()
}

func (e *events) count(kind string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range e.list {
		if ev.Kind == kind {
			n++
		}
	}
	return n
}

func newClient(t *testing.T, p scenarios.MeshPolicy, ev *events, eps ...*balance.Endpoint) *Client {
	t.Helper()
	c, err := NewClient(ClientOptions{
		Caller:       "test",
		Destinations: map[string]Destination{"svc": {Endpoints: eps, Policy: p}},
		Seed:         1,
		Events:       ev.add,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func call(t *testing.T, c *Client) (int, error) {
	t.Helper()
	resp, err := c.Call(context.Background(), "svc", "/", nil)
	return resp.Status, err
}

// TestRetryOn503 retries a 503 on another endpoint and returns its 200;
// without a retry policy the 503 comes straight back.
func TestRetryOn503(t *testing.T) {
	bad := newBackend(t, status(503))
	good := newBackend(t, status(200))
	var ev events
	p := scenarios.MeshPolicy{Retries: &scenarios.Retries{Attempts: 2, Backoff: scenarios.Backoff{Base: time.Millisecond}}}
	c := newClient(t, p, &ev, bad.endpoint("bad"), good.endpoint("good"))
	// Round robin starts at the first endpoint: the bad one answers first.
	if got, err := call(t, c); got != 200 || err != nil {
		t.Fatalf("status = %d, %v; want 200 after a retry", got, err)
	}
	if ev.count(reports.EventRetry) != 1 || ev.count(reports.EventAttempt) != 2 || ev.count(reports.EventCall) != 1 {
		t.Errorf("events: %d retries, %d attempts, %d calls; want 1, 2, 1", ev.count(reports.EventRetry), ev.count(reports.EventAttempt), ev.count(reports.EventCall))
	}

	var ev2 events
	plain := newClient(t, scenarios.MeshPolicy{}, &ev2, bad.endpoint("bad"), good.endpoint("good"))
	if got, err := call(t, plain); got != 503 || err != nil {
		t.Errorf("without retries: status = %d, %v; want 503", got, err)
	}
}

// TestRetryBudgetCapsAmplification sends calls to an always-failing
// service: with 2 retries each, 30 calls would make 90 attempts; a budget of
// ratio 20 % and no reserve allows exactly 6 retries.
func TestRetryBudgetCapsAmplification(t *testing.T) {
	bad := newBackend(t, status(503))
	var ev events
	p := scenarios.MeshPolicy{Retries: &scenarios.Retries{
		Attempts: 2,
		Backoff:  scenarios.Backoff{Base: time.Microsecond, Max: time.Microsecond},
		Budget:   &scenarios.RetryBudget{Ratio: 0.2, MinPerSecond: 0, TTL: 10 * time.Second},
	}}
	c := newClient(t, p, &ev, bad.endpoint("bad"))
	for range 30 {
		if got, _ := call(t, c); got != 503 {
			t.Fatalf("status = %d, want 503", got)
		}
	}
	if got := ev.count(reports.EventRetry); got != 6 {
		t.Errorf("retries = %d, want 6 (20%% of 30 calls)", got)
	}
	if got := bad.calls.Load(); got != 36 {
		t.Errorf("upstream attempts = %d, want 36 (30 calls + 6 retries)", got)
	}
	if ev.count(reports.EventBudgetExhausted) == 0 {
		t.Errorf("no budget exhaustion reported")
	}
}

// TestOutlierEjection ejects an endpoint after 5 consecutive 5xx, so later
// calls go only to the healthy one, and reports the ejection.
func TestOutlierEjection(t *testing.T) {
	bad := newBackend(t, status(500))
	good := newBackend(t, status(200))
	var ev events
	p := scenarios.MeshPolicy{OutlierDetection: &scenarios.OutlierDetection{
		Interval: time.Second, Consecutive5xx: 5, BaseEjectionTime: 30 * time.Second, MaxEjectionPercent: 50,
	}}
	c := newClient(t, p, &ev, bad.endpoint("bad"), good.endpoint("good"))
	for range 10 { // round robin: 5 to each
		call(t, c)
	}
	if got := bad.calls.Load(); got != 5 {
		t.Fatalf("bad endpoint took %d calls before ejection, want 5", got)
	}
	for range 10 {
		if got, _ := call(t, c); got != 200 {
			t.Errorf("status %d after ejection, want 200", got)
		}
	}
	if got := bad.calls.Load(); got != 5 {
		t.Errorf("bad endpoint took %d calls in all, want 5 (ejected)", got)
	}
	if ev.count(reports.EventEjection) != 1 {
		t.Errorf("ejections reported = %d, want 1", ev.count(reports.EventEjection))
	}
}

// TestBreakerOpens fails fast with ErrBreakerOpen once 3 consecutive
// failures opened the breaker, without touching the upstream.
func TestBreakerOpens(t *testing.T) {
	bad := newBackend(t, status(500))
	var ev events
	p := scenarios.MeshPolicy{CircuitBreaker: &scenarios.CircuitBreaker{ConsecutiveFailures: 3, CoolDown: time.Minute}}
	c := newClient(t, p, &ev, bad.endpoint("bad"))
	for range 3 {
		call(t, c)
	}
	_, err := call(t, c)
	if !errors.Is(err, ErrBreakerOpen) {
		t.Fatalf("4th call: err = %v, want ErrBreakerOpen", err)
	}
	if Status(err) != 503 {
		t.Errorf("Status(ErrBreakerOpen) = %d, want 503", Status(err))
	}
	if got := bad.calls.Load(); got != 3 {
		t.Errorf("upstream saw %d calls, want 3", got)
	}
	if ev.count(reports.EventBreakerOpen) != 1 {
		t.Errorf("breaker opens reported = %d, want 1", ev.count(reports.EventBreakerOpen))
	}
}

// TestPerTryTimeoutThenRetry times out a hanging endpoint's try and
// succeeds on the retry.
func TestPerTryTimeoutThenRetry(t *testing.T) {
	release := make(chan struct{})
	hang := newBackend(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	good := newBackend(t, status(200))
	var ev events
	p := scenarios.MeshPolicy{
		Timeout:       5 * time.Second,
		PerTryTimeout: 100 * time.Millisecond,
		Retries: &scenarios.Retries{Attempts: 1, RetryOn: []string{"5xx", "reset"},
			Backoff: scenarios.Backoff{Base: time.Millisecond}},
	}
	c := newClient(t, p, &ev, hang.endpoint("hang"), good.endpoint("good"))
	if got, err := call(t, c); got != 200 || err != nil {
		t.Fatalf("status = %d, %v; want 200 after a timed-out try", got, err)
	}
	// Without a retry, the timeout is the answer: 504 at a proxy.
	var ev2 events
	p.Retries = nil
	c2 := newClient(t, p, &ev2, hang.endpoint("hang"))
	_, err := call(t, c2)
	if !errors.Is(err, ErrTimeout) || Status(err) != 504 {
		t.Errorf("err = %v (status %d), want ErrTimeout (504)", err, Status(err))
	}
}

// TestHedgeTakesFirstAnswer sends a hedge after 20ms when the first
// endpoint is slow and returns the fast answer.
func TestHedgeTakesFirstAnswer(t *testing.T) {
	slow := newBackend(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
		w.Header().Set(ReplicaHeader, "slow")
	})
	fast := newBackend(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set(ReplicaHeader, "fast")
	})
	var ev events
	p := scenarios.MeshPolicy{Hedge: &scenarios.Hedge{Delay: 20 * time.Millisecond, MaxAttempts: 2}}
	c := newClient(t, p, &ev, slow.endpoint("slow"), fast.endpoint("fast"))
	resp, err := c.Call(context.Background(), "svc", "/", nil)
	if err != nil || resp.Replica != "fast" {
		t.Fatalf("answer from %q (%v), want the fast replica", resp.Replica, err)
	}
	if ev.count(reports.EventHedge) != 1 {
		t.Errorf("hedges reported = %d, want 1", ev.count(reports.EventHedge))
	}
}

// TestConnectFailureIsRetried retries a closed port on a live endpoint.
func TestConnectFailureIsRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := &balance.Endpoint{ID: "dead", Addr: ln.Addr().String()}
	ln.Close()
	good := newBackend(t, status(200))
	var ev events
	p := scenarios.MeshPolicy{Retries: &scenarios.Retries{Attempts: 1, RetryOn: []string{"connect-failure"},
		Backoff: scenarios.Backoff{Base: time.Millisecond}}}
	c := newClient(t, p, &ev, dead, good.endpoint("good"))
	if got, err := call(t, c); got != 200 || err != nil {
		t.Fatalf("status = %d, %v; want 200 after a connect failure", got, err)
	}
}

func TestResolveOverridesBlocks(t *testing.T) {
	m := scenarios.Mesh{
		MeshPolicy: scenarios.MeshPolicy{Balancer: "round_robin", Timeout: time.Second,
			Retries: &scenarios.Retries{Attempts: 2}},
		Destinations: map[string]scenarios.MeshPolicy{
			"cart": {Balancer: "least_request", Retries: &scenarios.Retries{Attempts: 1}},
		},
	}
	got := Resolve(m, "cart")
	if got.Balancer != "least_request" || got.Timeout != time.Second || got.Retries.Attempts != 1 {
		t.Errorf("Resolve(cart) = %+v, want least_request, 1s, 1 retry", got)
	}
	if other := Resolve(m, "web"); other.Balancer != "round_robin" || other.Retries.Attempts != 2 {
		t.Errorf("Resolve(web) = %+v, want the mesh-wide policy", other)
	}
}

// TestSlowStartRampsWeight registers a second endpoint while the first is
// warm: weighted round robin gives the newcomer 10 % of the first's weight,
// then half at half the window, then an equal share.
func TestSlowStartRampsWeight(t *testing.T) {
	warm := newBackend(t, status(200))
	fresh := newBackend(t, status(200))
	t0 := time.Unix(1_000_000, 0)
	reg, err := registry.New(registry.Options{SlowStart: registry.SlowStartOptions{Window: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Register("svc", warm.endpoint("warm"), t0); err != nil {
		t.Fatal(err)
	}
	now := t0.Add(10 * time.Second)
	if err := reg.Register("svc", fresh.endpoint("fresh"), now); err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(ClientOptions{
		Caller:       "test",
		Destinations: map[string]Destination{"svc": {Policy: scenarios.MeshPolicy{Balancer: "weighted_round_robin"}}},
		Registry:     reg,
		Now:          func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, step := range []struct {
		at         time.Duration // since fresh registered
		calls      int
		warm, frsh int64
	}{
		{0, 110, 100, 10},               // 10 % floor
		{5 * time.Second, 150, 100, 50}, // linear ramp: half
		{10 * time.Second, 200, 100, 100},
	} {
		now = t0.Add(10*time.Second + step.at)
		reg.Tick(now)
		w0, f0 := warm.calls.Load(), fresh.calls.Load()
		for range step.calls {
			if got, err := call(t, c); got != 200 {
				t.Fatalf("status %d, %v", got, err)
			}
		}
		if w, f := warm.calls.Load()-w0, fresh.calls.Load()-f0; w != step.warm || f != step.frsh {
			t.Errorf("at +%v: warm %d, fresh %d; want %d, %d", step.at, w, f, step.warm, step.frsh)
		}
	}
}

// TestScenarioBalancersMatchRegistry keeps the scenario format's list of
// balancer names and the balancer registry in step.
func TestScenarioBalancersMatchRegistry(t *testing.T) {
	got, want := scenarios.Balancers(), balance.Names()
	if !slices.Equal(got, want) {
		t.Errorf("scenarios.Balancers() = %v\nbalance.Names()       = %v", got, want)
	}
}
