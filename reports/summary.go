package reports

import (
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/baton-sim/baton/scenarios"
)

// UnmatchedRoute names, in summaries and windows, the requests that matched
// no gateway route (Request.Route "").
const UnmatchedRoute = "(unmatched)"

// Meta describes the run a Summary is for.
type Meta struct {
	Scenario string
	Engine   string
	// Duration is the run's length; achieved_rps is requests over it. When
	// zero, the span of the recorded windows is used.
	Duration time.Duration
	// SLO rules are evaluated into Summary.SLO when set.
	SLO []scenarios.SLO
	// Routes gives the order of the routes. Recorded routes not listed here
	// follow in name order, then UnmatchedRoute.
	Routes []string
	// Services gives the order of the services and their replicas; listed
	// ones appear even with no requests. Recorded services and replicas not
	// listed here follow in name order.
	Services []ServiceMeta
}

// ServiceMeta is one service of Meta.Services.
type ServiceMeta struct {
	Name     string
	Replicas []string
}

// ReplicaName is the name of replica i of a service ("backend-2"), the ID
// engines give the replica's mesh endpoint and its Hop records.
func ReplicaName(service string, i int) string {
	return service + "-" + strconv.Itoa(i)
}

// NewMeta builds the Meta of a run of sc on engine: the scenario's duration,
// SLO rules, route order, and services with replicas named by ReplicaName.
// Override Duration when the run ended early.
func NewMeta(sc *scenarios.Scenario, engine string) Meta {
	m := Meta{
		Scenario: sc.Name,
		Engine:   engine,
		Duration: sc.Duration,
		SLO:      sc.SLO,
	}
	for _, rt := range sc.Gateway.Routes {
		m.Routes = append(m.Routes, rt.Name)
	}
	for _, s := range sc.Services {
		sm := ServiceMeta{Name: s.Name}
		for i := range s.Replicas {
			sm.Replicas = append(sm.Replicas, ReplicaName(s.Name, i))
		}
		m.Services = append(m.Services, sm)
	}
	return m
}

// Summary is the whole-run result: the JSON contract CI scripts read.
// Latencies are in milliseconds, truncated to whole microseconds;
// percentiles come from HDR histograms with 3 significant digits (the top
// of the bucket holding the rank, never above the exact maximum); max and
// mean are exact.
type Summary struct {
	Scenario    string  `json:"scenario"`
	Engine      string  `json:"engine"`
	DurationS   float64 `json:"duration_s"`
	Requests    int64   `json:"requests"`
	Errors      int64   `json:"errors"`
	AchievedRPS float64 `json:"achieved_rps"`
	// Latency is measured from each request's intended send time and
	// includes failed requests: a timeout is what the client lived through.
	Latency     Latency `json:"latency_ms"`
	ScheduleLag Lag     `json:"schedule_lag_ms"`
	// ByStatus counts requests per HTTP status; "0" is transport errors.
	ByStatus map[string]int64 `json:"by_status"`
	Routes   []RouteSummary   `json:"routes"`
	Services []ServiceSummary `json:"services"`
	SLO      []SLOResult      `json:"slo"`
	// Events counts what the policies did over the run (see Event kinds).
	Events map[string]int64 `json:"events,omitempty"`
	// Host says whether the machine kept up (see Host); set by sim.Run.
	Host *Host `json:"host,omitempty"`

	// latency lets EvaluateSLO answer any quantile; nil in a Summary read
	// back from JSON, which then offers only the fields above.
	latency *dist
}

// Latency is a latency summary in milliseconds.
type Latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// Lag summarises schedule lag in milliseconds.
type Lag struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// RouteSummary is one gateway route.
type RouteSummary struct {
	Name     string  `json:"name"`
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"`
	Latency  Latency `json:"latency_ms"`
	// ByStatus counts the route's answers per status: a rate-limited
	// tier's 429s, an auth policy's 401s.
	ByStatus map[string]int64 `json:"by_status,omitempty"`
}

// ServiceSummary is one service: every request its replicas served,
// retries and downstream calls included, with latency measured at the
// replica (queueing included).
type ServiceSummary struct {
	Name     string           `json:"name"`
	Requests int64            `json:"requests"`
	Errors   int64            `json:"errors"`
	Latency  Latency          `json:"latency_ms"`
	Replicas []ReplicaSummary `json:"replicas"`
	// Events counts what callers' policies did towards this service:
	// calls, attempts (calls plus retries and hedges), ejections...
	Events map[string]int64 `json:"events,omitempty"`
}

// Amplification is upstream attempts per logical call to the service, 0
// when no mesh client called it.
func (s ServiceSummary) Amplification() float64 {
	if s.Events[EventCall] == 0 {
		return 0
	}
	return float64(s.Events[EventAttempt]) / float64(s.Events[EventCall])
}

