package live

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/baton-sim/baton/internal/waitctx"
	"github.com/baton-sim/baton/reports"
	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim/load"
)

// Drive offers the scenario's load to the gateway and records every
// answer. The open model sends on the profile's schedule with vegeta,
// measuring each request from its intended send time; the closed model
// runs virtual users that send, wait and think.
func (in *Instance) Drive(ctx context.Context, begin func(time.Time) *reports.Recorder) error {
	sc := in.sc
	mix, err := load.NewMix(loadClients(sc), in.paths())
	if err != nil {
		return fmt.Errorf("live: client mix: %w", err)
	}
	// Over TLS, each client class with a certificate has its own
	// connections (see transports).
	tr := in.transports()
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport:     tr,
		Timeout:       in.opts.RequestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	seed := scenarios.DeriveSeed(sc.Seed, "load/requests")
	d := &driver{in: in, mix: mix, pick: rand.New(rand.NewPCG(seed, ^seed)), bases: in.gatewayURLs(), certClasses: tr.byClass}
	if closed, err := closedModel(sc); err != nil {
		return err
	} else if closed != nil {
		return d.closed(ctx, closed, client, begin)
	}
	return d.open(ctx, client, begin)
}

// driver turns the client mix into requests against the gateway replicas.
type driver struct {
	in    *Instance
	mix   *load.Mix
	bases []string // gateway replica URLs, requests spread in turn
	// certClasses are the classes that present a client certificate;
	// their requests carry classHeader.
	certClasses map[string]*http.Transport

	mu   sync.Mutex // guards pick, req and n
	pick *rand.Rand
	req  load.Request
	n    uint64
}

// next draws the next request of the mix as a vegeta target.
func (d *driver) next(t *vegeta.Target) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.mix.Next(d.pick, &d.req)
	base := d.bases[d.n%uint64(len(d.bases))]
	d.n++
	*t = vegeta.Target{Method: d.req.Method, URL: base + d.req.Path}
	_, cert := d.certClasses[d.req.Class]
	if len(d.req.Header) > 0 || cert {
		t.Header = make(http.Header, len(d.req.Header)+1)
		for _, h := range d.req.Header {
			t.Header.Add(h.Name, h.Value)
		}
		if cert {
			t.Header.Set(classHeader, d.req.Class)
		}
	}
	if len(d.req.Body) > 0 {
		t.Body = bytes.Clone(d.req.Body)
	}
}

// record folds one answer into the recorder.
func (d *driver) record(rec *reports.Recorder, intended, sent, end time.Time, status int, h http.Header, bytesIn int64) {
	lag := max(sent.Sub(intended), 0)
	rec.RecordRequest(reports.Request{
		Intended: intended,
		Latency:  end.Sub(intended),
		Lag:      lag,
		Route:    h.Get(routeHeader),
		Status:   status,
		Failed:   status == 0 || status >= 500,
		BytesIn:  bytesIn,
	})
}

// open drives the open model with vegeta on the profile's schedule.
func (d *driver) open(ctx context.Context, client *http.Client, begin func(time.Time) *reports.Recorder) error {
	sc := d.in.sc
	profile, err := loadProfile(sc)
	if err != nil {
		return fmt.Errorf("live: load profile: %w", err)
	}
	memory := int(peakRate(profile)*d.in.opts.RequestTimeout.Seconds()*2) + load.MinMemory
	sched := load.NewSteer(load.NewSchedule(profile, sc.Load.Arrival, scenarios.DeriveSeed(sc.Seed, "load"), memory))
	d.in.steer.Store(sched)
	atk := vegeta.NewAttacker(
		vegeta.Client(client),
		vegeta.MaxWorkers(d.in.opts.MaxWorkers),
		vegeta.MaxBody(0), // count bytes, keep none: a long run must not hold every body
	)
	epoch := d.in.begin(begin)
	// No duration for vegeta: the schedule itself says when the load is
	// over, so a driver that fell behind still sends every scheduled
	// request (late, with its lag recorded) instead of silently dropping
	// the tail.
	pacer := &precisePacer{Pacer: sched, ctx: ctx, waker: d.in.waker}
	results := atk.Attack(func(t *vegeta.Target) error { d.next(t); return nil }, pacer, 0, sc.Name)
	stop := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stop()
	rec := d.in.rec.Load()
	for res := range results {
		intended := res.Timestamp
		if off, ok := sched.Intended(res.Seq); ok {
			intended = epoch.Add(off)
		}
		d.record(rec, intended, res.Timestamp, res.Timestamp.Add(res.Latency), int(res.Code), res.Headers, int64(res.BytesIn))
	}
	// An interrupted run still has a summary worth printing: the caller
	// tells the user it was cut short.
	return nil
}

