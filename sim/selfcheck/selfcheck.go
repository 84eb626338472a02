// Package selfcheck holds Baton's checks of itself: small embedded
// scenarios whose answers queueing theory knows (M/M/1 and M/M/c, the
// supermarket model, a token bucket's count), run on the live engine and
// compared twice — with theory, and with an ideal FCFS queue fed the very
// same arrival instants and service draws the replicas saw.
//
// A finite run of a queue near saturation is noisy (a 90 s M/M/1 at
// ρ = 0.8 spreads about 11 % in its mean from run to run), so the second
// comparison is the one the tolerances hold: measured minus ideal is the
// engine's own error (timer overshoot, scheduling, the socket), free of
// sampling noise. Theory is held to the run's own sampling error,
// estimated by batch means.
package selfcheck

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/baton-sim/baton/reports"
	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim"
	"github.com/baton-sim/baton/sim/live"
)

//go:embed checks/*.yaml
var files embed.FS

// Tolerances.
const (
	// EngineTolerance bounds the engine's own error: the replica-side
	// sojourn as delivered against the ideal queue fed the same draws, on
	// the mean and on p99.
	EngineTolerance = 0.03
	// drawSigmas is how many standard errors an independent draw (the
	// arrival rate, the mean service time) may sit from the scenario
	// before it counts as wrong: about 1 in 16 000 by chance.
	drawSigmas = 4
	// supermarketSlack is the model's own gap: the supermarket formula is
	// the limit of many servers, and twenty sit a few percent above it.
	supermarketSlack = 0.08
	// warmupShare of a run is left out of every statistic: theory is the
	// steady state, and each run starts with empty queues.
	warmupShare = 0.2
	batches     = 10
)

// Kinds of checks.
const (
	kindQueue       = "queue"
	kindSupermarket = "supermarket"
	kindTokenBucket = "token_bucket"
)

// Check is one embedded check: a scenario, the fields it sets, and what
// theory says about it.
type Check struct {
	Name  string
	Title string
	file  string
	sets  []scenarios.Set
	kind  string
}

func set(path, value string) scenarios.Set { return scenarios.Set{Path: path, Value: value} }

// Checks are the embedded checks, in the order they run.
func Checks() []Check {
	queue := func(name, title string, c int, rate string) Check {
		return Check{Name: name, Title: title, file: "queue.yaml", kind: kindQueue,
			sets: []scenarios.Set{set("services.q.concurrency", fmt.Sprint(c)), set("load.rate", rate)}}
	}
	market := func(name, title, balancer string) Check {
		return Check{Name: name, Title: title, file: "supermarket.yaml", kind: kindSupermarket,
			sets: []scenarios.Set{set("mesh.balancer", balancer)}}
	}
	return []Check{
		queue("mm1-0.5", "M/M/1, ρ = 0.5", 1, "50/s"),
		queue("mm1-0.8", "M/M/1, ρ = 0.8", 1, "80/s"),
		queue("mm1-0.9", "M/M/1, ρ = 0.9", 1, "90/s"),
		queue("mm4-0.8", "M/M/4, ρ = 0.8", 4, "320/s"),
		queue("mm4-0.9", "M/M/4, ρ = 0.9", 4, "360/s"),
		market("supermarket-random", "20 × M/M/1, random, ρ = 0.9", "random"),
		market("supermarket-rr", "20 × M/M/1, round robin, ρ = 0.9", "round_robin"),
		market("supermarket-p2c", "20 × M/M/1, power of two choices, ρ = 0.9", "least_request"),
		{Name: "token-bucket", Title: "token bucket 100/s, burst 20, offered 200/s", file: "token-bucket.yaml", kind: kindTokenBucket},
	}
}

// Scenario is the check's scenario with its sets and the given extra ones
// (a shorter duration, say) applied.
func (c Check) Scenario(extra ...scenarios.Set) (*scenarios.Scenario, error) {
	data, err := files.ReadFile("checks/" + c.file)
	if err != nil {
		return nil, fmt.Errorf("selfcheck: %w", err)
	}
	return scenarios.Parse("selfcheck/"+c.file, data, append(slices.Clone(c.sets), extra...)...)
}

