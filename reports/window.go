package reports

import (
	"slices"
	"strconv"
	"time"
)

// Window is one fixed time window of a run. Requests fall in the window of
// their intended send time, hops in the window of their arrival at the
// replica.
type Window struct {
	// Start is the window's offset from the run start, in seconds.
	Start float64 `json:"start_s"`
	// Length is the window's length in seconds.
	Length   float64 `json:"length_s"`
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"`
	// RPS is Requests over Length (so a last, partial window reads low).
	RPS float64 `json:"rps"`
	// Latency comes from a histogram with 2 significant digits (1 %); Max
	// is exact.
	Latency WindowLatency `json:"latency_ms"`
	// LagP99 and LagMax are the window's schedule lag in milliseconds:
	// the 99th percentile (2 significant digits) and the exact maximum.
	LagP99   float64          `json:"lag_p99_ms"`
	LagMax   float64          `json:"lag_max_ms"`
	ByStatus map[string]int64 `json:"by_status"`
	// Routes and Services hold every route and service the run has seen,
	// with zero counts in windows where they had none.
	Routes   map[string]Count `json:"routes"`
	Services map[string]Count `json:"services"`
	// Events counts what the policies did in the window (retries,
	// ejections, breaker transitions...); absent when nothing happened.
	Events map[string]int64 `json:"events,omitempty"`
}

// WindowLatency is a window's latency in milliseconds.
type WindowLatency struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Count is a request and error count.
type Count struct {
	Requests int64 `json:"requests"`
	Errors   int64 `json:"errors"`
}

// Windows returns the time series from window 0 to the last window that
// holds a record, empty windows included.
func (r *Recorder) Windows() []Window {
	r.reqMu.Lock()
	var out []Window
	for i, w := range r.wins {
		out = grow(out, i)
		win := &out[i]
		r.fillWindow(win, i)
		win.Routes = make(map[string]Count, len(r.routes))
		for name, rs := range r.routes {
			var c count
			if i < len(rs.wins) {
				c = rs.wins[i]
			}
			win.Routes[routeName(name)] = Count{Requests: c.requests, Errors: c.errors}
		}
		if w == nil {
			continue
		}
		win.Requests, win.Errors = w.requests, w.errors
		win.RPS = round(float64(w.requests)/r.window.Seconds(), 3)
		win.Latency = windowLatency(w)
		win.LagP99 = usToMs(quantileUs(w.lag.hist(), 0.99, w.maxLagUs))
		win.LagMax = usToMs(w.maxLagUs)
		for st, n := range w.byStatus {
			win.ByStatus[strconv.Itoa(st)] = n
		}
	}
	routes := make([]string, 0, len(r.routes))
	for name := range r.routes {
		routes = append(routes, routeName(name))
	}
	r.reqMu.Unlock()

	// Copy each service's counts under its own lock, then lay them out.
	services := r.serviceList()
	counts := make(map[string][]count, len(services))
	for name, ss := range services {
		ss.mu.Lock()
		counts[name] = slices.Clone(ss.wins)
		ss.mu.Unlock()
	}
	r.events.mu.Lock()
	nev := len(r.events.wins)
	r.events.mu.Unlock()
	lengths := []int{nev}
	for _, c := range counts {
		lengths = append(lengths, len(c))
	}
	for _, n := range lengths {
		for i := len(out); i < n; i++ {
			out = grow(out, i)
			r.fillWindow(&out[i], i)
			out[i].Routes = make(map[string]Count, len(routes))
			for _, rn := range routes {
				out[i].Routes[rn] = Count{}
			}
		}
	}
	for i := range out {
		out[i].Services = make(map[string]Count, len(counts))
		for name, c := range counts {
			var n count
			if i < len(c) {
				n = c[i]
			}
			out[i].Services[name] = Count{Requests: n.requests, Errors: n.errors}
		}
		out[i].Events = r.windowEvents(i)
	}
	return out
}

// fillWindow sets the fields every window has, even an empty one.
func (r *Recorder) fillWindow(w *Window, i int) {
	w.Start = (time.Duration(i) * r.window).Seconds()
	w.Length = r.window.Seconds()
	w.ByStatus = map[string]int64{}
}

func windowLatency(w *reqWindow) WindowLatency {
	if w.requests == 0 {
		return WindowLatency{}
	}
	h := w.latency.hist()
	return WindowLatency{
		P50: usToMs(quantileUs(h, 0.50, w.maxUs)),
		P90: usToMs(quantileUs(h, 0.90, w.maxUs)),
		P99: usToMs(quantileUs(h, 0.99, w.maxUs)),
		Max: usToMs(w.maxUs),
	}
}
