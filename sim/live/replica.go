package live

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/baton-sim/baton/internal/hrtimer"
	"github.com/baton-sim/baton/mesh"
	"github.com/baton-sim/baton/reports"
	"github.com/baton-sim/baton/sim/synth"
)

// replica is one synthetic service replica serving on its own socket. Its
// capacity (workers and a bounded FIFO queue) is a synth.Station computed
// in exact time: a request's start and its worker's free instant follow
// from the arrival instant and the station's own computed instants, and
// the handler only sleeps until those instants. Timer overshoot so adds
// once to that one answer instead of delaying everything queued behind it.
type replica struct {
	name   string
	svc    *synth.Service
	caller mesh.Caller // this replica's way into the mesh: in process or via its sidecar
	rec    *atomic.Pointer[reports.Recorder]
	body   []byte              // the response body, shared read-only
	served func(ServedRequest) // optional observer (selfcheck), nil for none
	waker  *hrtimer.Waker      // sleeps until computed instants, to the microsecond

	mu      sync.Mutex
	station *synth.Station
	rng     *rand.Rand
	// pending are the requests waiting for a held worker, by ticket; each
	// channel receives the request's start.
	pending map[uint64]chan synth.Grant
	wake    *time.Timer // fires at station.Next() while requests are pending
}

// ServedRequest is one request as a replica's station saw it, for callers
// that check the engine against an ideal queue fed the same draws.
type ServedRequest struct {
	Service, Replica string
	// Arrival is when the request reached the replica; Service the
	// service time drawn for it; Start when its worker began (computed).
	Arrival time.Time
	Work    time.Duration
	Start   time.Time
	// Delivered is when the replica handed its answer back.
	Delivered time.Time
	Status    int
	// Downstream is set when the request called other services (its
	// worker was held until they answered).
	Downstream bool
}

func newReplica(name string, svc *synth.Service, seed uint64, rec *atomic.Pointer[reports.Recorder], concurrency, queue int) *replica {
	return &replica{
		name:    name,
		svc:     svc,
		rec:     rec,
		body:    jsonBody(svc.Name(), name, svc.ResponseBytes()),
		station: synth.NewStation(concurrency, queue),
		rng:     rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		pending: make(map[uint64]chan synth.Grant),
	}
}

// work is what one request will do, drawn under the replica's random stream.
type work struct {
	serviceTime time.Duration
	status      int
	failed      bool
	plan        [][]string
}

// drawLocked draws one request's work; r.mu must be held.
func (r *replica) drawLocked() work {
	w := work{serviceTime: r.svc.ServiceTime(r.rng)}
	w.status, w.failed = r.svc.Fault(r.rng)
	// Plan reuses buf's storage; a fresh one per request keeps concurrent
	// requests from sharing it.
	w.plan = r.svc.Plan(r.rng, nil)
	return w
}

// arrive draws the request's work and admits it at the station, at the
// instant read under the replica's lock (so arrivals never go backwards).
func (r *replica) arrive() (arrived time.Time, job work, g synth.Grant, adm synth.Admission, wait chan synth.Grant) {
	r.mu.Lock()
	defer r.mu.Unlock()
	arrived = time.Now()
	job = r.drawLocked()
	holds := !job.failed && len(job.plan) > 0
	g, adm = r.station.Arrive(arrived, job.serviceTime, holds)
	if adm == synth.Pending {
		wait = make(chan synth.Grant, 1)
		r.pending[g.ID] = wait
		r.armLocked()
	}
	return arrived, job, g, adm, wait
}

// release frees the worker of a request that held it for its downstream
// calls, at the instant the last answer came (or the request gave up).
func (r *replica) release(at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deliverLocked(r.station.Release(at))
	r.armLocked()
}

// advance runs when the wake timer fires: pending requests whose worker
// is known free by now start, at their exact instants.
func (r *replica) advance() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deliverLocked(r.station.Advance(time.Now()))
	r.armLocked()
}

func (r *replica) deliverLocked(gs []synth.Grant) {
	for _, g := range gs {
		if ch, ok := r.pending[g.ID]; ok {
			ch <- g
			delete(r.pending, g.ID)
		}
	}
}

// armLocked sets the wake timer to the station's next instant, if any.
func (r *replica) armLocked() {
	at, ok := r.station.Next()
	if !ok {
		if r.wake != nil {
			r.wake.Stop()
		}
		return
	}
	d := time.Until(at)
	if r.wake == nil {
		r.wake = time.AfterFunc(d, r.advance)
		return
	}
	r.wake.Reset(d)
}

// abandon is a pending request whose client left. Unless it was granted
// meanwhile (its start is then in ch), it stays in line without holding a
// worker for downstream calls. It returns the start when it was granted.
func (r *replica) abandon(id uint64, ch chan synth.Grant) (synth.Grant, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.station.Abandon(id) {
		delete(r.pending, id)
		return synth.Grant{}, false
	}
	return <-ch, true
}