// Metric is one compared figure of a check. Durations are in
// milliseconds.
type Metric struct {
	Name string `json:"name"`
	// Theory is what queueing theory (or the scenario) says.
	Theory float64 `json:"theory"`
	// Ideal is the ideal queue fed the same draws (0 where there is none).
	Ideal float64 `json:"ideal,omitempty"`
	// Measured is what the engine delivered.
	Measured float64 `json:"measured"`
	// TheoryError is Measured/Theory − 1; Spread is the run's own
	// sampling spread of it (one standard error, relative), so a theory
	// error of a few spreads is chance, not a fault.
	TheoryError float64 `json:"theory_error"`
	Spread      float64 `json:"spread,omitempty"`
	// EngineError is Measured/Ideal − 1.
	EngineError float64 `json:"engine_error,omitempty"`
	// Held says which error Tolerance bounds: "engine" for sojourns (the
	// engine's own error), "theory" for figures whose sampling is
	// independent and exact (arrival rate, service time, a token count).
	Held      string  `json:"held"`
	Tolerance float64 `json:"tolerance"`
	OK        bool    `json:"ok"`
}

// Result is one check's outcome.
type Result struct {
	Name     string   `json:"name"`
	Title    string   `json:"title"`
	Requests int      `json:"requests"`
	Metrics  []Metric `json:"metrics"`
	// Overhead is what the measured hops add end to end, per request on
	// average: client latency (from the intended send time) minus the
	// replica-side sojourn. SendLagP50 is the load generator's part of it.
	OverheadMs float64 `json:"overhead_ms"`
	SendLagP50 float64 `json:"send_lag_p50_ms"`
	// LateMs is how long after its computed departure a replica's answer
	// left, on average: what the engine adds to each sojourn.
	LateMs float64 `json:"late_ms,omitempty"`
	OK     bool    `json:"ok"`
}

// Options tune a selfcheck run.
type Options struct {
	// Duration, if set, replaces each check's duration (shorter runs are
	// noisier; the theory tolerance widens with them).
	Duration time.Duration
	// Progress, if set, is called before each check starts.
	Progress func(c Check)
}

// Run runs the checks one after another (they would disturb each other
// side by side) and returns their results.
func Run(ctx context.Context, checks []Check, opts Options) ([]Result, error) {
	var out []Result
	for _, c := range checks {
		if opts.Progress != nil {
			opts.Progress(c)
		}
		var extra []scenarios.Set
		if opts.Duration > 0 {
			extra = append(extra, set("duration", opts.Duration.String()))
		}
		sc, err := c.Scenario(extra...)
		if err != nil {
			return nil, err
		}
		r, err := runOne(ctx, c, sc)
		if err != nil {
			return nil, fmt.Errorf("selfcheck %s: %w", c.Name, err)
		}
		out = append(out, r)
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
	}
	return out, nil
}

// OK reports whether every result passed.
func OK(rs []Result) bool {
	for _, r := range rs {
		if !r.OK {
			return false
		}
	}
	return true
}

// served collects what the replicas served.
type served struct {
	mu   sync.Mutex
	reqs []live.ServedRequest
}

func (s *served) add(r live.ServedRequest) {
	s.mu.Lock()
	s.reqs = append(s.reqs, r)
	s.mu.Unlock()
}

func runOne(ctx context.Context, c Check, sc *scenarios.Scenario) (Result, error) {
	var got served
	run, err := sim.Run(ctx, sc, live.New(live.Options{Served: got.add}), sim.Options{})
	if err != nil {
		return Result{}, err
	}
	res := Result{Name: c.Name, Title: c.Title, SendLagP50: run.Summary.ScheduleLag.P50}
	if len(run.Summary.Services) > 0 {
		res.OverheadMs = round3(run.Summary.Latency.Mean - run.Summary.Services[0].Latency.Mean)
	}
	switch c.kind {
	case kindTokenBucket:
		res.Requests = int(run.Summary.Requests)
		res.Metrics = []Metric{tokenBucketMetric(sc, run.Summary)}
	default:
		q, err := queueFigures(sc, got.reqs)
		if err != nil {
			return Result{}, err
		}
		res.Requests = q.n
		res.LateMs = msOf(mean(q.late))
		res.Metrics = queueMetrics(c, sc, q)
	}
	res.OK = true
	for _, m := range res.Metrics {
		res.OK = res.OK && m.OK
	}
	return res, nil
}

