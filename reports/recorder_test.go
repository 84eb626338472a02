package reports

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/baton-sim/baton/gateway/route"
	"github.com/baton-sim/baton/scenarios"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// ms1to1000 records requests with latencies 1, 2, ..., 1000 ms, shuffled,
// all intended in window 0.
func ms1to1000(r *Recorder) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, i := range rng.Perm(1000) {
		r.RecordRequest(Request{Intended: t0, Latency: time.Duration(i+1) * time.Millisecond, Route: "api", Status: 200})
	}
}

// The expected values follow from the HDR geometry. With 3 significant
// digits a histogram has 2048 sub-buckets, so values in [1024·2^k, 2048·2^k)
// µs share buckets 2^k wide, and a percentile reads as the top of its
// bucket: the 500th value, 500000 µs, lies in [262144, 524288) where
// buckets are 256 wide, so p50 = 1953·256 + 255 = 500223 µs. p90 (900000)
// and above lie in [524288, 1048576), 512 wide: 1757·512+511 = 900095,
// 1933·512+511 = 990207, 1951·512+511 = 999423. Max and mean are exact.
func TestSummaryPercentiles(t *testing.T) {
	r := NewRecorder(t0, 0)
	ms1to1000(r)
	got := r.Summary(Meta{Duration: 10 * time.Second}).Latency
	want := Latency{P50: 500.223, P90: 900.095, P99: 990.207, P999: 999.423, Max: 1000, Mean: 500.5}
	if got != want {
		t.Errorf("latency: got %+v, want %+v", got, want)
	}
}

// Per-window histograms have 2 significant digits: 256 sub-buckets, values
// in [128·2^k, 256·2^k) share buckets 2^k wide. 500000 lies in
// [262144, 524288), 2048 wide: 244·2048+2047 = 501759. 900000 and 990000 lie
// in [524288, 1048576), 4096 wide: 219·4096+4095 = 901119, 241·4096+4095 =
// 991231.
func TestWindowPercentiles(t *testing.T) {
	want := WindowLatency{P50: 501.759, P90: 901.119, P99: 991.231, Max: 1000}
	r := NewRecorder(t0, 0)
	ms1to1000(r)
	if got := r.Windows()[0].Latency; got != want {
		t.Errorf("open window: got %+v, want %+v", got, want)
	}
	// A request in window 40 seals window 0 into a sparse histogram; its
	// numbers must not change.
	r.RecordRequest(Request{Intended: t0.Add(40 * time.Second), Latency: time.Millisecond, Status: 200})
	if w := r.wins[0]; w.latency.dense != nil || w.latency.packed == nil || w.lag.dense != nil || w.lag.packed == nil {
		t.Fatalf("window 0 not sealed")
	}
	if got := r.Windows()[0].Latency; got != want {
		t.Errorf("sealed window: got %+v, want %+v", got, want)
	}
	// A late result for the sealed window still counts.
	r.RecordRequest(Request{Intended: t0.Add(500 * time.Millisecond), Latency: 2 * time.Second, Status: 200})
	w := r.Windows()[0]
	if w.Requests != 1001 || w.Latency.Max != 2000 {
		t.Errorf("late result: got %d requests, max %v; want 1001, 2000", w.Requests, w.Latency.Max)
	}
	// A first result for a window that is already sealed goes straight to a
	// sparse histogram.
	r.RecordRequest(Request{Intended: t0.Add(3 * time.Second), Latency: 7 * time.Millisecond, Status: 200})
	if got, want := r.Windows()[3].Latency, (WindowLatency{P50: 7, P90: 7, P99: 7, Max: 7}); got != want {
		t.Errorf("late window: got %+v, want %+v", got, want)
	}
}

func TestWindowAssignment(t *testing.T) {
	tests := []struct {
		window time.Duration
		offset time.Duration
		want   int
	}{
		{0, -time.Second, 0}, // before the start: window 0
		{0, 0, 0},
		{0, time.Second - 1, 0},
		{0, time.Second, 1}, // a boundary opens the next window
		{0, time.Second + 1, 1},
		{0, 2500 * time.Millisecond, 2},
		{500 * time.Millisecond, 500 * time.Millisecond, 1},
		{500 * time.Millisecond, 2499 * time.Millisecond, 4},
		{100 * time.Millisecond, 300 * time.Millisecond, 3},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v/%v", tt.window, tt.offset), func(t *testing.T) {
			r := NewRecorder(t0, tt.window)
			r.RecordRequest(Request{Intended: t0.Add(tt.offset), Status: 200})
			r.RecordHop(Hop{At: t0.Add(tt.offset), Service: "s", Replica: "s-0", Status: 200})
			ws := r.Windows()
			if got := len(ws); got != tt.want+1 {
				t.Fatalf("windows: got %d, want %d", got, tt.want+1)
			}
			w := ws[tt.want]
			if w.Requests != 1 || w.Services["s"].Requests != 1 {
				t.Errorf("window %d: got %d requests, %d hops; want 1, 1", tt.want, w.Requests, w.Services["s"].Requests)
			}
			win := tt.window
			if win == 0 {
				win = time.Second
			}
			if got, want := w.Start, (time.Duration(tt.want) * win).Seconds(); got != want {
				t.Errorf("start: got %v, want %v", got, want)
			}
		})
	}
}

