package resilience

import (
	"slices"
	"testing"
	"time"
)

// breakerStep is one row of a breaker script. op is "allow" (Allow; the
// ticket is kept in order), "ok" or "fail" (Record of ticket number
// ticket), or "state" (State only).
type breakerStep struct {
	at     time.Duration
	op     string
	ticket int
	want   bool // Allow's result
	state  BreakerState
}

func TestBreakerSequence(t *testing.T) {
	var got []Transition
	b, err := NewBreaker(BreakerOptions{
		Failures: 3, CoolDown: 10 * time.Second, MaxCoolDown: 25 * time.Second, Probes: 2,
		OnTransition: func(tr Transition) { got = append(got, tr) },
	})
	if err != nil {
		t.Fatal(err)
	}
	s := time.Second
	steps := []breakerStep{
		{at: 0, op: "allow", want: true, state: Closed},     // #0
		{at: 0, op: "allow", want: true, state: Closed},     // #1
		{at: 0, op: "allow", want: true, state: Closed},     // #2
		{at: 0, op: "allow", want: true, state: Closed},     // #3
		{at: 1 * s, op: "fail", ticket: 0, state: Closed},   // 1 failure
		{at: 1 * s, op: "ok", ticket: 1, state: Closed},     // reset
		{at: 2 * s, op: "allow", want: true, state: Closed}, // #4
		{at: 2 * s, op: "allow", want: true, state: Closed}, // #5
		{at: 3 * s, op: "fail", ticket: 2, state: Closed},
		{at: 3 * s, op: "fail", ticket: 3, state: Closed},
		{at: 3 * s, op: "fail", ticket: 4, state: Open}, // 3rd consecutive: open until 13s
		{at: 3 * s, op: "fail", ticket: 5, state: Open}, // stale
		{at: 4 * s, op: "allow", want: false, state: Open},
		{at: 13*s - 1, op: "allow", want: false, state: Open},
		{at: 13 * s, op: "state", state: HalfOpen},
		{at: 13 * s, op: "allow", want: true, state: HalfOpen},  // #6 probe
		{at: 13 * s, op: "allow", want: true, state: HalfOpen},  // #7 probe
		{at: 13 * s, op: "allow", want: false, state: HalfOpen}, // probes used up
		{at: 14 * s, op: "ok", ticket: 1, state: HalfOpen},      // stale: a closed-era ticket
		{at: 14 * s, op: "ok", ticket: 6, state: HalfOpen},      // 1 of 2 probe successes
		{at: 15 * s, op: "fail", ticket: 7, state: Open},        // re-open: 2*10s, until 35s
		{at: 35*s - 1, op: "allow", want: false, state: Open},
		{at: 35 * s, op: "allow", want: true, state: HalfOpen}, // #8
		{at: 35 * s, op: "allow", want: true, state: HalfOpen}, // #9
		{at: 36 * s, op: "fail", ticket: 8, state: Open},       // 3*10s capped at 25s: until 61s
		{at: 36 * s, op: "ok", ticket: 9, state: Open},         // stale
		{at: 61 * s, op: "allow", want: true, state: HalfOpen}, // #10
		{at: 61 * s, op: "allow", want: true, state: HalfOpen}, // #11
		{at: 62 * s, op: "ok", ticket: 10, state: HalfOpen},
		{at: 62 * s, op: "ok", ticket: 11, state: Closed},
		{at: 63 * s, op: "allow", want: true, state: Closed}, // #12
		{at: 63 * s, op: "allow", want: true, state: Closed}, // #13
		{at: 63 * s, op: "allow", want: true, state: Closed}, // #14
		{at: 63 * s, op: "fail", ticket: 12, state: Closed},
		{at: 63 * s, op: "fail", ticket: 13, state: Closed},
		{at: 63 * s, op: "fail", ticket: 14, state: Open}, // openings reset: 10s, until 73s
		{at: 73 * s, op: "state", state: HalfOpen},
	}
	var tickets []Ticket
	for i, st := range steps {
		now := at(st.at)
		switch st.op {
		case "allow":
			tk, ok := b.Allow(now)
			if ok != st.want {
				t.Errorf("step %d (t=%v): Allow: got %v, want %v", i, st.at, ok, st.want)
			}
			if ok {
				tickets = append(tickets, tk)
			}
		case "ok", "fail":
			b.Record(tickets[st.ticket], st.op == "ok", now)
		}
		if got := b.State(now); got != st.state {
			t.Errorf("step %d (t=%v, %s): state: got %v, want %v", i, st.at, st.op, got, st.state)
		}
	}
	want := []Transition{
		{From: Closed, To: Open, At: at(3 * s), Until: at(13 * s), Openings: 1},
		{From: Open, To: HalfOpen, At: at(13 * s)},
		{From: HalfOpen, To: Open, At: at(15 * s), Until: at(35 * s), Openings: 2},
		{From: Open, To: HalfOpen, At: at(35 * s)},
		{From: HalfOpen, To: Open, At: at(36 * s), Until: at(61 * s), Openings: 3},
		{From: Open, To: HalfOpen, At: at(61 * s)},
		{From: HalfOpen, To: Closed, At: at(62 * s)},
		{From: Closed, To: Open, At: at(63 * s), Until: at(73 * s), Openings: 1},
		{From: Open, To: HalfOpen, At: at(73 * s)},
	}
	if !slices.Equal(got, want) {
		t.Errorf("transitions:\n got %+v\nwant %+v", got, want)
	}
	wantStats := BreakerStats{Allowed: 15, Rejected: 4, Opened: 4, HalfOpened: 4, Closed: 1, Stale: 3}
	if got := b.Stats(); got != wantStats {
		t.Errorf("Stats: got %+v, want %+v", got, wantStats)
	}
	if !tickets[6].Probe() || tickets[0].Probe() {
		t.Errorf("Probe: got %v for a probe and %v for a closed ticket", tickets[6].Probe(), tickets[0].Probe())
	}
}