// figures are a queue check's measured and ideal sojourns, warm-up left
// out, pooled over replicas in arrival order.
type figures struct {
	n               int
	measured, ideal []time.Duration
	// late is how long after its computed departure each answer left:
	// the timer's overshoot and the write.
	late []time.Duration
	// work are the service draws, and window the span their arrivals
	// were counted over.
	work   []time.Duration
	window time.Duration
}

func queueFigures(sc *scenarios.Scenario, reqs []live.ServedRequest) (figures, error) {
	if len(reqs) == 0 {
		return figures{}, errors.New("no request reached a replica")
	}
	svc := sc.Services[0]
	byReplica := map[string][]live.ServedRequest{}
	first := reqs[0].Arrival
	for _, r := range reqs {
		if r.Status != 200 {
			return figures{}, fmt.Errorf("replica %s answered %d: a theory check must not shed load", r.Replica, r.Status)
		}
		byReplica[r.Replica] = append(byReplica[r.Replica], r)
		if r.Arrival.Before(first) {
			first = r.Arrival
		}
	}
	warm := first.Add(time.Duration(warmupShare * float64(sc.Duration)))
	type sample struct {
		at                            time.Time
		measured, sojourn, late, work time.Duration
	}
	var all []sample
	for _, rs := range byReplica {
		slices.SortFunc(rs, func(a, b live.ServedRequest) int { return a.Arrival.Compare(b.Arrival) })
		arr := make([]time.Time, len(rs))
		work := make([]time.Duration, len(rs))
		for i, r := range rs {
			arr[i], work[i] = r.Arrival, r.Work
		}
		ideal := idealSojourns(svc.Concurrency, arr, work)
		for i, r := range rs {
			if r.Arrival.Before(warm) {
				continue
			}
			all = append(all, sample{r.Arrival, r.Delivered.Sub(r.Arrival), ideal[i], r.Delivered.Sub(r.Start.Add(r.Work)), r.Work})
		}
	}
	slices.SortFunc(all, func(a, b sample) int { return a.at.Compare(b.at) })
	f := figures{n: len(all)}
	for _, s := range all {
		f.measured = append(f.measured, s.measured)
		f.ideal = append(f.ideal, s.sojourn)
		f.late = append(f.late, s.late)
		f.work = append(f.work, s.work)
	}
	last := first
	for _, r := range reqs {
		if r.Arrival.After(last) {
			last = r.Arrival
		}
	}
	f.window = last.Sub(warm)
	return f, nil
}

// theory is what a queue check's scenario should give: the mean sojourn,
// and its p99 where the model has a closed form.
type theory struct {
	mean, p99 time.Duration
	hasP99    bool
	slack     float64
}

func queueTheory(c Check, sc *scenarios.Scenario) theory {
	svc := sc.Services[0]
	s := svc.Latency.Mean
	lambda := sc.Load.Rate / float64(svc.Replicas)
	switch {
	case c.kind == kindQueue || sc.Mesh.Balancer == "random":
		q := MMc{Lambda: lambda, S: s, C: svc.Concurrency}
		return theory{mean: q.MeanSojourn(), p99: q.Quantile(0.99), hasP99: true}
	case sc.Mesh.Balancer == "round_robin":
		q := ErlangKM1{Lambda: lambda, S: s, K: svc.Replicas}
		return theory{mean: q.MeanSojourn(), p99: q.Quantile(0.99), hasP99: true}
	default: // least_request: the power of two choices
		rho := lambda * s.Seconds()
		return theory{mean: Supermarket(rho, 2, s), slack: supermarketSlack}
	}
}