// A wild timestamp is folded into the last window instead of growing the
// series without bound.
func TestWindowIndexClamped(t *testing.T) {
	r := NewRecorder(t0, time.Second)
	for _, d := range []time.Duration{maxWindows * time.Second, 1000 * 24 * time.Hour, 1<<63 - 1} {
		if got, want := r.windowIndex(t0.Add(d)), maxWindows-1; got != want {
			t.Errorf("windowIndex(start+%v): got %d, want %d", d, got, want)
		}
	}
}

func TestWindowsSeries(t *testing.T) {
	r := NewRecorder(t0, 500*time.Millisecond)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	r.RecordRequest(Request{Intended: at(100), Latency: 4 * time.Millisecond, Lag: 3 * time.Millisecond, Route: "api", Status: 200})
	r.RecordRequest(Request{Intended: at(400), Latency: 8 * time.Millisecond, Lag: time.Millisecond, Route: "api", Status: 503})
	r.RecordRequest(Request{Intended: at(1200), Latency: 2 * time.Millisecond, Route: "", Status: 404})
	r.RecordHop(Hop{At: at(100), Service: "web", Replica: "web-0", Status: 200, Latency: 3 * time.Millisecond})
	r.RecordHop(Hop{At: at(1700), Service: "db", Replica: "db-0", Status: 500, Latency: time.Millisecond})

	zero := Count{}
	want := []Window{
		{
			Start: 0, Length: 0.5, Requests: 2, Errors: 1, RPS: 4,
			Latency:  WindowLatency{P50: 4.015, P90: 8, P99: 8, Max: 8}, // 4000 µs: top of [4000, 4016)
			LagP99:   3,
			LagMax:   3,
			ByStatus: map[string]int64{"200": 1, "503": 1},
			Routes:   map[string]Count{"api": {2, 1}, UnmatchedRoute: zero},
			Services: map[string]Count{"web": {1, 0}, "db": zero},
		},
		{
			Start: 0.5, Length: 0.5, ByStatus: map[string]int64{},
			Routes:   map[string]Count{"api": zero, UnmatchedRoute: zero},
			Services: map[string]Count{"web": zero, "db": zero},
		},
		{
			Start: 1, Length: 0.5, Requests: 1, RPS: 2,
			Latency:  WindowLatency{P50: 2, P90: 2, P99: 2, Max: 2},
			ByStatus: map[string]int64{"404": 1},
			Routes:   map[string]Count{"api": zero, UnmatchedRoute: {1, 0}},
			Services: map[string]Count{"web": zero, "db": zero},
		},
		{ // only a hop: the series still reaches it
			Start: 1.5, Length: 0.5, ByStatus: map[string]int64{},
			Routes:   map[string]Count{"api": zero, UnmatchedRoute: zero},
			Services: map[string]Count{"web": zero, "db": {1, 1}},
		},
	}
	if got := r.Windows(); !reflect.DeepEqual(got, want) {
		t.Errorf("windows:\ngot  %+v\nwant %+v", got, want)
	}
}

// A window's lag p99 comes from its own histogram (2 significant digits,
// so 990000 µs reads as the top of its 4096-wide bucket), survives
// sealing, and never exceeds the exact maximum.
func TestWindowLagP99(t *testing.T) {
	r := NewRecorder(t0, 0)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, i := range rng.Perm(1000) {
		r.RecordRequest(Request{Intended: t0, Lag: time.Duration(i+1) * time.Millisecond, Status: 200})
	}
	r.RecordRequest(Request{Intended: t0.Add(time.Second), Lag: 5 * time.Millisecond, Status: 200})
	check := func(when string) {
		t.Helper()
		ws := r.Windows()
		if got, want := [2]float64{ws[0].LagP99, ws[0].LagMax}, [2]float64{991.231, 1000}; got != want {
			t.Errorf("%s: window 0 lag p99, max: got %v, want %v", when, got, want)
		}
		if got, want := [2]float64{ws[1].LagP99, ws[1].LagMax}, [2]float64{5, 5}; got != want {
			t.Errorf("%s: window 1 lag p99, max: got %v, want %v", when, got, want)
		}
	}
	check("open")
	r.RecordRequest(Request{Intended: t0.Add(40 * time.Second), Status: 200})
	check("sealed")
}