// ReplicaSummary is one replica of a service.
type ReplicaSummary struct {
	Name     string `json:"name"`
	Requests int64  `json:"requests"`
	Errors   int64  `json:"errors"`
}

// ErrorRate is Errors/Requests, 0 without requests.
func (s Summary) ErrorRate() float64 {
	if s.Requests == 0 {
		return 0
	}
	return float64(s.Errors) / float64(s.Requests)
}

// Summary computes the run summary. It may be called while recording goes
// on; each series is then read at one instant, but requests and hops are
// not read at the same one.
func (r *Recorder) Summary(meta Meta) Summary {
	s := Summary{
		Scenario: meta.Scenario,
		Engine:   meta.Engine,
		ByStatus: map[string]int64{},
		Routes:   []RouteSummary{},
		Services: []ServiceSummary{},
		SLO:      []SLOResult{},
	}

	r.reqMu.Lock()
	s.Requests = r.total.count
	s.Errors = r.errors
	s.Latency = r.total.latency()
	s.latency = r.total.snapshot()
	if r.lag.count > 0 {
		s.ScheduleLag = Lag{
			P50: usToMs(quantileUs(r.lag.h, 0.50, r.lag.maxUs)),
			P99: usToMs(quantileUs(r.lag.h, 0.99, r.lag.maxUs)),
			Max: usToMs(r.lag.maxUs),
		}
	}
	for st, n := range r.byStatus {
		s.ByStatus[strconv.Itoa(st)] = n
	}
	for _, name := range order(meta.Routes, slices.Collect(maps.Keys(r.routes))) {
		rs := r.routes[name]
		sum := RouteSummary{Name: routeName(name)}
		if rs != nil {
			sum.Requests, sum.Errors, sum.Latency = rs.count, rs.errors, rs.latency()
			sum.ByStatus = make(map[string]int64, len(rs.byStatus))
			for st, n := range rs.byStatus {
				sum.ByStatus[strconv.Itoa(st)] = n
			}
		}
		s.Routes = append(s.Routes, sum)
	}
	nwin := len(r.wins)
	r.reqMu.Unlock()

	services := r.serviceList()
	metaReplicas := make(map[string][]string, len(meta.Services))
	var metaOrder []string
	for _, sm := range meta.Services {
		metaOrder = append(metaOrder, sm.Name)
		metaReplicas[sm.Name] = sm.Replicas
	}
	for _, name := range order(metaOrder, slices.Collect(maps.Keys(services))) {
		sum := ServiceSummary{Name: name, Replicas: []ReplicaSummary{}, Events: r.serviceEvents(name)}
		ss := services[name]
		if ss == nil {
			for _, rep := range metaReplicas[name] {
				sum.Replicas = append(sum.Replicas, ReplicaSummary{Name: rep})
			}
			s.Services = append(s.Services, sum)
			continue
		}
		ss.mu.Lock()
		sum.Requests, sum.Errors, sum.Latency = ss.count, ss.errors, ss.latency()
		for _, rep := range order(metaReplicas[name], slices.Collect(maps.Keys(ss.replicas))) {
			rs := ReplicaSummary{Name: rep}
			if c := ss.replicas[rep]; c != nil {
				rs.Requests, rs.Errors = c.requests, c.errors
			}
			sum.Replicas = append(sum.Replicas, rs)
		}
		nwin = max(nwin, len(ss.wins))
		ss.mu.Unlock()
		s.Services = append(s.Services, sum)
	}

	if ev := r.EventCounts(); len(ev) > 0 {
		s.Events = ev
	}
	d := meta.Duration
	if d <= 0 {
		d = time.Duration(nwin) * r.window
	}
	s.DurationS = round(d.Seconds(), 3)
	if d > 0 {
		s.AchievedRPS = round(float64(s.Requests)/d.Seconds(), 3)
	}
	if len(meta.SLO) > 0 {
		EvaluateSLO(&s, meta.SLO)
	}
	return s
}

// order lists the names in first, then the other names of seen sorted,
// with "" (the unmatched route) last.
func order(first, seen []string) []string {
	out := slices.Clone(first)
	listed := make(map[string]bool, len(first))
	for _, n := range first {
		listed[n] = true
	}
	var rest []string
	unmatched := false
	for _, n := range seen {
		switch {
		case listed[n]:
		case n == "":
			unmatched = true
		default:
			rest = append(rest, n)
		}
	}
	slices.Sort(rest)
	out = append(out, rest...)
	if unmatched {
		out = append(out, "")
	}
	return out
}

func routeName(name string) string {
	if name == "" {
		return UnmatchedRoute
	}
	return name
}
