package resilience

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestParseConditions(t *testing.T) {
	tests := []struct {
		in      string
		want    Condition
		wantErr bool
	}{
		{"", 0, false},
		{"  ", 0, false},
		{"5xx", On5xx, false},
		{" 5xx , reset ", On5xx | OnReset, false},
		{"gateway-error,connect-failure,retriable-4xx,retriable-status-codes",
			OnGatewayError | OnConnectFailure | OnRetriable4xx | OnRetriableStatusCodes, false},
		{"reset,reset", OnReset, false},
		{"5XX", 0, true},
		{"5xx,,reset", 0, true},
		{"refused-stream", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseConditions(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseConditions(%q): got error %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseConditions(%q): got %v, want %v", tt.in, got, tt.want)
		}
	}
	if got, want := (On5xx | OnRetriableStatusCodes).String(), "5xx,retriable-status-codes"; got != want {
		t.Errorf("String: got %q, want %q", got, want)
	}
	if got, want := (OnReset | 1<<30).String(), "reset,Condition(0x40000000)"; got != want {
		t.Errorf("String: got %q, want %q", got, want)
	}
}

func FuzzParseConditions(f *testing.F) {
	for _, s := range []string{"", "5xx", "5xx,reset", " gateway-error ,connect-failure", ",", "retriable-4xx,x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseConditions(s)
		if err != nil {
			return
		}
		back, err := ParseConditions(c.String())
		if err != nil || back != c {
			t.Fatalf("round trip of %q: %v -> %q -> %v, %v", s, c, c.String(), back, err)
		}
	})
}

func TestParseJitter(t *testing.T) {
	for _, j := range []Jitter{JitterFull, JitterEqual, JitterNone, JitterDecorrelated} {
		got, err := ParseJitter(j.String())
		if err != nil || got != j {
			t.Errorf("ParseJitter(%q): got %v, %v, want %v", j.String(), got, err, j)
		}
	}
	if got, err := ParseJitter(""); err != nil || got != JitterFull {
		t.Errorf(`ParseJitter(""): got %v, %v, want full`, got, err)
	}
	if _, err := ParseJitter("Full"); err == nil {
		t.Errorf(`ParseJitter("Full"): got nil error`)
	}
}

func FuzzParseJitter(f *testing.F) {
	for _, s := range []string{"", "full", "equal", "none", "decorrelated", "nope"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		j, err := ParseJitter(s)
		if err != nil {
			return
		}
		if back, err := ParseJitter(j.String()); err != nil || back != j {
			t.Fatalf("round trip of %q: %v -> %v, %v", s, j, back, err)
		}
	})
}

