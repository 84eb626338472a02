package registry

import "time"

// EventKind names what happened to an instance or a caller's view.
type EventKind uint8

// Event kinds.
const (
	Registered EventKind = iota
	Deregistered
	BecameReady
	BecameNotReady
	BecameHealthy
	BecameUnhealthy
	Drained
	Ejected
	Unejected
	// PanicOn and PanicOff are recorded when the Set delivered to the
	// watchers of a caller zone enters or leaves panic mode; their ID is
	// empty and Zone names the caller zone.
	PanicOn
	PanicOff
)

var kindNames = [...]string{
	"registered", "deregistered", "ready", "not_ready", "healthy", "unhealthy",
	"drained", "ejected", "unejected", "panic_on", "panic_off",
}

func (k EventKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Event is one change, stamped with the time it took effect. An ejection's
// end is stamped with the ejection's until time, even when Tick notices it
// later.
type Event struct {
	At      time.Time
	Kind    EventKind
	Service string
	ID      string
	// Zone is the instance's zone, or for panic events the caller zone.
	Zone string
}

// eventLog is a bounded ring of events, oldest dropped first.
type eventLog struct {
	buf     []Event
	start   int
	n       int
	dropped int
}

func newEventLog(limit int) eventLog {
	if limit <= 0 {
		return eventLog{}
	}
	return eventLog{buf: make([]Event, limit)}
}

func (l *eventLog) add(e Event) {
	if len(l.buf) == 0 {
		return
	}
	if l.n == len(l.buf) {
		l.buf[l.start] = e
		l.start = (l.start + 1) % len(l.buf)
		l.dropped++
		return
	}
	l.buf[(l.start+l.n)%len(l.buf)] = e
	l.n++
}

func (l *eventLog) take() ([]Event, int) {
	out := make([]Event, l.n)
	for i := range l.n {
		out[i] = l.buf[(l.start+i)%len(l.buf)]
		l.buf[(l.start+i)%len(l.buf)] = Event{}
	}
	d := l.dropped
	l.start, l.n, l.dropped = 0, 0, 0
	return out, d
}