func TestCountsAddUp(t *testing.T) {
	r := NewRecorder(t0, 0)
	reqs := []struct {
		status int
		failed bool
		route  string
		n      int
	}{
		{200, false, "api", 50},
		{200, true, "api", 2}, // failed despite its status (body not read)
		{404, false, "", 3},
		{429, false, "api", 7}, // not an error: the limiter answered
		{500, false, "api", 4}, // an error even with Failed unset
		{503, true, "web", 5},
		{0, true, "web", 6}, // transport error
	}
	for _, q := range reqs {
		for i := range q.n {
			r.RecordRequest(Request{
				Intended: t0.Add(time.Duration(i) * 300 * time.Millisecond),
				Latency:  time.Millisecond, Route: q.route, Status: q.status, Failed: q.failed,
			})
		}
	}
	hops := []struct {
		service, replica string
		status, n        int
	}{
		{"web", "web-1", 200, 10},
		{"web", "web-0", 200, 9},
		{"web", "web-0", 502, 1},
		{"db", "db-0", 200, 4},
		{"extra", "x", 200, 1},
	}
	for _, h := range hops {
		for range h.n {
			r.RecordHop(Hop{At: t0, Service: h.service, Replica: h.replica, Status: h.status, Latency: time.Millisecond})
		}
	}
	meta := Meta{
		Duration: 10 * time.Second,
		Routes:   []string{"web", "api"},
		Services: []ServiceMeta{
			{Name: "web", Replicas: []string{"web-0", "web-1", "web-2"}},
			{Name: "cache", Replicas: []string{"cache-0"}},
			{Name: "db", Replicas: []string{"db-0"}},
		},
	}
	s := r.Summary(meta)

	if got, want := s.Requests, int64(77); got != want {
		t.Errorf("requests: got %d, want %d", got, want)
	}
	if got, want := s.Errors, int64(2+4+5+6); got != want {
		t.Errorf("errors: got %d, want %d", got, want)
	}
	wantStatus := map[string]int64{"200": 52, "404": 3, "429": 7, "500": 4, "503": 5, "0": 6}
	if !reflect.DeepEqual(s.ByStatus, wantStatus) {
		t.Errorf("by_status: got %v, want %v", s.ByStatus, wantStatus)
	}
	var sum int64
	for _, n := range s.ByStatus {
		sum += n
	}
	if sum != s.Requests {
		t.Errorf("sum of by_status: got %d, want %d", sum, s.Requests)
	}
	if got, want := s.AchievedRPS, 7.7; got != want {
		t.Errorf("achieved_rps: got %v, want %v", got, want)
	}

	var routes []string
	var routeSum, routeErr int64
	for _, rt := range s.Routes {
		routes = append(routes, fmt.Sprintf("%s:%d/%d", rt.Name, rt.Requests, rt.Errors))
		routeSum += rt.Requests
		routeErr += rt.Errors
	}
	if got, want := routes, []string{"web:11/11", "api:63/6", UnmatchedRoute + ":3/0"}; !reflect.DeepEqual(got, want) {
		t.Errorf("routes: got %v, want %v", got, want)
	}
	if routeSum != s.Requests || routeErr != s.Errors {
		t.Errorf("routes add up to %d/%d, want %d/%d", routeSum, routeErr, s.Requests, s.Errors)
	}

	var services []string
	for _, sv := range s.Services {
		line := fmt.Sprintf("%s:%d/%d", sv.Name, sv.Requests, sv.Errors)
		var repSum int64
		for _, rep := range sv.Replicas {
			line += fmt.Sprintf(" %s:%d/%d", rep.Name, rep.Requests, rep.Errors)
			repSum += rep.Requests
		}
		if repSum != sv.Requests {
			t.Errorf("%s: replicas add up to %d, want %d", sv.Name, repSum, sv.Requests)
		}
		services = append(services, line)
	}
	want := []string{
		"web:20/1 web-0:10/1 web-1:10/0 web-2:0/0",
		"cache:0/0 cache-0:0/0",
		"db:4/0 db-0:4/0",
		"extra:1/0 x:1/0",
	}
	if !reflect.DeepEqual(services, want) {
		t.Errorf("services:\ngot  %q\nwant %q", services, want)
	}

	// The windows hold the same requests as the totals.
	var winReq, winErr int64
	for _, w := range r.Windows() {
		winReq += w.Requests
		winErr += w.Errors
	}
	if winReq != s.Requests || winErr != s.Errors {
		t.Errorf("windows add up to %d/%d, want %d/%d", winReq, winErr, s.Requests, s.Errors)
	}
}