// TestBreakerLateWake: a breaker consulted long after its cool-down still
// reports the half-open transition at the cool-down's end.
func TestBreakerLateWake(t *testing.T) {
	var got []Transition
	b, _ := NewBreaker(BreakerOptions{Failures: 1, OnTransition: func(tr Transition) { got = append(got, tr) }})
	tk, _ := b.Allow(at(0))
	b.Record(tk, false, at(0))
	if _, ok := b.Allow(at(time.Hour)); !ok {
		t.Fatal("Allow after the cool-down: got false")
	}
	want := []Transition{
		{From: Closed, To: Open, At: at(0), Until: at(30 * time.Second), Openings: 1},
		{From: Open, To: HalfOpen, At: at(30 * time.Second)},
	}
	if !slices.Equal(got, want) {
		t.Errorf("transitions:\n got %+v\nwant %+v", got, want)
	}
}

func TestBreakerZeroTicketIsStale(t *testing.T) {
	b, _ := NewBreaker(BreakerOptions{Failures: 1})
	b.Record(Ticket{}, false, at(0))
	if got := b.State(at(0)); got != Closed {
		t.Errorf("state after a zero ticket: got %v, want closed", got)
	}
	if got := b.Stats().Stale; got != 1 {
		t.Errorf("Stale: got %d, want 1", got)
	}
}

func BenchmarkBreakerAllowRecord(b *testing.B) {
	br, _ := NewBreaker(BreakerOptions{})
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		tk, ok := br.Allow(now)
		if ok {
			br.Record(tk, true, now)
		}
	}
}

func BenchmarkBreakerAllowRecordParallel(b *testing.B) {
	br, _ := NewBreaker(BreakerOptions{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if tk, ok := br.Allow(t0); ok {
				br.Record(tk, true, t0)
			}
		}
	})
}