func mustRetry(t testing.TB, o RetryOptions) *RetryPolicy {
	t.Helper()
	p, err := NewRetryPolicy(o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRetryDecide(t *testing.T) {
	def := mustRetry(t, RetryOptions{})
	all5xx := mustRetry(t, RetryOptions{On: On5xx, MaxRetries: 1, NonIdempotent: true})
	gw := mustRetry(t, RetryOptions{On: OnGatewayError})
	c4xx := mustRetry(t, RetryOptions{On: OnRetriable4xx})
	codes := mustRetry(t, RetryOptions{On: OnRetriableStatusCodes, StatusCodes: []int{429, 504}})
	resetOnly := mustRetry(t, RetryOptions{On: OnReset})
	connOnly := mustRetry(t, RetryOptions{On: OnConnectFailure})
	never := mustRetry(t, RetryOptions{MaxRetries: -1})

	var (
		ok      = Outcome{Status: 200}
		s404    = Outcome{Status: 404}
		s409    = Outcome{Status: 409}
		s429    = Outcome{Status: 429}
		s500    = Outcome{Status: 500}
		s502    = Outcome{Status: 502}
		s503    = Outcome{Status: 503}
		s504    = Outcome{Status: 504}
		reset   = Outcome{Reset: true}
		connect = Outcome{ConnectFailure: true}
		timeout = Outcome{Timeout: true}
	)
	tests := []struct {
		name    string
		p       *RetryPolicy
		method  string
		attempt int
		o       Outcome
		want    Decision
	}{
		// Defaults: connect-failure, reset, retriable-status-codes [503]; 2 retries.
		{"default 200", def, "GET", 1, ok, NotRetriable},
		{"default 503", def, "GET", 1, s503, Retry},
		{"default 500", def, "GET", 1, s500, NotRetriable},
		{"default 502", def, "GET", 1, s502, NotRetriable},
		{"default reset", def, "GET", 1, reset, Retry},
		{"default connect", def, "GET", 1, connect, Retry},
		{"default timeout is a 504", def, "GET", 1, timeout, NotRetriable},
		{"default 2nd retry", def, "GET", 2, s503, Retry},
		{"default 3rd retry", def, "GET", 3, s503, AttemptsExhausted},
		{"default empty method is GET", def, "", 1, s503, Retry},
		{"default PUT", def, "PUT", 1, s503, Retry},
		{"default DELETE", def, "DELETE", 1, s503, Retry},
		{"default HEAD", def, "HEAD", 1, reset, Retry},
		{"default POST", def, "POST", 1, s503, NonIdempotent},
		{"default PATCH", def, "PATCH", 1, reset, NonIdempotent},
		{"default POST connect failure", def, "POST", 1, connect, Retry},
		{"default POST connect exhausted", def, "POST", 3, connect, AttemptsExhausted},
		{"default POST 200", def, "POST", 1, ok, NotRetriable},

		{"5xx 500", all5xx, "GET", 1, s500, Retry},
		{"5xx 404", all5xx, "GET", 1, s404, NotRetriable},
		{"5xx timeout", all5xx, "GET", 1, timeout, Retry},
		{"5xx reset", all5xx, "GET", 1, reset, Retry},
		{"5xx POST allowed", all5xx, "POST", 1, s500, Retry},
		{"5xx exhausted", all5xx, "GET", 2, s500, AttemptsExhausted},

		{"gateway 500", gw, "GET", 1, s500, NotRetriable},
		{"gateway 502", gw, "GET", 1, s502, Retry},
		{"gateway 503", gw, "GET", 1, s503, Retry},
		{"gateway 504", gw, "GET", 1, s504, Retry},
		{"gateway timeout", gw, "GET", 1, timeout, Retry},
		{"gateway reset", gw, "GET", 1, reset, Retry},
		{"gateway connect", gw, "GET", 1, connect, Retry},

		{"4xx 409", c4xx, "GET", 1, s409, Retry},
		{"4xx 429", c4xx, "GET", 1, s429, NotRetriable},

		{"codes 429", codes, "GET", 1, s429, Retry},
		{"codes 504", codes, "GET", 1, s504, Retry},
		{"codes timeout", codes, "GET", 1, timeout, Retry},
		{"codes 503", codes, "GET", 1, s503, NotRetriable},
		{"codes reset", codes, "GET", 1, reset, NotRetriable},

		{"reset reset", resetOnly, "GET", 1, reset, Retry},
		{"reset connect", resetOnly, "GET", 1, connect, Retry},
		{"reset timeout", resetOnly, "GET", 1, timeout, NotRetriable},
		{"reset 503", resetOnly, "GET", 1, s503, NotRetriable},
		{"connect connect", connOnly, "GET", 1, connect, Retry},
		{"connect reset", connOnly, "GET", 1, reset, NotRetriable},

		{"never", never, "GET", 1, s503, AttemptsExhausted},
	}
	for _, tt := range tests {
		got := tt.p.Decide(tt.method, tt.attempt, tt.o)
		if got != tt.want {
			t.Errorf("%s: Decide(%q, %d, %+v): got %v, want %v", tt.name, tt.method, tt.attempt, tt.o, got, tt.want)
		}
		if got, want := tt.p.ShouldRetry(tt.method, tt.attempt, tt.o), tt.want == Retry; got != want {
			t.Errorf("%s: ShouldRetry: got %v, want %v", tt.name, got, want)
		}
	}
	if got, want := def.MaxRetries(), 2; got != want {
		t.Errorf("default MaxRetries: got %d, want %d", got, want)
	}
	if got, want := never.MaxRetries(), 0; got != want {
		t.Errorf("never MaxRetries: got %d, want %d", got, want)
	}
}

func TestBackoffNoJitter(t *testing.T) {
	p := mustRetry(t, RetryOptions{Jitter: JitterNone}) // 25ms base, 250ms cap
	ms := time.Millisecond
	tests := []struct {
		retry int
		want  time.Duration
	}{
		{0, 25 * ms}, {1, 25 * ms}, {2, 50 * ms}, {3, 100 * ms}, {4, 200 * ms}, {5, 250 * ms}, {6, 250 * ms}, {200, 250 * ms},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, tt := range tests {
		if got := p.Backoff(tt.retry, 0, r); got != tt.want {
			t.Errorf("Backoff(%d): got %v, want %v", tt.retry, got, tt.want)
		}
	}
}

// TestBackoffJitterBounds draws 2000 seeded samples per retry and checks
// that every one lies in the documented range and that the samples reach
// both ends of it (which, seeded, is an exact property of this seed).
func TestBackoffJitterBounds(t *testing.T) {
	ms := time.Millisecond
	ceilings := []time.Duration{25 * ms, 50 * ms, 100 * ms, 200 * ms, 250 * ms, 250 * ms}
	for _, tt := range []struct {
		jitter Jitter
		lo     func(c time.Duration) time.Duration
	}{
		{JitterFull, func(time.Duration) time.Duration { return 0 }},
		{JitterEqual, func(c time.Duration) time.Duration { return c / 2 }},
	} {
		p := mustRetry(t, RetryOptions{Jitter: tt.jitter})
		r := rand.New(rand.NewPCG(7, 7))
		for i, c := range ceilings {
			lo := tt.lo(c)
			mn, mx := c, time.Duration(0)
			for range 2000 {
				d := p.Backoff(i+1, 0, r)
				if d < lo || d >= c {
					t.Fatalf("%v: Backoff(%d) = %v, want in [%v, %v)", tt.jitter, i+1, d, lo, c)
				}
				mn, mx = min(mn, d), max(mx, d)
			}
			if span := c - lo; mn >= lo+span/20 || mx < c-span/20 {
				t.Errorf("%v: Backoff(%d) samples span [%v, %v], want close to [%v, %v)", tt.jitter, i+1, mn, mx, lo, c)
			}
		}
		if got := p.Backoff(3, 0, nil); got != 100*ms {
			t.Errorf("%v: Backoff with nil rand: got %v, want the ceiling 100ms", tt.jitter, got)
		}
	}
}

func TestBackoffDecorrelated(t *testing.T) {
	ms := time.Millisecond
	p := mustRetry(t, RetryOptions{Jitter: JitterDecorrelated, BaseBackoff: 10 * ms, MaxBackoff: 100 * ms})
	r := rand.New(rand.NewPCG(3, 4))
	for chain := range 200 {
		prev := time.Duration(0)
		for retry := 1; retry <= 8; retry++ {
			d := p.Backoff(retry, prev, r)
			hi := min(3*max(prev, 10*ms), 100*ms)
			if d < 10*ms || d >= hi {
				t.Fatalf("chain %d retry %d: Backoff(prev %v) = %v, want in [10ms, %v)", chain, retry, prev, d, hi)
			}
			prev = d
		}
	}
	for _, tt := range []struct{ prev, want time.Duration }{
		{0, 30 * ms}, {10 * ms, 30 * ms}, {20 * ms, 60 * ms}, {40 * ms, 100 * ms}, {time.Duration(1 << 62), 100 * ms},
	} {
		if got := p.Backoff(1, tt.prev, nil); got != tt.want {
			t.Errorf("Backoff(prev %v, nil rand): got %v, want %v", tt.prev, got, tt.want)
		}
	}
}

func TestBackoffDeterministic(t *testing.T) {
	for _, j := range []Jitter{JitterFull, JitterEqual, JitterDecorrelated} {
		p := mustRetry(t, RetryOptions{Jitter: j})
		draw := func() []time.Duration {
			r := rand.New(rand.NewPCG(42, 43))
			var out []time.Duration
			prev := time.Duration(0)
			for i := 1; i <= 20; i++ {
				prev = p.Backoff(i, prev, r)
				out = append(out, prev)
			}
			return out
		}
		if a, b := draw(), draw(); !slices.Equal(a, b) {
			t.Errorf("%v: same seed gave %v and %v", j, a, b)
		}
	}
}

func TestDecisionStrings(t *testing.T) {
	for d, want := range map[Decision]string{NotRetriable: "not-retriable", Retry: "retry", NonIdempotent: "non-idempotent", AttemptsExhausted: "attempts-exhausted", 9: "Decision(9)"} {
		if got := d.String(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func BenchmarkShouldRetry(b *testing.B) {
	p := mustRetry(b, RetryOptions{})
	o := Outcome{Status: 503}
	b.ReportAllocs()
	for b.Loop() {
		if !p.ShouldRetry("GET", 1, o) {
			b.Fatal("no retry")
		}
	}
}

func BenchmarkBackoff(b *testing.B) {
	p := mustRetry(b, RetryOptions{})
	r := rand.New(rand.NewPCG(1, 1))
	b.ReportAllocs()
	for b.Loop() {
		p.Backoff(3, 0, r)
	}
}