func TestSummaryEmpty(t *testing.T) {
	s := NewRecorder(t0, 0).Summary(Meta{Scenario: "x", Engine: "virtual"})
	want := Summary{
		Scenario: "x", Engine: "virtual",
		ByStatus: map[string]int64{}, Routes: []RouteSummary{}, Services: []ServiceSummary{}, SLO: []SLOResult{},
	}
	s.latency = nil
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got %+v, want %+v", s, want)
	}
}

// Without Meta.Duration the run lasts as long as its windows.
func TestSummaryDurationFromWindows(t *testing.T) {
	r := NewRecorder(t0, 0)
	for i := range 30 {
		r.RecordRequest(Request{Intended: t0.Add(time.Duration(i) * 100 * time.Millisecond), Status: 200})
	}
	s := r.Summary(Meta{})
	if s.DurationS != 3 || s.AchievedRPS != 10 {
		t.Errorf("got %vs, %v rps; want 3s, 10 rps", s.DurationS, s.AchievedRPS)
	}
}

func TestScheduleLagAndClamping(t *testing.T) {
	r := NewRecorder(t0, 0)
	for i := range 100 {
		r.RecordRequest(Request{Intended: t0, Latency: 2 * time.Hour, Lag: time.Duration(i+1) * time.Microsecond, Status: 200})
	}
	r.RecordRequest(Request{Intended: t0, Latency: -time.Second, Lag: -time.Second, Status: 200})
	s := r.Summary(Meta{Duration: time.Second})
	// Lags of 1..100 µs sit below 2048 µs where buckets are 1 µs wide: exact.
	if got, want := s.ScheduleLag, (Lag{P50: 0.05, P99: 0.099, Max: 0.1}); got != want {
		t.Errorf("lag: got %+v, want %+v", got, want)
	}
	// Latencies past 1 h are clamped to 1 h; negative ones to 0.
	if got, want := s.Latency.Max, 3600000.0; got != want {
		t.Errorf("max: got %v, want %v", got, want)
	}
	if got, want := s.Latency.P99, 3600000.0; got != want {
		t.Errorf("p99: got %v, want %v", got, want)
	}
}

func TestProgress(t *testing.T) {
	r := NewRecorder(t0, 0)
	for i := range 30 { // windows 0, 1, 2: 10 requests each
		status := 200
		if i == 15 {
			status = 503
		}
		r.RecordRequest(Request{Intended: t0.Add(time.Duration(i) * 100 * time.Millisecond), Latency: time.Duration(i+1) * time.Millisecond, Status: status})
	}
	tests := []struct {
		now  time.Duration
		want Progress
		line string
	}{
		{-time.Second, Progress{Requests: 30, Errors: 1}, "0s  30 req  0.0 rps  p99 0.0ms  err 0.00%"},
		{999 * time.Millisecond, Progress{Elapsed: 999 * time.Millisecond, Requests: 30, Errors: 1}, "0s  30 req  0.0 rps  p99 0.0ms  err 0.00%"},
		{time.Second, Progress{Elapsed: time.Second, Requests: 30, Errors: 1, WindowRequests: 10, RPS: 10, P99: 10}, "1s  30 req  10.0 rps  p99 10.0ms  err 0.00%"},
		{2500 * time.Millisecond, Progress{Elapsed: 2500 * time.Millisecond, Requests: 30, Errors: 1, WindowRequests: 10, WindowErrors: 1, RPS: 10, P99: 20}, "2s  30 req  10.0 rps  p99 20.0ms  err 10.00%"},
		{10 * time.Second, Progress{Elapsed: 10 * time.Second, Requests: 30, Errors: 1}, "10s  30 req  0.0 rps  p99 0.0ms  err 0.00%"},
	}
	for _, tt := range tests {
		got := r.Progress(t0.Add(tt.now))
		if got != tt.want {
			t.Errorf("Progress(%v): got %+v, want %+v", tt.now, got, tt.want)
		}
		if line := got.Line(); line != tt.line {
			t.Errorf("Progress(%v).Line(): got %q, want %q", tt.now, line, tt.line)
		}
	}
}

