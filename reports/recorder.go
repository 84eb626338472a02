// Package reports is the one source of every number Baton shows: the
// Recorder folds request and hop results into time windows and whole-run
// HDR histograms, and the run summary, SLO verdicts, time series and text
// output are all computed from it. The TUI, the plots and CI's checks read
// these values; they compute no statistics of their own.
package reports

import (
	"slices"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// DefaultWindow is the window length used when NewRecorder gets 0.
const DefaultWindow = time.Second

// Bounds of the per-window state.
const (
	// openWindows is how many of the latest request windows keep a dense
	// histogram. A request is recorded when it completes but belongs to the
	// window of its intended send time, so recent windows still receive
	// results; older ones are sealed into a sparse histogram of a few KB. A
	// late result for a sealed window is still recorded, only more slowly.
	openWindows = 16
	// maxWindows bounds the window index (12 days of 1 s windows), so a
	// wild timestamp cannot make the recorder allocate without limit;
	// anything later is folded into the last window.
	maxWindows = 1 << 20
)

// Request is one client-visible request, recorded by the load driver.
type Request struct {
	// Intended is when the request was scheduled to be sent. It chooses the
	// window, and Latency is measured from it rather than from the actual
	// send, so a stalled sender cannot hide queueing (coordinated omission).
	Intended time.Time
	Latency  time.Duration
	// Lag is how late the request was actually sent relative to Intended.
	Lag time.Duration
	// Route is the gateway route name; "" if no route matched.
	Route string
	// Status is the HTTP status; 0 for a transport error.
	Status int
	// Failed marks a failed request. A request also counts as failed when
	// IsFailure(Status) holds, so a driver may leave Failed false for a
	// plain 5xx; setting it covers failures that have a good status, such as
	// a body that could not be read.
	Failed  bool
	BytesIn int64
}

// Hop is one request served by one replica of a service, recorded by the
// replica. Latency includes the time it waited in the replica's queue.
type Hop struct {
	// At is when the replica received the request; it chooses the window.
	At      time.Time
	Service string
	Replica string
	Status  int
	Latency time.Duration
}

// IsFailure reports whether a status counts as an error: a transport error
// (0) or a server error (5xx). 4xx answers, 429 included, are not errors:
// they are the gateway's deliberate answers (rate limiting, auth, no route),
// reported in the status counts, and counting them as errors would make
// every rate-limiting scenario fail its error budget by design.
func IsFailure(status int) bool { return status == 0 || status >= 500 }

// Recorder folds results into fixed windows and whole-run series per route,
// service, replica and status. It is safe for concurrent use; recording
// does not allocate once a series and its window exist.
//
// Locking is split by stream: request records (the load driver) share one
// mutex, and hop records take the mutex of their service only, so replicas
// of different services never contend.
type Recorder struct {
	start  time.Time
	window time.Duration

	reqMu       sync.Mutex
	total       dist // client latency from the intended time
	lag         dist // schedule lag
	errors      int64
	bytesIn     int64
	byStatus    map[int]int64
	routes      map[string]*routeSeries
	wins        []*reqWindow // by window index; nil where nothing was recorded
	high        int          // highest request window index seen
	sealedBelow int          // every window below this index is sealed
	free        []*hdr.Histogram

	svcMu    sync.RWMutex
	services map[string]*serviceSeries

	events events
}

// count is a pair of counters.
type count struct{ requests, errors int64 }

func (c *count) add(failed bool) {
	c.requests++
	if failed {
		c.errors++
	}
}

// routeSeries is one gateway route; guarded by Recorder.reqMu.
type routeSeries struct {
	dist
	errors   int64
	byStatus map[int]int64
	wins     []count
}

// reqWindow is one window of the request stream; guarded by Recorder.reqMu.
type reqWindow struct {
	count
	maxUs    int64
	maxLagUs int64
	byStatus map[int]int64
	latency  windowHist
	// lag is the schedule lag, so a window can say whether its p99 send
	// was late (the host's verdict looks for the rate where that began).
	lag windowHist
}

// windowHist is one per-window histogram. Exactly one of dense (open
// window) and packed (sealed) is set.
type windowHist struct {
	dense  *hdr.Histogram
	packed *hdr.PackedHistogram
}

func (h *windowHist) hist() percentiler {
	if h.dense != nil {
		return h.dense
	}
	return h.packed
}

func (h *windowHist) record(us int64) {
	if h.dense != nil {
		_ = h.dense.RecordValue(us)
	} else {
		_ = h.packed.RecordValue(us) // a late result for a sealed window
	}
}

// serviceSeries is one service; guarded by its own mu.
type serviceSeries struct {
	mu sync.Mutex
	dist
	errors   int64
	byStatus map[int]int64
	replicas map[string]*count
	wins     []count
}

// NewRecorder returns a Recorder whose windows start at start and last
// window (DefaultWindow if 0).
func NewRecorder(start time.Time, window time.Duration) *Recorder {
	if window <= 0 {
		window = DefaultWindow
	}
	return &Recorder{
		start:    start,
		window:   window,
		total:    newDist(),
		lag:      newDist(),
		byStatus: make(map[int]int64),
		routes:   make(map[string]*routeSeries),
		high:     -1,
		services: make(map[string]*serviceSeries),
	}
}

// Start is the time window 0 begins.
func (r *Recorder) Start() time.Time { return r.start }

// Window is the window length.
func (r *Recorder) Window() time.Duration { return r.window }

// windowIndex maps t to its window: [start+i*w, start+(i+1)*w) is window i.
// Times before start go to window 0.
func (r *Recorder) windowIndex(t time.Time) int {
	d := t.Sub(r.start)
	if d < 0 {
		return 0
	}
	i := d / r.window
	if i >= maxWindows {
		return maxWindows - 1
	}
	return int(i)
}

// grow extends s so that s[i] exists, with the new elements zero.
func grow[T any](s []T, i int) []T {
	if i < len(s) {
		return s
	}
	n := len(s)
	s = slices.Grow(s, i+1-n)[:i+1]
	clear(s[n:])
	return s
}

// RecordRequest records one client-visible request.
func (r *Recorder) RecordRequest(q Request) {
	failed := q.Failed || IsFailure(q.Status)
	idx := r.windowIndex(q.Intended)
	us := micros(q.Latency)
	lagUs := micros(q.Lag)

	r.reqMu.Lock()
	defer r.reqMu.Unlock()

	r.total.record(q.Latency)
	r.lag.record(q.Lag)
	if failed {
		r.errors++
	}
	r.bytesIn += q.BytesIn
	r.byStatus[q.Status]++

	rs := r.routes[q.Route]
	if rs == nil {
		rs = &routeSeries{dist: newDist(), byStatus: make(map[int]int64, 2)}
		r.routes[q.Route] = rs
	}
	rs.record(q.Latency)
	rs.byStatus[q.Status]++
	if failed {
		rs.errors++
	}
	rs.wins = grow(rs.wins, idx)
	rs.wins[idx].add(failed)

	w := r.requestWindow(idx)
	w.add(failed)
	w.maxUs = max(w.maxUs, us)
	w.maxLagUs = max(w.maxLagUs, lagUs)
	if w.byStatus == nil {
		w.byStatus = make(map[int]int64, 4)
	}
	w.byStatus[q.Status]++
	w.latency.record(us)
	w.lag.record(lagUs)
}

// requestWindow returns window idx, creating it and sealing windows that
// fell out of the open range. Called with reqMu held.
func (r *Recorder) requestWindow(idx int) *reqWindow {
	r.wins = grow(r.wins, idx)
	if idx > r.high {
		r.high = idx
		for ; r.sealedBelow <= idx-openWindows; r.sealedBelow++ {
			if w := r.wins[r.sealedBelow]; w != nil {
				r.seal(w)
			}
		}
	}
	w := r.wins[idx]
	if w != nil {
		return w
	}
	w = &reqWindow{}
	for _, h := range []*windowHist{&w.latency, &w.lag} {
		switch {
		case idx < r.sealedBelow:
			h.packed = hdr.NewPacked(1, maxTrackableUs, windowSigFigs)
		case len(r.free) > 0:
			h.dense = r.free[len(r.free)-1]
			r.free = r.free[:len(r.free)-1]
		default:
			h.dense = hdr.New(1, maxTrackableUs, windowSigFigs)
		}
	}
	r.wins[idx] = w
	return w
}

// seal moves w's dense histograms into compact sparse ones and keeps the
// dense ones for reuse.
func (r *Recorder) seal(w *reqWindow) {
	for _, h := range []*windowHist{&w.latency, &w.lag} {
		if h.dense == nil {
			continue
		}
		p := hdr.NewPacked(1, maxTrackableUs, windowSigFigs)
		p.MergeFrom(h.dense)
		p.Compact()
		h.packed = p
		h.dense.Reset()
		r.free = append(r.free, h.dense)
		h.dense = nil
	}
}

// RecordHop records one request served by one replica. It counts as an
// error when IsFailure(h.Status).
func (r *Recorder) RecordHop(h Hop) {
	failed := IsFailure(h.Status)
	idx := r.windowIndex(h.At)

	r.svcMu.RLock()
	s := r.services[h.Service]
	r.svcMu.RUnlock()
	if s == nil {
		s = r.newService(h.Service)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.record(h.Latency)
	if failed {
		s.errors++
	}
	s.byStatus[h.Status]++
	rep := s.replicas[h.Replica]
	if rep == nil {
		rep = &count{}
		s.replicas[h.Replica] = rep
	}
	rep.add(failed)
	s.wins = grow(s.wins, idx)
	s.wins[idx].add(failed)
}

func (r *Recorder) newService(name string) *serviceSeries {
	r.svcMu.Lock()
	defer r.svcMu.Unlock()
	if s := r.services[name]; s != nil {
		return s // another goroutine won the race
	}
	s := &serviceSeries{
		dist:     newDist(),
		byStatus: make(map[int]int64),
		replicas: make(map[string]*count),
	}
	r.services[name] = s
	return s
}

// serviceList returns the services known so far. The caller locks each one
// before reading it.
func (r *Recorder) serviceList() map[string]*serviceSeries {
	r.svcMu.RLock()
	defer r.svcMu.RUnlock()
	m := make(map[string]*serviceSeries, len(r.services))
	for k, v := range r.services {
		m[k] = v
	}
	return m
}
