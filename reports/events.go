package reports

import (
	"maps"
	"slices"
	"sync"
	"time"
)

// Event kinds the mesh, gateway and engines record. Counting them per
// window is what lets a report show a retry storm building or an outlier
// being ejected at the moment it happened.
const (
	// EventAttempt is one upstream try sent by a mesh client: first tries,
	// retries and hedges. Attempts over client requests is the
	// amplification a retry budget caps.
	EventAttempt = "attempt"
	// EventCall is one logical call a mesh client was asked to make,
	// however many attempts it took.
	EventCall            = "call"
	EventRetry           = "retry"
	EventHedge           = "hedge"
	EventBudgetExhausted = "retry_budget_exhausted"
	EventOverflow        = "circuit_overflow"
	EventBreakerOpen     = "breaker_open"
	EventBreakerHalfOpen = "breaker_half_open"
	EventBreakerClosed   = "breaker_closed"
	EventEjection        = "ejection"
	EventUnejection      = "unejection"
	EventHealthy         = "healthy"
	EventUnhealthy       = "unhealthy"
	EventRotation        = "cert_rotation"
	EventTLSFailure      = "tls_failure"
	EventDenied          = "authz_denied"
	// EventFaultStart and EventFaultStop mark injected faults (crash,
	// discovery loss, partition...) beginning and ending; Detail is the
	// fault kind.
	EventFaultStart = "fault_start"
	EventFaultStop  = "fault_stop"
	// EventRollout is a rollout step pushed to the gateway; Detail is the
	// route and its new split.
	EventRollout = "rollout"
)

// Event is one thing a policy did.
type Event struct {
	At   time.Time `json:"-"`
	Kind string    `json:"kind"`
	// Caller is who acted (a replica or "gateway"); Service and Replica are
	// what it acted on.
	Caller  string `json:"caller,omitempty"`
	Service string `json:"service,omitempty"`
	Replica string `json:"replica,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

// LoggedEvent is an Event with its offset from the run start.
type LoggedEvent struct {
	AtS float64 `json:"at_s"`
	Event
}

// MaxLoggedEvents bounds the event log: counts stay exact beyond it, but
// the log keeps only the first events (attempts and calls are counted, never
// logged, since there is one per upstream try).
const MaxLoggedEvents = 10000

// events holds the event counters; it has its own lock so the mesh's hot
// path never waits for the request stream's.
type events struct {
	mu        sync.Mutex
	total     map[string]int64
	wins      []map[string]int64
	log       []LoggedEvent
	dropped   int64
	byService map[string]map[string]int64
}

// RecordEvent counts e in its window and logs it (attempts are only
// counted).
func (r *Recorder) RecordEvent(e Event) {
	idx := r.windowIndex(e.At)
	ev := &r.events
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if ev.total == nil {
		ev.total = make(map[string]int64)
	}
	ev.total[e.Kind]++
	ev.wins = grow(ev.wins, idx)
	if ev.wins[idx] == nil {
		ev.wins[idx] = make(map[string]int64, 4)
	}
	ev.wins[idx][e.Kind]++
	if e.Service != "" {
		if ev.byService == nil {
			ev.byService = make(map[string]map[string]int64)
		}
		m := ev.byService[e.Service]
		if m == nil {
			m = make(map[string]int64, 4)
			ev.byService[e.Service] = m
		}
		m[e.Kind]++
	}
	if e.Kind == EventAttempt || e.Kind == EventCall {
		return
	}
	if len(ev.log) >= MaxLoggedEvents {
		ev.dropped++
		return
	}
	ev.log = append(ev.log, LoggedEvent{AtS: round(e.At.Sub(r.start).Seconds(), 6), Event: e})
}

// EventCounts returns the total count of every event kind seen.
func (r *Recorder) EventCounts() map[string]int64 {
	r.events.mu.Lock()
	defer r.events.mu.Unlock()
	return maps.Clone(r.events.total)
}

// EventLog returns the logged events in the order they were recorded and
// how many were left out past MaxLoggedEvents.
func (r *Recorder) EventLog() ([]LoggedEvent, int64) {
	r.events.mu.Lock()
	defer r.events.mu.Unlock()
	return slices.Clone(r.events.log), r.events.dropped
}

// serviceEvents returns the event counts about one service (nil if none).
func (r *Recorder) serviceEvents(name string) map[string]int64 {
	r.events.mu.Lock()
	defer r.events.mu.Unlock()
	return maps.Clone(r.events.byService[name])
}

// windowEvents returns window i's event counts (nil if none).
func (r *Recorder) windowEvents(i int) map[string]int64 {
	r.events.mu.Lock()
	defer r.events.mu.Unlock()
	if i < len(r.events.wins) {
		return maps.Clone(r.events.wins[i])
	}
	return nil
}
