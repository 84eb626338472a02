package synth

import (
	"fmt"
	"slices"
	"time"
)

// Admission is what happens to a request arriving at a Station.
type Admission uint8

const (
	// Scheduled: the request has a worker and a known start instant (now,
	// or later when it waits behind others).
	Scheduled Admission = iota
	// Pending: the request waits for a worker whose release is not known
	// yet (one held by a request waiting on its downstream calls). Its
	// start comes later, from Release or Advance.
	Pending
	// Rejected: workers and queue are full; the replica answers 503.
	Rejected
)

func (a Admission) String() string {
	switch a {
	case Scheduled:
		return "scheduled"
	case Pending:
		return "pending"
	case Rejected:
		return "rejected"
	default:
		return fmt.Sprintf("Admission(%d)", uint8(a))
	}
}

// Grant is a request's place at a Station: its ticket and, once known, the
// instant a worker starts on it. Epoch counts the pauses the station knew
// when it gave the start: pauses after it move the request's instants
// (see Shift).
type Grant struct {
	ID    uint64
	Start time.Time
	// Done is when the request's own work ends: its answer for a request
	// that does not hold, the start of its downstream calls for one that
	// does. It is Start plus the service time, plus any pause in between.
	Done  time.Time
	Epoch int
}

// Station is one replica's capacity, computed in exact time: a number of
// workers serving first come, first served, with a bounded queue in front.
//
// The queue is a model, so the station decides each request's start and
// the instant its worker frees from the arrival instant and its own
// computed free instants — start = max(arrival, earliest free worker),
// free = start + service — never from when an engine's timers happened to
// fire. An engine only waits until a computed instant to deliver the
// answer, so timer overshoot adds once to that answer instead of pushing
// back every request queued behind it (and queueing multiplying it by
// 1/(1-ρ)).
//
// A request that calls downstream services holds its worker until the last
// answer arrives, as in a thread-per-request server; that instant is not
// known in advance. Such a worker is held: Release frees it at the real
// instant the engine reports. While a worker is held, a request that would
// have to wait for a known free instant later than now waits Pending
// instead, because the held worker may free first; Advance assigns it once
// now reaches that instant, and Next says when that is.
//
// Like every policy it takes time as an argument and does no I/O. It is
// not safe for concurrent use: the live engine calls it under the
// replica's mutex, the virtual engine from its event loop. Times passed in
// must not go backwards.
type Station struct {
	workers, queue int
	nextID         uint64

	// free holds the free instant of every worker that is not held; it
	// has workers - held entries. Entries in the past are idle workers.
	free timeHeap
	held int
	// starts are the start instants of scheduled requests, oldest first.
	// They never decrease (each takes the earliest free instant, and every
	// instant pushed back is at least every start so far), so the ones
	// after now are the queue, counted from the front.
	starts []time.Time
	// pending wait, in arrival order, for a worker whose release is unknown.
	pending []pendingReq
	// pauses are the stalls so far, in the order they were announced
	// (epochs count them); byFrom holds the same in time order.
	pauses, byFrom []pause
}

// pause is a stall of every worker over [from, from+d).
type pause struct {
	from time.Time
	d    time.Duration
}

type pendingReq struct {
	id      uint64
	arrival time.Time
	service time.Duration
	holds   bool
}

// NewStation returns an idle station with the given number of workers
// (at least 1) and queue slots (at least 0). Other values are a programming
// error, since scenarios are validated before engines build stations, and
// panic.
func NewStation(workers, queue int) *Station {
	if workers < 1 || queue < 0 {
		panic(fmt.Sprintf("synth: NewStation(%d, %d): need workers >= 1 and queue >= 0", workers, queue))
	}
	st := &Station{workers: workers, queue: queue, free: make(timeHeap, workers)}
	return st
}

// Arrive admits a request arriving at now that needs service of its
// worker's time and, when holds is set, keeps the worker after that until
// Release (its downstream calls). A Scheduled grant's Start is final; a
// Pending one gets its Start from a later Release or Advance; a Rejected
// one found every worker busy and the queue full.
func (st *Station) Arrive(now time.Time, service time.Duration, holds bool) (Grant, Admission) {
	st.expire(now)
	st.nextID++
	id := st.nextID
	if len(st.pending) == 0 && len(st.free) > 0 && (st.held == 0 || !st.free[0].After(now)) {
		start := st.free[0]
		if start.Before(now) {
			start = now
		}
		start = st.resumed(start)
		if start.After(now) && st.waiting() >= st.queue {
			return Grant{ID: id}, Rejected
		}
		st.free.pop()
		return st.commit(id, start, service, holds), Scheduled
	}
	if st.waiting() >= st.queue {
		return Grant{ID: id}, Rejected
	}
	st.pending = append(st.pending, pendingReq{id: id, arrival: now, service: service, holds: holds})
	return Grant{ID: id}, Pending
}

// commit gives a worker, free from start, to request id.
func (st *Station) commit(id uint64, start time.Time, service time.Duration, holds bool) Grant {
	g := Grant{ID: id, Start: start, Done: st.through(start, service), Epoch: len(st.pauses)}
	st.starts = append(st.starts, start)
	if holds {
		st.held++
	} else {
		st.free.push(g.Done)
	}
	return g
}

// Release frees a held worker at now (its request's last downstream answer
// came) and returns the pending requests that start because of it or of
// the time that passed. Release with no held worker panics: the engine
// lost track of a request.
func (st *Station) Release(now time.Time) []Grant {
	if st.held == 0 {
		panic("synth: Station.Release with no held worker")
	}
	st.held--
	st.free.push(st.resumed(now))
	return st.Advance(now)
}

