package hrtimer

import (
	"sync"
	"time"
)

// fallbackClock is the alarm on Go's own timers, where no timerfd exists.
type fallbackClock struct {
	mu    sync.Mutex
	timer *time.Timer
	ring  chan struct{}
}

func newFallbackClock() *fallbackClock {
	return &fallbackClock{ring: make(chan struct{}, 1)}
}

func (c *fallbackClock) set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timer != nil {
		c.timer.Stop()
	}
	if at.IsZero() {
		return
	}
	c.timer = time.AfterFunc(time.Until(at), func() {
		select {
		case c.ring <- struct{}{}:
		default:
		}
	})
}

func (c *fallbackClock) wait() { <-c.ring }

func (c *fallbackClock) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timer != nil {
		c.timer.Stop()
	}
}