func TestProgressLine(t *testing.T) {
	p := Progress{Elapsed: 12*time.Second + 300*time.Millisecond, Requests: 2401, Errors: 3, WindowRequests: 200, RPS: 200.1, P99: 8.24}
	if got, want := p.Line(), "12s  2401 req  200.1 rps  p99 8.2ms  err 0.00%"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestNewMeta(t *testing.T) {
	sc := &scenarios.Scenario{
		Name:     "quickstart",
		Duration: 30 * time.Second,
		Services: []scenarios.Service{{Name: "frontend", Replicas: 2}, {Name: "backend", Replicas: 1}},
		Gateway:  scenarios.Gateway{Routes: []scenarios.Route{{Route: route.Route{Name: "api"}}, {Route: route.Route{Name: "static"}}}},
		SLO:      []scenarios.SLO{{Rule: "p99 < 150ms", Metric: scenarios.MetricPercentile, Quantile: 0.99, Op: "<", Threshold: 150}},
	}
	got := NewMeta(sc, "live")
	want := Meta{
		Scenario: "quickstart", Engine: "live", Duration: 30 * time.Second, SLO: sc.SLO,
		Routes: []string{"api", "static"},
		Services: []ServiceMeta{
			{Name: "frontend", Replicas: []string{"frontend-0", "frontend-1"}},
			{Name: "backend", Replicas: []string{"backend-0"}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// Many goroutines record while others read; every record must be counted.
func TestConcurrent(t *testing.T) {
	r := NewRecorder(t0, 100*time.Millisecond)
	const workers, each = 8, 2000
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			_ = r.Progress(t0.Add(time.Second))
			_ = r.Summary(Meta{})
			_ = r.Windows()
		}
	}()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			svc := "svc-" + strconv.Itoa(w%3)
			for i := range each {
				at := t0.Add(time.Duration(i) * time.Millisecond)
				status := 200
				if i%10 == 0 {
					status = 500
				}
				r.RecordRequest(Request{Intended: at, Latency: time.Duration(i) * time.Microsecond, Route: "r" + strconv.Itoa(w%2), Status: status})
				r.RecordHop(Hop{At: at, Service: svc, Replica: svc + "-" + strconv.Itoa(i%2), Status: status, Latency: time.Millisecond})
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()

	s := r.Summary(Meta{})
	if got, want := s.Requests, int64(workers*each); got != want {
		t.Errorf("requests: got %d, want %d", got, want)
	}
	if got, want := s.Errors, int64(workers*each/10); got != want {
		t.Errorf("errors: got %d, want %d", got, want)
	}
	var hops int64
	for _, sv := range s.Services {
		hops += sv.Requests
	}
	if got, want := hops, int64(workers*each); got != want {
		t.Errorf("hops: got %d, want %d", got, want)
	}
	var winReq, winHops int64
	for _, w := range r.Windows() {
		winReq += w.Requests
		for _, c := range w.Services {
			winHops += c.Requests
		}
	}
	if winReq != s.Requests || winHops != hops {
		t.Errorf("windows: got %d requests, %d hops; want %d, %d", winReq, winHops, s.Requests, hops)
	}
}

// A one-hour run with 20 services must stay well under 200 MB. Heap growth
// after a GC is a count of live bytes, not a timing, so it is stable.
func TestMemoryOneHour(t *testing.T) {
	if testing.Short() {
		t.Skip("records 3600 windows")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	r := NewRecorder(t0, time.Second)
	rng := rand.New(rand.NewPCG(3, 4))
	for sec := range 3600 {
		for i := range 60 {
			at := t0.Add(time.Duration(sec)*time.Second + time.Duration(i)*16*time.Millisecond)
			// Spread latencies over five decades so many buckets fill.
			lat := time.Duration(rng.ExpFloat64()*float64(20*time.Millisecond)) + time.Duration(rng.IntN(1000))*time.Microsecond
			r.RecordRequest(Request{Intended: at, Latency: lat, Route: "r" + strconv.Itoa(i%4), Status: 200})
			if i < 20 {
				svc := "svc-" + strconv.Itoa(i)
				r.RecordHop(Hop{At: at, Service: svc, Replica: svc + "-" + strconv.Itoa(sec%3), Status: 200, Latency: lat})
			}
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("heap grew by %.1f MB", float64(grown)/(1<<20))
	const limit = 64 << 20
	if grown > limit {
		t.Errorf("heap grew by %d MB, want under %d MB", grown>>20, limit>>20)
	}
	runtime.KeepAlive(r)
}