// Advance starts, at their exact instants, the pending requests whose
// worker is known to be free by now, and returns them.
func (st *Station) Advance(now time.Time) []Grant {
	st.expire(now)
	var out []Grant
	for len(st.pending) > 0 && len(st.free) > 0 {
		f := st.free[0]
		if st.held > 0 && f.After(now) {
			break // a held worker may still free before f
		}
		p := st.pending[0]
		st.pending = st.pending[1:]
		st.free.pop()
		start := f
		if start.Before(p.arrival) {
			start = p.arrival
		}
		out = append(out, st.commit(p.id, st.resumed(start), p.service, p.holds))
	}
	if len(st.pending) == 0 {
		st.pending = nil // let the backing array go
	}
	return out
}

// Next reports when Advance would start a pending request if no held
// worker is released first: the earliest known free instant, while
// requests are pending.
func (st *Station) Next() (time.Time, bool) {
	if len(st.pending) == 0 || len(st.free) == 0 {
		return time.Time{}, false
	}
	return st.free[0], true
}

// Abandon tells the station that pending request id lost its caller. It
// still takes its turn and its service time, as in a thread-pool server
// that does the work and drops the answer, but it no longer holds its
// worker for downstream calls. It reports false when id is not pending
// (it was started already, and a holding one must then be Released).
func (st *Station) Abandon(id uint64) bool {
	for i := range st.pending {
		if st.pending[i].id == id {
			st.pending[i].holds = false
			return true
		}
	}
	return false
}

// Pause stalls every worker over [from, from+d), as a stop-the-world
// pause or a SIGSTOP does: work in progress at from resumes where it
// stopped at from+d, so every start and free instant after from moves d
// later, and nothing starts inside the window. A pause may be announced
// ahead of time, or when it begins; requests granted before it was
// announced learn their new instants from Shift.
func (st *Station) Pause(from time.Time, d time.Duration) {
	if d <= 0 {
		return
	}
	for i, f := range st.free {
		if f.After(from) {
			st.free[i] = f.Add(d)
		}
	}
	// Both maps keep order, so the heap and the starts stay valid.
	for i, s := range st.starts {
		if s.After(from) {
			st.starts[i] = s.Add(d)
		}
	}
	st.pauses = append(st.pauses, pause{from, d})
	i, _ := slices.BinarySearchFunc(st.byFrom, from, func(p pause, t time.Time) int { return p.from.Compare(t) })
	st.byFrom = slices.Insert(st.byFrom, i, pause{from, d})
}

// through is when work begun at start ends: start plus work, with the
// work stopped over every pause it runs into.
func (st *Station) through(start time.Time, work time.Duration) time.Time {
	t, left := start, work
	for _, p := range st.byFrom {
		end := p.from.Add(p.d)
		switch {
		case !end.After(t): // over before the work is
		case !p.from.After(t): // under way: resume when it ends
			t = end
		case t.Add(left).After(p.from): // the work runs into it
			left -= p.from.Sub(t)
			t = end
		default:
			return t.Add(left)
		}
	}
	return t.Add(left)
}

// Epoch is the number of pauses announced so far.
func (st *Station) Epoch() int { return len(st.pauses) }

// Shift moves an instant computed at epoch by the pauses announced since:
// each one that began before it delays it by its length.
func (st *Station) Shift(t time.Time, epoch int) time.Time {
	for _, p := range st.pauses[min(epoch, len(st.pauses)):] {
		if t.After(p.from) {
			t = t.Add(p.d)
		}
	}
	return t
}

// resumed is t, or the end of the pause it falls in: a worker freed
// inside a pause can take work only after it.
func (st *Station) resumed(t time.Time) time.Time {
	for _, p := range st.byFrom {
		if end := p.from.Add(p.d); !t.Before(p.from) && t.Before(end) {
			t = end
		}
	}
	return t
}

// expire drops the starts that are no longer in the future.
func (st *Station) expire(now time.Time) {
	i := 0
	for i < len(st.starts) && !st.starts[i].After(now) {
		i++
	}
	if i == len(st.starts) {
		st.starts = st.starts[:0]
		return
	}
	st.starts = st.starts[i:]
}

// waiting is the queue length after expire: scheduled requests not started
// yet and pending ones.
func (st *Station) waiting() int { return len(st.starts) + len(st.pending) }

// Depth is the station at now: workers busy (serving or held) and requests
// waiting for one.
func (st *Station) Depth(now time.Time) (busy, waiting int) {
	st.expire(now)
	busy = st.held
	for _, f := range st.free {
		if f.After(now) {
			busy++
		}
	}
	// A scheduled request that has not started does not occupy its
	// worker yet: that worker is busy with the request before it.
	return min(busy, st.workers), st.waiting()
}

// Workers is the number of workers.
func (st *Station) Workers() int { return st.workers }

// QueueSize is the number of queue slots.
func (st *Station) QueueSize() int { return st.queue }

// timeHeap is a min-heap of instants, typed so that pushing and popping
// allocate nothing (container/heap would box every time.Time).
type timeHeap []time.Time

func (h *timeHeap) push(t time.Time) {
	*h = append(*h, t)
	a := *h
	for i := len(a) - 1; i > 0; {
		p := (i - 1) / 2
		if !a[i].Before(a[p]) {
			break
		}
		a[i], a[p] = a[p], a[i]
		i = p
	}
}

// pop removes the earliest instant; the heap must not be empty.
func (h *timeHeap) pop() time.Time {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a = a[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && a[l].Before(a[m]) {
			m = l
		}
		if r := l + 1; r < n && a[r].Before(a[m]) {
			m = r
		}
		if m == i {
			break
		}
		a[i], a[m] = a[m], a[i]
		i = m
	}
	*h = a
	return top
}
