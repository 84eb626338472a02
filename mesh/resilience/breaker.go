package resilience

import (
	"fmt"
	"sync"
	"time"
)

// BreakerState is the state of a Breaker.
type BreakerState uint8

// Breaker states.
const (
	// Closed: calls flow; consecutive failures are counted.
	Closed BreakerState = iota
	// Open: calls are rejected until the cool-down ends.
	Open
	// HalfOpen: a few probe calls are let through to test the upstream.
	HalfOpen
)

var stateNames = [...]string{"closed", "open", "half-open"}

func (s BreakerState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("BreakerState(%d)", uint8(s))
}

// Breaker defaults.
const (
	DefaultBreakerFailures = 5
	DefaultCoolDown        = 30 * time.Second
	DefaultProbes          = 1
)

// BreakerOptions configures a Breaker. The zero value opens after 5
// consecutive failures, stays open 30s and then lets one probe through.
type BreakerOptions struct {
	// Failures is the number of consecutive failures that opens the
	// breaker; 0 means 5.
	Failures int
	// CoolDown is how long the breaker stays open the first time; 0 means
	// 30s.
	CoolDown time.Duration
	// MaxCoolDown caps the growing cool-down: the k-th consecutive opening
	// (k counts re-openings from half-open since the breaker last closed)
	// lasts min(k*CoolDown, MaxCoolDown), as Envoy grows ejection times.
	// 0 means CoolDown, i.e. no growth.
	MaxCoolDown time.Duration
	// Probes is how many calls half-open lets through; the breaker closes
	// once that many have succeeded and re-opens on the first failure.
	// 0 means 1.
	Probes int
	// OnTransition, if set, is called for every state change, in order,
	// with the breaker's lock held: it must be quick and must not call the
	// breaker. The same transitions are counted in BreakerStats.
	OnTransition func(Transition)
}

func (o BreakerOptions) withDefaults() BreakerOptions {
	if o.Failures == 0 {
		o.Failures = DefaultBreakerFailures
	}
	if o.CoolDown == 0 {
		o.CoolDown = DefaultCoolDown
	}
	if o.MaxCoolDown == 0 {
		o.MaxCoolDown = o.CoolDown
	}
	if o.Probes == 0 {
		o.Probes = DefaultProbes
	}
	return o
}

// Validate reports the first invalid field of o, after defaults.
func (o BreakerOptions) Validate() error {
	o = o.withDefaults()
	switch {
	case o.Failures < 0:
		return optErr("BreakerOptions.Failures", "negative (%d)", o.Failures)
	case o.CoolDown < 0:
		return optErr("BreakerOptions.CoolDown", "negative (%v)", o.CoolDown)
	case o.MaxCoolDown < o.CoolDown:
		return optErr("BreakerOptions.MaxCoolDown", "%v is below CoolDown %v", o.MaxCoolDown, o.CoolDown)
	case o.Probes < 0:
		return optErr("BreakerOptions.Probes", "negative (%d)", o.Probes)
	}
	return nil
}

// Transition is one state change of a Breaker.
type Transition struct {
	From, To BreakerState
	// At is when the change happened. For Open -> HalfOpen it is the exact
	// end of the cool-down, even though the breaker notices it only when
	// next consulted.
	At time.Time
	// Until is the end of the cool-down when To is Open, else zero.
	Until time.Time
	// Openings is the number of consecutive openings, counting this one,
	// when To is Open (1 the first time; it grows while probes fail and
	// resets when the breaker closes), else 0.
	Openings int
}

// Ticket is the permission Allow grants; hand it back to Record. It ties
// the outcome to the breaker state it was granted in, so a slow call
// started before the breaker opened cannot close it again or eat a probe
// slot.
type Ticket struct {
	gen   uint64
	probe bool
}

// Probe reports whether the ticket is a half-open probe.
func (t Ticket) Probe() bool { return t.probe }

