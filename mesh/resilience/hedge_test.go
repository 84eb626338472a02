package resilience

import (
	"testing"
	"time"
)

func mustHedge(t testing.TB, o HedgeOptions) *Hedge {
	t.Helper()
	h, err := NewHedge(o)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// hedgeStep is one row of a hedging script at time at: op "next" checks
// Next (wantNext, or wantNone), "send" calls Sent (wantAttempt), "result"
// feeds outcome o (wantAction), "stop" calls Stop.
type hedgeStep struct {
	at          time.Duration
	op          string
	o           Outcome
	wantNext    time.Duration
	wantNone    bool
	wantAttempt int
	wantAction  HedgeAction
}

func runHedge(t *testing.T, h *Hedge, steps []hedgeStep) {
	t.Helper()
	c := h.Start(at(0))
	for i, st := range steps {
		now := at(st.at)
		switch st.op {
		case "next":
			next, ok := c.Next()
			if ok == st.wantNone || (ok && !next.Equal(at(st.wantNext))) {
				t.Errorf("step %d (t=%v): Next: got %v, %v; want %v, %v", i, st.at, next.Sub(t0), ok, st.wantNext, !st.wantNone)
			}
		case "send":
			if got := c.Sent(now); got != st.wantAttempt {
				t.Errorf("step %d (t=%v): Sent: got attempt %d, want %d", i, st.at, got, st.wantAttempt)
			}
		case "result":
			if got := c.Result(st.o, now); got != st.wantAction {
				t.Errorf("step %d (t=%v): Result(%+v): got %v, want %v", i, st.at, st.o, got, st.wantAction)
			}
		case "stop":
			c.Stop()
		}
	}
}

func TestHedgeSchedule(t *testing.T) {
	ms := time.Millisecond
	h := mustHedge(t, HedgeOptions{MaxAttempts: 3, Delay: 100 * ms})
	if !h.Enabled() || h.MaxAttempts() != 3 || h.Delay() != 100*ms {
		t.Fatalf("got enabled %v attempts %d delay %v", h.Enabled(), h.MaxAttempts(), h.Delay())
	}
	runHedge(t, h, []hedgeStep{
		{at: 0, op: "next", wantNext: 100 * ms},
		{at: 100 * ms, op: "send", wantAttempt: 2},
		{at: 100 * ms, op: "next", wantNext: 200 * ms},
		// The engine woke late: the next delay counts from the actual send.
		{at: 230 * ms, op: "send", wantAttempt: 3},
		{at: 230 * ms, op: "next", wantNone: true},
		{at: 250 * ms, op: "result", o: Outcome{Status: 200}, wantAction: Commit},
		{at: 260 * ms, op: "result", o: Outcome{Status: 200}, wantAction: Late},
	})
}

func TestHedgeZeroDelaySendsAllAtOnce(t *testing.T) {
	h := mustHedge(t, HedgeOptions{MaxAttempts: 4})
	c := h.Start(at(0))
	n := 1
	for next, ok := c.Next(); ok && !at(0).Before(next); next, ok = c.Next() {
		n = c.Sent(at(0))
	}
	if got, want := n, 4; got != want || c.Attempts() != want {
		t.Errorf("attempts sent at t=0: got %d (Attempts %d), want %d", got, c.Attempts(), want)
	}
}

func TestHedgeNonFatal(t *testing.T) {
	ms := time.Millisecond
	h := mustHedge(t, HedgeOptions{MaxAttempts: 3, Delay: 100 * ms, NonFatalOn: OnGatewayError})
	runHedge(t, h, []hedgeStep{
		{at: 50 * ms, op: "result", o: Outcome{Status: 503}, wantAction: SendNow},
		{at: 50 * ms, op: "send", wantAttempt: 2},
		{at: 50 * ms, op: "next", wantNext: 150 * ms},
		{at: 150 * ms, op: "send", wantAttempt: 3},
		{at: 160 * ms, op: "result", o: Outcome{Reset: true}, wantAction: Wait},
		{at: 170 * ms, op: "result", o: Outcome{Status: 502}, wantAction: Fail},
		{at: 170 * ms, op: "next", wantNone: true},
	})
	// A fatal failure (500 is not a gateway error) commits at once.
	runHedge(t, h, []hedgeStep{
		{at: 10 * ms, op: "result", o: Outcome{Status: 500}, wantAction: Commit},
		{at: 10 * ms, op: "next", wantNone: true},
	})
	// Without NonFatalOn every failure commits, as in gRPC.
	runHedge(t, mustHedge(t, HedgeOptions{MaxAttempts: 3, Delay: 100 * ms}), []hedgeStep{
		{at: 10 * ms, op: "result", o: Outcome{Status: 503}, wantAction: Commit},
	})
	// Status codes.
	codes := mustHedge(t, HedgeOptions{MaxAttempts: 2, NonFatalOn: OnRetriableStatusCodes, NonFatalStatusCodes: []int{429}})
	runHedge(t, codes, []hedgeStep{
		{at: 0, op: "send", wantAttempt: 2},
		{at: 1 * ms, op: "result", o: Outcome{Status: 429}, wantAction: Wait},
		{at: 2 * ms, op: "result", o: Outcome{Status: 503}, wantAction: Commit},
	})
}

func TestHedgeStop(t *testing.T) {
	ms := time.Millisecond
	h := mustHedge(t, HedgeOptions{MaxAttempts: 5, Delay: 10 * ms, NonFatalOn: On5xx})
	runHedge(t, h, []hedgeStep{
		{at: 10 * ms, op: "send", wantAttempt: 2},
		{at: 15 * ms, op: "stop"}, // e.g. the retry budget denied the next hedge
		{at: 15 * ms, op: "next", wantNone: true},
		{at: 16 * ms, op: "result", o: Outcome{Status: 500}, wantAction: Wait},
		{at: 17 * ms, op: "result", o: Outcome{Status: 500}, wantAction: Fail},
	})
}

func TestHedgeOff(t *testing.T) {
	h := mustHedge(t, HedgeOptions{})
	if h.Enabled() || h.MaxAttempts() != 1 {
		t.Fatalf("zero options: got enabled %v attempts %d", h.Enabled(), h.MaxAttempts())
	}
	runHedge(t, h, []hedgeStep{
		{at: 0, op: "next", wantNone: true},
		{at: 5 * time.Millisecond, op: "result", o: Outcome{Status: 200}, wantAction: Commit},
	})
}

func TestHedgeActionStrings(t *testing.T) {
	for a, want := range map[HedgeAction]string{Commit: "commit", SendNow: "send-now", Wait: "wait", Fail: "fail", Late: "late", 9: "HedgeAction(9)"} {
		if got := a.String(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func BenchmarkHedgeCall(b *testing.B) {
	h := mustHedge(b, HedgeOptions{MaxAttempts: 3, Delay: time.Millisecond, NonFatalOn: OnGatewayError})
	b.ReportAllocs()
	for b.Loop() {
		c := h.Start(t0)
		if _, ok := c.Next(); ok {
			c.Sent(t0)
		}
		c.Result(Outcome{Status: 503}, t0)
		c.Result(Outcome{Status: 200}, t0)
	}
}