func queueMetrics(c Check, sc *scenarios.Scenario, f figures) []Metric {
	th := queueTheory(c, sc)
	p99 := func(xs []time.Duration) time.Duration { return quantileOf(xs, 0.99) }
	// Batch means underestimate the spread when the run is short next to
	// the queue's relaxation time, so the M/M/1 formula at the servers'
	// utilisation is a floor (the queues of a pool being independent).
	svc := sc.Services[0]
	queues := svc.Replicas
	rho := sc.Load.Rate * svc.Latency.Mean.Seconds() / float64(svc.Replicas*svc.Concurrency)
	floor := MM1MeanSpread(rho, len(f.ideal)/queues) / math.Sqrt(float64(queues))
	meanSE := max(rel(batchSE(f.ideal, batches, mean), th.mean), floor) + th.slack
	ms := []Metric{sojourn("mean sojourn", th.mean, mean(f.ideal), mean(f.measured), meanSE)}
	if th.hasP99 {
		// A p99 from a short run is at least as uncertain as the mean:
		// both follow the same exponential tail.
		spread := max(rel(batchSE(f.ideal, batches, p99), th.p99), meanSE)
		ms = append(ms, sojourn("p99 sojourn", th.p99, p99(slices.Clone(f.ideal)), p99(slices.Clone(f.measured)), spread))
	}
	// What the queue was fed, against the scenario: independent draws, so
	// their standard errors are exact, and a few of them is a fault (a
	// pacer off its rate, a distribution off its mean).
	n := float64(len(f.work))
	rate := n / f.window.Seconds()
	ms = append(ms, drawn("arrival rate (/s)", sc.Load.Rate, rate, 1/math.Sqrt(n)))
	sMean := svc.Latency.Mean
	ms = append(ms, drawn("service time mean", msOf(sMean), msOf(mean(f.work)), 1/math.Sqrt(n)))
	return ms
}

// sojourn builds a sojourn metric, held to EngineTolerance against the
// ideal queue; spread is the theory comparison's sampling error.
func sojourn(name string, theory, ideal, measured time.Duration, spread float64) Metric {
	m := Metric{
		Name:        name,
		Theory:      msOf(theory),
		Ideal:       msOf(ideal),
		Measured:    msOf(measured),
		TheoryError: ratio(float64(measured), float64(theory)),
		Spread:      round4(spread),
		EngineError: ratio(float64(measured), float64(ideal)),
		Held:        "engine",
		Tolerance:   EngineTolerance,
	}
	m.OK = math.Abs(m.EngineError) <= m.Tolerance
	return m
}

// drawn builds a metric of independent draws with relative standard error
// se, held to drawSigmas of it.
func drawn(name string, theory, measured, se float64) Metric {
	m := Metric{Name: name, Theory: round3(theory), Measured: round3(measured),
		TheoryError: ratio(measured, theory), Spread: round4(se), Held: "theory", Tolerance: round4(drawSigmas * se)}
	m.OK = math.Abs(m.TheoryError) <= m.Tolerance
	return m
}

func rel(se, of time.Duration) float64 {
	if of == 0 {
		return 0
	}
	return float64(se) / float64(of)
}

// tokenBucketMetric compares the requests the gateway let through with an
// exact token bucket over the intended arrival instants. The live arrivals
// jitter by a few hundred microseconds around them, which may move a
// request across a token's boundary: 0.5 % (at least 2) is allowed.
func tokenBucketMetric(sc *scenarios.Scenario, s reports.Summary) Metric {
	l := sc.Gateway.RateLimits[0]
	rate := float64(l.Limit) / l.Window.Seconds()
	n := int(math.Round(sc.Load.Rate * sc.Duration.Seconds()))
	arrivals := make([]time.Duration, n)
	for i := range arrivals {
		arrivals[i] = time.Duration(float64(i) / sc.Load.Rate * float64(time.Second))
	}
	want := tokenBucketAllowed(rate, int(l.Burst), arrivals)
	got := s.ByStatus["200"]
	m := Metric{Name: "allowed requests", Theory: float64(want), Measured: float64(got),
		TheoryError: ratio(float64(got), float64(want)), Held: "theory"}
	m.Tolerance = round4(math.Max(0.005, 2/float64(want)))
	m.OK = math.Abs(m.TheoryError) <= m.Tolerance && s.Requests == int64(n)
	return m
}

func ratio(got, want float64) float64 {
	if want == 0 {
		return 0
	}
	return round4(got/want - 1)
}

func msOf(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }
func round3(x float64) float64     { return math.Round(x*1000) / 1000 }
func round4(x float64) float64     { return math.Round(x*10000) / 10000 }