// pause stalls the replica's workers over [from, from+d): a stall fault.
func (r *replica) pause(from time.Time, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.station.Pause(from, d)
	r.armLocked()
}

// sleepUntil waits until the instant t the station computed at epoch, and
// on past any pause announced meanwhile, which moves t later. It returns
// the instant it waited for, and false when ctx ended first.
func (r *replica) sleepUntil(ctx context.Context, t time.Time, epoch int) (time.Time, bool) {
	for {
		if !r.waker.Sleep(ctx, t) {
			return t, false
		}
		r.mu.Lock()
		moved := r.station.Shift(t, epoch)
		epoch = r.station.Epoch()
		r.mu.Unlock()
		if !moved.After(t) {
			return t, true
		}
		t = moved
	}
}

// shifted is instant t of grant g as the station's pauses since moved it.
func (r *replica) shifted(g synth.Grant, t time.Time) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.station.Shift(t, g.Epoch)
}

func (r *replica) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path == healthPath {
		// Health probes check liveness, not capacity: they skip the queue
		// and are not counted as traffic.
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set(mesh.ReplicaHeader, r.name)
	arrived, job, g, adm, wait := r.arrive()
	holds := !job.failed && len(job.plan) > 0
	ctx := req.Context()
	switch adm {
	case synth.Rejected:
		w.WriteHeader(http.StatusServiceUnavailable)
		r.done(arrived, job, arrived, http.StatusServiceUnavailable)
		return
	case synth.Pending:
		select {
		case g = <-wait:
		case <-ctx.Done():
			got, granted := r.abandon(g.ID, wait)
			if granted && holds {
				// Started while the client left: free the worker after
				// the local part, the downstream calls skipped.
				r.release(later(time.Now(), r.shifted(got, got.Done)))
			}
			r.done(arrived, job, got.Start, statusClientClosed)
			return
		}
	}
	local, ok := r.sleepUntil(ctx, g.Done, g.Epoch)
	start := r.shifted(g, g.Start)
	if !ok {
		if holds {
			r.release(later(time.Now(), local))
		}
		r.done(arrived, job, start, statusClientClosed)
		return
	}
	status := http.StatusOK
	if job.failed {
		status = job.status
	} else if holds {
		ok := r.callDownstream(ctx, job.plan)
		r.release(time.Now())
		if !ok {
			// A failed dependency fails the request, as a service
			// without fallbacks does.
			status = http.StatusBadGateway
		}
	}
	w.WriteHeader(status)
	if status == http.StatusOK {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(r.body)
	}
	r.done(arrived, job, start, status)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// statusClientClosed is nginx's code for a request its client abandoned.
const statusClientClosed = 499

// callDownstream runs the plan's steps in order, each step's calls in
// parallel, and reports whether every call succeeded.
func (r *replica) callDownstream(ctx context.Context, plan [][]string) bool {
	for _, group := range plan {
		if len(group) == 1 {
			if !r.call(ctx, group[0]) {
				return false
			}
			continue
		}
		var wg sync.WaitGroup
		var failed atomic.Bool
		for _, svc := range group {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if !r.call(ctx, svc) {
					failed.Store(true)
				}
			}()
		}
		wg.Wait()
		if failed.Load() {
			return false
		}
	}
	return true
}

func (r *replica) call(ctx context.Context, service string) bool {
	resp, err := r.caller.Call(ctx, service, "/", nil)
	return err == nil && resp.Status < 500
}

// done records one request's hop and tells the observer, if any.
func (r *replica) done(arrived time.Time, job work, start time.Time, status int) {
	now := time.Now()
	if rec := r.rec.Load(); rec != nil {
		rec.RecordHop(reports.Hop{
			At:      arrived,
			Service: r.svc.Name(),
			Replica: r.name,
			Status:  status,
			Latency: now.Sub(arrived),
		})
	}
	if r.served != nil {
		r.served(ServedRequest{
			Service: r.svc.Name(), Replica: r.name,
			Arrival: arrived, Work: job.serviceTime, Start: start, Delivered: now,
			Status: status, Downstream: !job.failed && len(job.plan) > 0,
		})
	}
}

// jsonBody is a replica's answer: a JSON object naming the service and the
// replica, padded to size bytes (when size allows), so gateway transforms
// and aggregation have real JSON to work on.
func jsonBody(service, replica string, size int) []byte {
	b := []byte(`{"service":"` + service + `","replica":"` + replica + `"}`)
	if pad := size - len(b) - len(`,"pad":""`); pad > 0 {
		b = append(b[:len(b)-1], `,"pad":"`...)
		b = append(b, bytes.Repeat([]byte{'x'}, pad)...)
		b = append(b, `"}`...)
	}
	return b
}