// precisePacer sleeps out the schedule's waits itself, on the engine's
// precise waker, and hands vegeta no wait: vegeta's own time.Sleep goes
// through Go's millisecond-grained poller and would send each request
// about 0.6 ms late on an idle machine. Latency is measured from the
// intended instant either way; this keeps the send lag — and what a late
// send adds to every latency — near the machine's true wake-up cost.
type precisePacer struct {
	vegeta.Pacer
	ctx   context.Context
	waker interface {
		Sleep(context.Context, time.Time) bool
	}
}

func (p *precisePacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	wait, stop := p.Pacer.Pace(elapsed, hits)
	if stop || wait <= 0 {
		return 0, stop
	}
	if !p.waker.Sleep(p.ctx, time.Now().Add(wait)) {
		return 0, true
	}
	return 0, false
}

// closed runs the closed model: Users(t) virtual users, each sending a
// request, waiting for its answer, thinking, and sending again. A user's
// request is intended when its think time ends, so a slow system lowers
// the offered rate instead of building a queue — the point of the model.
func (d *driver) closed(ctx context.Context, m *load.Closed, client *http.Client, begin func(time.Time) *reports.Recorder) error {
	epoch := d.in.begin(begin)
	rec := d.in.rec.Load()
	ctx, cancel := context.WithDeadline(ctx, epoch.Add(m.Duration()))
	defer cancel()
	var wg sync.WaitGroup
	for vu := range m.MaxUsers() {
		seed := scenarios.DeriveSeed(d.in.sc.Seed, fmt.Sprintf("load/vu/%d", vu))
		r := rand.New(rand.NewPCG(seed, ^seed))
		wg.Add(1)
		go func() {
			defer wg.Done()
			var t vegeta.Target
			for ctx.Err() == nil {
				now := time.Now()
				if vu >= m.Users(now.Sub(epoch)) {
					// Not active yet (or any more): wait for the next
					// change in the user count.
					next, ok := m.NextChange(now.Sub(epoch))
					if !ok || !sleepUntil(ctx, epoch.Add(next)) {
						return
					}
					continue
				}
				d.next(&t)
				req, err := t.Request()
				if err != nil {
					return
				}
				sent := time.Now()
				resp, err := client.Do(req.WithContext(ctx))
				status, h, n := 0, http.Header(nil), int64(0)
				if err == nil {
					n, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status, h = resp.StatusCode, resp.Header
				} else if ctx.Err() != nil {
					return // the run ended mid-request: not a failure
				}
				d.record(rec, sent, sent, time.Now(), status, h, n)
				if !sleepUntil(ctx, time.Now().Add(m.Next(vu, r))) {
					return
				}
			}
		}()
	}
	wg.Wait()
	return nil
}

// begin starts the run's clocks: the recorder's, the faults'.
func (in *Instance) begin(begin func(time.Time) *reports.Recorder) time.Time {
	epoch := time.Now()
	in.rec.Store(begin(epoch))
	in.faults.begin(epoch)
	return epoch
}

// paths are the request paths when no client classes are given: the
// scenario's load.paths (defaulting to each route's prefix).
func (in *Instance) paths() []string {
	if len(in.sc.Load.Paths) > 0 {
		return in.sc.Load.Paths
	}
	var ps []string
	for _, r := range in.sc.Gateway.Routes {
		ps = append(ps, r.Prefix)
	}
	return ps
}

// peakRate is the highest rate the profile reaches, sampled per 100ms,
// to size the schedule's memory of intended times.
func peakRate(p *load.Profile) float64 {
	peak := 0.0
	for t := time.Duration(0); t <= p.Duration(); t += 100 * time.Millisecond {
		peak = max(peak, p.Rate(t))
	}
	return peak
}

func sleepUntil(ctx context.Context, t time.Time) bool {
	return waitctx.Sleep(ctx, time.Until(t))
}
