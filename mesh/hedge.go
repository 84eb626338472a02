package mesh

import (
	"context"
	"net/http"
	"time"

	"github.com/baton-sim/baton/mesh/resilience"
	"github.com/baton-sim/baton/reports"
)

// answer is one hedged attempt's result.
type answer struct {
	attempt int
	resp    *http.Response
	out     resilience.Outcome
	err     error
}

// hedged sends the request, then another attempt each time the hedge delay
// passes without an answer (while the budget allows), and returns the first
// answer the policy commits to. The losers are cancelled and drained in the
// background; each is bounded by its own deadline.
func (c *Client) hedged(ctx context.Context, d *destination, req *http.Request, deadline time.Time) (*http.Response, error) {
	max := d.hedge.MaxAttempts()
	answers := make(chan answer, max)
	cancels := make([]context.CancelFunc, 0, max)
	sent := 0
	send := func(now time.Time) bool {
		tryDeadline, ok := d.timeouts.TryDeadline(deadline, now)
		if !ok {
			return false
		}
		actx, cancel := context.WithCancel(ctx)
		cancels = append(cancels, cancel)
		attempt := sent
		sent++
		go func() {
			resp, out, err := c.try(actx, d, req, attempt, tryDeadline)
			answers <- answer{attempt, resp, out, err}
		}()
		return true
	}
	call := d.hedge.Start(c.now())
	if !send(c.now()) {
		return nil, ErrTimeout
	}
	got := 0
	var last answer
	for {
		var timer *time.Timer
		var fire <-chan time.Time
		if at, ok := call.Next(); ok {
			timer = time.NewTimer(at.Sub(c.now()))
			fire = timer.C
		}
		select {
		case <-fire:
			now := c.now()
			if d.budget != nil && !d.budget.TryRetry(now) {
				c.emit(now, reports.EventBudgetExhausted, d.name, "", "hedge")
				call.Stop()
				continue
			}
			if send(now) {
				call.Sent(now)
				c.emit(now, reports.EventHedge, d.name, "", "")
			} else {
				call.Stop()
			}
		case a := <-answers:
			got++
			if timer != nil {
				timer.Stop()
			}
			switch call.Result(a.out, c.now()) {
			case resilience.Commit, resilience.Fail:
				c.abandon(answers, sent-got, cancels, a.attempt)
				return a.resp, a.err
			case resilience.SendNow:
				if a.resp != nil {
					drain(a.resp)
				}
				cancels[a.attempt]()
				now := c.now()
				if send(now) {
					call.Sent(now)
					c.emit(now, reports.EventHedge, d.name, "", "after failure")
				}
			default: // Wait or Late: another attempt may still answer
				last = a
				if a.resp != nil {
					drain(a.resp)
				}
				cancels[a.attempt]()
				if got == sent {
					return nil, last.err
				}
			}
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// abandon cancels every attempt but the winner's and drains the answers
// still to come, in the background: each attempt is bounded by its own
// deadline, so the goroutine ends. The winner's context ends with the
// caller's request.
func (c *Client) abandon(answers <-chan answer, pending int, cancels []context.CancelFunc, winner int) {
	for i, cancel := range cancels {
		if i != winner {
			cancel()
		}
	}
	if pending == 0 {
		return
	}
	go func() {
		for range pending {
			if a := <-answers; a.resp != nil {
				drain(a.resp)
			}
		}
	}()
}
