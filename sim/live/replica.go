package live

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/baton-sim/baton/internal/waitctx"
	"github.com/baton-sim/baton/mesh"
	"github.com/baton-sim/baton/reports"
	"github.com/baton-sim/baton/sim/synth"
)

// replica is one synthetic service replica: a worker pool of the service's
// concurrency with a bounded FIFO queue in front, serving on its own socket.
type replica struct {
	name   string
	svc    *synth.Service
	caller mesh.Caller // this replica's way into the mesh: in process or via its sidecar
	rec    *atomic.Pointer[reports.Recorder]
	body   []byte // the response body, shared read-only

	mu      sync.Mutex
	station *synth.Station
	waiters []chan struct{} // queued requests, oldest first

	rngMu sync.Mutex
	rng   *rand.Rand
}

func newReplica(name string, svc *synth.Service, seed uint64, rec *atomic.Pointer[reports.Recorder], concurrency, queue int) *replica {
	return &replica{
		name:    name,
		svc:     svc,
		rec:     rec,
		body:    jsonBody(svc.Name(), name, svc.ResponseBytes()),
		station: synth.NewStation(concurrency, queue),
		rng:     rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
}

// admit takes a worker, waiting in the queue if all are busy. It reports
// false when the queue is full too: the request must be rejected.
func (r *replica) admit() bool {
	r.mu.Lock()
	switch r.station.Arrive() {
	case synth.Start:
		r.mu.Unlock()
		return true
	case synth.Queued:
		ch := make(chan struct{})
		r.waiters = append(r.waiters, ch)
		r.mu.Unlock()
		// A queued request is not abandoned when its caller gives up, as in
		// most thread-pool servers: the work is done and the answer dropped.
		<-ch
		return true
	default:
		r.mu.Unlock()
		return false
	}
}

// release frees a worker, handing it straight to the oldest queued request.
func (r *replica) release() {
	r.mu.Lock()
	if r.station.Finish() && len(r.waiters) > 0 {
		ch := r.waiters[0]
		r.waiters[0] = nil
		r.waiters = r.waiters[1:]
		close(ch)
	}
	r.mu.Unlock()
}

// work is what one request will do, drawn under the replica's random stream.
type work struct {
	serviceTime time.Duration
	status      int
	failed      bool
	plan        [][]string
}

func (r *replica) draw() work {
	r.rngMu.Lock()
	defer r.rngMu.Unlock()
	w := work{serviceTime: r.svc.ServiceTime(r.rng)}
	w.status, w.failed = r.svc.Fault(r.rng)
	// Plan reuses buf's storage; a fresh one per request keeps concurrent
	// requests from sharing it.
	w.plan = r.svc.Plan(r.rng, nil)
	return w
}

func (r *replica) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path == healthPath {
		// Health probes check liveness, not capacity: they skip the queue
		// and are not counted as traffic.
		w.WriteHeader(http.StatusOK)
		return
	}
	arrived := time.Now()
	w.Header().Set(mesh.ReplicaHeader, r.name)
	if !r.admit() {
		w.WriteHeader(http.StatusServiceUnavailable)
		r.record(arrived, http.StatusServiceUnavailable)
		return
	}
	defer r.release()

	job := r.draw()
	ctx := req.Context()
	if !waitctx.Sleep(ctx, job.serviceTime) {
		r.record(arrived, statusClientClosed)
		return
	}
	status := http.StatusOK
	if job.failed {
		status = job.status
	} else if !r.callDownstream(ctx, job.plan) {
		// A failed dependency fails the request, as a service without
		// fallbacks does.
		status = http.StatusBadGateway
	}
	w.WriteHeader(status)
	if status == http.StatusOK {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(r.body)
	}
	r.record(arrived, status)
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

func (r *replica) record(arrived time.Time, status int) {
	rec := r.rec.Load()
	if rec == nil {
		return
	}
	now := time.Now()
	rec.RecordHop(reports.Hop{
		At:      arrived,
		Service: r.svc.Name(),
		Replica: r.name,
		Status:  status,
		Latency: now.Sub(arrived),
	})
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
