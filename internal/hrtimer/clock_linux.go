//go:build linux

package hrtimer

import (
	"time"

	"golang.org/x/sys/unix"
)

// timerfd is a CLOCK_MONOTONIC timerfd armed with absolute instants.
// Go's monotonic clock is CLOCK_MONOTONIC too, so an instant maps onto it
// through one pair of readings taken together.
type timerfd struct {
	fd       int
	base     time.Time
	baseMono int64 // CLOCK_MONOTONIC at base, in ns
}

func newClock() clock {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_CLOEXEC)
	if err != nil {
		return newFallbackClock()
	}
	var ts unix.Timespec
	base := time.Now()
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		unix.Close(fd)
		return newFallbackClock()
	}
	return &timerfd{fd: fd, base: base, baseMono: ts.Nano()}
}

func (t *timerfd) set(at time.Time) {
	var spec unix.ItimerSpec
	if !at.IsZero() {
		ns := t.baseMono + int64(at.Sub(t.base))
		if ns <= 0 {
			ns = 1
		}
		spec.Value = unix.NsecToTimespec(ns)
	}
	// Cannot fail for a valid fd and spec; a failure would only make the
	// sleeper wait for the next alarm.
	_ = unix.TimerfdSettime(t.fd, unix.TFD_TIMER_ABSTIME, &spec, nil)
}

func (t *timerfd) wait() {
	var buf [8]byte
	for {
		_, err := unix.Read(t.fd, buf[:])
		if err != unix.EINTR {
			return
		}
	}
}

func (t *timerfd) close() { unix.Close(t.fd) }

func lockThread()   {}
func unlockThread() {}