// BreakerStats are cumulative counters for telemetry.
type BreakerStats struct {
	// Allowed and Rejected count Allow calls.
	Allowed, Rejected uint64
	// Opened, HalfOpened and Closed count transitions into each state.
	Opened, HalfOpened, Closed uint64
	// Stale counts Records ignored because the state changed since their
	// Allow.
	Stale uint64
}

// Breaker is a consecutive-failure circuit breaker:
//
//	Closed   --Failures consecutive failures-->  Open
//	Open     --cool-down elapsed------------->   HalfOpen
//	HalfOpen --Probes successes-------------->   Closed
//	HalfOpen --a probe fails----------------->   Open (longer cool-down)
//
// A success in Closed resets the failure count. Every call that Allow
// admits must end with exactly one Record (report an abandoned call as a
// failure), or half-open would wait for its probe forever. Breaker is safe
// for concurrent use.
type Breaker struct {
	o BreakerOptions

	mu        sync.Mutex
	state     BreakerState
	gen       uint64 // bumped on every transition; tickets of older gens are stale
	failures  int    // consecutive, in Closed
	openings  int    // consecutive openings since last Closed
	until     time.Time
	probes    int // probes granted in this HalfOpen
	successes int // probe successes in this HalfOpen
	stats     BreakerStats
}

// NewBreaker validates o, applies its defaults and builds a closed breaker.
func NewBreaker(o BreakerOptions) (*Breaker, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return &Breaker{o: o.withDefaults(), gen: 1}, nil
}

// Allow reports whether a call may start at now, and the ticket to Record
// its outcome with. A rejection is counted in BreakerStats.Rejected.
func (b *Breaker) Allow(now time.Time) (Ticket, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.wake(now)
	switch b.state {
	case Closed:
		b.stats.Allowed++
		return Ticket{gen: b.gen}, true
	case HalfOpen:
		if b.probes < b.o.Probes {
			b.probes++
			b.stats.Allowed++
			return Ticket{gen: b.gen, probe: true}, true
		}
	}
	b.stats.Rejected++
	return Ticket{}, false
}

// Record reports the outcome of a call admitted with t.
func (b *Breaker) Record(t Ticket, ok bool, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.wake(now)
	if t.gen != b.gen {
		b.stats.Stale++
		return
	}
	switch b.state {
	case Closed:
		if ok {
			b.failures = 0
			return
		}
		b.failures++
		if b.failures >= b.o.Failures {
			b.open(now)
		}
	case HalfOpen:
		if !ok {
			b.open(now)
			return
		}
		b.successes++
		if b.successes >= b.o.Probes {
			b.openings = 0
			b.transition(Transition{From: HalfOpen, To: Closed, At: now})
		}
	}
}

// State reports the state at now. An open breaker whose cool-down has
// elapsed moves to HalfOpen here, as it would in Allow.
func (b *Breaker) State(now time.Time) BreakerState {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.wake(now)
	return b.state
}

// Stats returns the cumulative counters.
func (b *Breaker) Stats() BreakerStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stats
}

// wake moves Open to HalfOpen once the cool-down is over. b.mu is held.
func (b *Breaker) wake(now time.Time) {
	if b.state == Open && !now.Before(b.until) {
		b.transition(Transition{From: Open, To: HalfOpen, At: b.until})
	}
}

func (b *Breaker) open(now time.Time) {
	b.openings++
	cool := b.o.MaxCoolDown
	if k := time.Duration(b.openings); cool/k >= b.o.CoolDown { // k*CoolDown <= Max, without overflow
		cool = k * b.o.CoolDown
	}
	b.transition(Transition{From: b.state, To: Open, At: now, Until: now.Add(cool), Openings: b.openings})
}

// transition applies t and reports it. b.mu is held.
func (b *Breaker) transition(t Transition) {
	b.state = t.To
	b.gen++
	b.failures, b.probes, b.successes = 0, 0, 0
	switch t.To {
	case Open:
		b.until = t.Until
		b.stats.Opened++
	case HalfOpen:
		b.stats.HalfOpened++
	case Closed:
		b.stats.Closed++
	}
	if b.o.OnTransition != nil {
		b.o.OnTransition(t)
	}
}
