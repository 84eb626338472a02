package synth

import "fmt"

// Admission is what happens to a request arriving at a Station.
type Admission uint8

const (
	// Start: a worker was free and is now busy with the request.
	Start Admission = iota
	// Queued: every worker is busy; the request waits in the queue.
	Queued
	// Rejected: workers and queue are full; the replica answers 503.
	Rejected
)

func (a Admission) String() string {
	switch a {
	case Start:
		return "start"
	case Queued:
		return "queued"
	case Rejected:
		return "rejected"
	default:
		return fmt.Sprintf("Admission(%d)", uint8(a))
	}
}

// Station is one replica's capacity: a number of workers and a bounded
// queue in front of them. It only counts; which queued request starts next
// (FIFO) and when a worker finishes are the engine's business, so the
// virtual engine drives it from its event loop and the live engine under its
// own mutex. It is not safe for concurrent use.
type Station struct {
	workers, queue int
	busy, waiting  int
}

// NewStation returns an idle station with the given number of workers
// (at least 1) and queue slots (at least 0). Other values are a programming
// error, since scenarios are validated before engines build stations, and
// panic.
func NewStation(workers, queue int) *Station {
	if workers < 1 || queue < 0 {
		panic(fmt.Sprintf("synth: NewStation(%d, %d): need workers >= 1 and queue >= 0", workers, queue))
	}
	return &Station{workers: workers, queue: queue}
}

// Arrive admits one request.
func (st *Station) Arrive() Admission {
	if st.busy < st.workers {
		st.busy++
		return Start
	}
	if st.waiting < st.queue {
		st.waiting++
		return Queued
	}
	return Rejected
}

// Finish records that a busy worker finished its request. It reports
// whether the worker takes a queued request now (the caller starts its
// oldest queued request); otherwise the worker becomes idle. Finish with
// no busy worker panics: the engine lost track of a request.
func (st *Station) Finish() bool {
	if st.busy == 0 {
		panic("synth: Station.Finish with no busy worker")
	}
	if st.waiting > 0 {
		st.waiting--
		return true
	}
	st.busy--
	return false
}

// Abandon removes one queued request that gave up before starting (its
// client timed out or was cancelled), freeing its queue slot. Abandon with
// an empty queue panics.
func (st *Station) Abandon() {
	if st.waiting == 0 {
		panic("synth: Station.Abandon with an empty queue")
	}
	st.waiting--
}

// Busy is the number of busy workers.
func (st *Station) Busy() int { return st.busy }

// Waiting is the number of queued requests.
func (st *Station) Waiting() int { return st.waiting }

// Workers is the number of workers.
func (st *Station) Workers() int { return st.workers }

// QueueSize is the number of queue slots.
func (st *Station) QueueSize() int { return st.queue }
