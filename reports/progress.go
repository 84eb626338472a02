package reports

import (
	"fmt"
	"time"
)

// Progress is a snapshot for a live progress line: totals so far and the
// last complete window.
type Progress struct {
	// Elapsed is now minus the run start.
	Elapsed  time.Duration
	Requests int64
	Errors   int64
	// The last complete window, the one that ended at or before now; all
	// zero until the first window ends. Results still arriving for it (slow
	// requests are recorded when they finish) can change it later.
	WindowRequests int64
	WindowErrors   int64
	RPS            float64
	// P99 is the window's 99th percentile latency in milliseconds.
	P99 float64
}

// Progress returns the totals so far and the last window complete at now.
func (r *Recorder) Progress(now time.Time) Progress {
	p := Progress{Elapsed: max(now.Sub(r.start), 0)}
	last := int(p.Elapsed/r.window) - 1

	r.reqMu.Lock()
	defer r.reqMu.Unlock()
	p.Requests, p.Errors = r.total.count, r.errors
	if last >= 0 && last < len(r.wins) && r.wins[last] != nil {
		w := r.wins[last]
		p.WindowRequests, p.WindowErrors = w.requests, w.errors
		p.RPS = round(float64(w.requests)/r.window.Seconds(), 3)
		p.P99 = windowLatency(w).P99
	}
	return p
}

// Line formats p as one line, with the rate, p99 and error share of the
// last complete window, which say how the run is doing now, beside the
// running request count:
//
//	12s  2401 req  200.1 rps  p99 8.2ms  err 0.00%
func (p Progress) Line() string {
	errPct := 0.0
	if p.WindowRequests > 0 {
		errPct = 100 * float64(p.WindowErrors) / float64(p.WindowRequests)
	}
	return fmt.Sprintf("%s  %d req  %.1f rps  p99 %.1fms  err %.2f%%",
		p.Elapsed.Truncate(time.Second), p.Requests, p.RPS, p.P99, errPct)
}
