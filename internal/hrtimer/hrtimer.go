// Package hrtimer wakes goroutines at exact instants. Go's own timers
// sleep in the network poller, which on Linux waits in whole milliseconds
// (epoll_wait), so an idle process oversleeps by about 0.6 ms on average
// (golang/go#53824). For a synthetic replica that delivers its answer at a
// computed departure instant that is most of the error there is: a Waker
// sleeps on one timerfd, whose expiry the kernel keeps to the nanosecond,
// in one goroutine, and wakes every sleeper whose instant came; each
// sleeper also races a Go timer, which is the more precise of the two in a
// busy process. Elsewhere it falls back to Go's timers alone.
package hrtimer

import (
	"context"
	"sync"
	"time"
)

// entry is one sleeper.
type entry struct {
	at   time.Time
	done chan struct{}
}

// sleepers is a min-heap of entries by instant.
type sleepers []entry

func (h *sleepers) push(e entry) {
	*h = append(*h, e)
	a := *h
	for i := len(a) - 1; i > 0; {
		p := (i - 1) / 2
		if !a[i].at.Before(a[p].at) {
			break
		}
		a[i], a[p] = a[p], a[i]
		i = p
	}
}

func (h *sleepers) pop() entry {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a[n] = entry{}
	a = a[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && a[l].at.Before(a[m].at) {
			m = l
		}
		if r := l + 1; r < n && a[r].at.Before(a[m].at) {
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

// Waker wakes sleepers at their instants. It is safe for concurrent use;
// Close it to end its thread.
type Waker struct {
	mu     sync.Mutex
	queue  sleepers
	armed  time.Time // the instant the clock is set for; zero when disarmed
	closed bool
	clock  clock
	wg     sync.WaitGroup
}

// clock is the platform's precise alarm.
type clock interface {
	// set arms the alarm for at (zero disarms); it may be called from any
	// goroutine.
	set(at time.Time)
	// wait blocks until the alarm rings.
	wait()
	close()
}

// New starts a Waker.
func New() *Waker {
	w := &Waker{}
	w.clock = newClock()
	w.wg.Add(1)
	go w.run()
	return w
}

// Sleep waits until the instant at or until ctx ends, reporting whether
// at came. An instant already past returns at once.
func (w *Waker) Sleep(ctx context.Context, at time.Time) bool {
	if !time.Now().Before(at) {
		return ctx.Err() == nil
	}
	done := make(chan struct{})
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return sleepFallback(ctx, at)
	}
	w.queue.push(entry{at: at, done: done})
	if w.armed.IsZero() || at.Before(w.armed) {
		w.armed = at
		w.clock.set(at)
	}
	w.mu.Unlock()
	// Race a Go timer for the same instant. The timerfd thread wakes
	// precisely but, like any goroutine leaving a blocking syscall, must
	// win a P back first, which a busy process makes slow; Go's timers
	// are checked by every busy P, so they are precise exactly then. The
	// first of the two to fire wins.
	t := time.NewTimer(time.Until(at))
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		// The entry stays queued and is closed at its instant unread.
		return true
	case <-ctx.Done():
		return false
	}
}

// run is the Waker's thread: wait for the alarm, wake whoever is due,
// arm for the next.
func (w *Waker) run() {
	defer w.wg.Done()
	lockThread()
	defer unlockThread()
	for {
		w.clock.wait()
		w.mu.Lock()
		now := time.Now()
		for len(w.queue) > 0 && !w.queue[0].at.After(now) {
			close(w.queue.pop().done)
		}
		if w.closed {
			for len(w.queue) > 0 {
				close(w.queue.pop().done)
			}
			w.mu.Unlock()
			return
		}
		w.armed = time.Time{}
		if len(w.queue) > 0 {
			w.armed = w.queue[0].at
		}
		w.clock.set(w.armed)
		w.mu.Unlock()
	}
}

// Close wakes every sleeper and ends the Waker's thread.
func (w *Waker) Close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	w.clock.set(time.Now())
	w.mu.Unlock()
	w.wg.Wait()
	w.clock.close()
}

func sleepFallback(ctx context.Context, at time.Time) bool {
	t := time.NewTimer(time.Until(at))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
