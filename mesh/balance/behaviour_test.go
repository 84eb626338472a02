package balance_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/baton-sim/baton/mesh/balance"
)

func mustNew(t *testing.T, name string, opts balance.Options) balance.Balancer {
	t.Helper()
	b, err := balance.New(name, opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hold puts n requests in flight on ep through a separate balancer, as
// another caller sharing the endpoint would; release ends them.
func hold(t *testing.T, ep *balance.Endpoint, n int) (release func()) {
	t.Helper()
	rr, err := balance.NewRoundRobin(balance.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rr.Update([]*balance.Endpoint{ep}, t0)
	for range n {
		if _, err := rr.Pick(balance.Request{}, t0); err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		for range n {
			rr.Done(ep, balance.Outcome{}, t0)
		}
	}
}

func sequence(t *testing.T, b balance.Balancer, n int) string {
	t.Helper()
	var sb strings.Builder
	for range n {
		ep, err := b.Pick(balance.Request{}, t0)
		if err != nil {
			t.Fatal(err)
		}
		b.Done(ep, balance.Outcome{Latency: time.Millisecond}, t0)
		sb.WriteString(ep.ID)
	}
	return sb.String()
}

func TestWeightedRoundRobinSmoothSequence(t *testing.T) {
	tests := []struct {
		weights []uint32
		want    string
	}{
		{[]uint32{5, 1, 1}, "aabacaa" + "aabacaa"},
		{[]uint32{50, 10, 10}, "aabacaa"}, // reduced by the gcd to 5,1,1
		{[]uint32{1, 1, 1}, "abcabc"},
		{[]uint32{0, 0, 2}, "cabccabc"}, // 0 counts as 1
		{[]uint32{2, 1}, "abaaba"},
	}
	for _, tt := range tests {
		b := mustNew(t, balance.NameWeightedRoundRobin, balance.Options{})
		eps := endpoints("a", "b", "c")[:len(tt.weights)]
		for i, w := range tt.weights {
			eps[i].Weight = w
		}
		b.Update(eps, t0)
		if got := sequence(t, b, len(tt.want)); got != tt.want {
			t.Errorf("weights %v: got %s, want %s", tt.weights, got, tt.want)
		}
	}
}

func TestWeightedRoundRobinHugeWeights(t *testing.T) {
	// A weight sum of 10⁹+1 is scaled to the default schedule of 2¹⁴:
	// 16383 slots for a, 1 for b.
	b := mustNew(t, balance.NameWeightedRoundRobin, balance.Options{})
	eps := endpoints("a", "b")
	eps[0].Weight, eps[1].Weight = 1_000_000_000, 1
	b.Update(eps, t0)
	got := strings.Count(sequence(t, b, balance.DefaultMaxSchedule), "b")
	if want := 1; got != want {
		t.Errorf("b picked %d times in %d, want %d", got, balance.DefaultMaxSchedule, want)
	}
}

func TestLeastRequestFullRotatesTies(t *testing.T) {
	b := mustNew(t, balance.NameLeastRequestFull, balance.Options{})
	eps := endpoints("c", "b", "a") // descending: the tie rule must not care
	b.Update(eps, t0)
	if got, want := sequence(t, b, 6), "cbacba"; got != want {
		t.Errorf("idle endpoints: got %s, want %s", got, want)
	}
	release := hold(t, eps[1], 1) // b busy
	defer release()
	if got, want := sequence(t, b, 6), "cacaca"; got != want {
		t.Errorf("b busy: got %s, want %s", got, want)
	}
}

func TestLeastRequestAvoidsBusy(t *testing.T) {
	tests := []struct {
		name     string
		held     []int // in flight per endpoint a, b, c, d
		wantPick string
	}{
		// 400 picks, d holding 100: P2C never picks the most loaded,
		// the seeded pairs share the rest (≈133 each).
		{"one hot", []int{0, 0, 0, 100}, "a:150 b:126 c:124 d:0"},
		// a and d idle: every pair holding one of them picks it; only the
		// pair {b, c}, 1/6 of draws (≈67), goes to a busy endpoint.
		{"two idle", []int{0, 5, 5, 0}, "a:189 b:26 c:28 d:157"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustNew(t, balance.NameLeastRequest, balance.Options{Seed: 42})
			eps := endpoints("a", "b", "c", "d")
			for i, n := range tt.held {
				defer hold(t, eps[i], n)()
			}
			b.Update(eps, t0)
			if got := countPicks(t, b, eps, 400, nil); got != tt.wantPick {
				t.Errorf("picks: got %s, want %s", got, tt.wantPick)
			}
		})
	}
}

// countPicks makes n picks, each released at once with latency(ep)
// (1ms when nil), the clock advancing 1ms per pick, and formats the counts.
func countPicks(t *testing.T, b balance.Balancer, eps []*balance.Endpoint, n int, latency func(*balance.Endpoint) time.Duration) string {
	t.Helper()
	counts := map[string]int{}
	now := t0
	for range n {
		ep, err := b.Pick(balance.Request{}, now)
		if err != nil {
			t.Fatal(err)
		}
		l := time.Millisecond
		if latency != nil {
			l = latency(ep)
		}
		b.Done(ep, balance.Outcome{Latency: l}, now)
		counts[ep.ID]++
		now = now.Add(time.Millisecond)
	}
	var parts []string
	for _, ep := range eps {
		parts = append(parts, ep.ID+":"+itoa(counts[ep.ID]))
	}
	return strings.Join(parts, " ")
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append(b, byte('0'+n%10))
	}
	slices.Reverse(b)
	return string(b)
}

func TestOptionsValidation(t *testing.T) {
	tests := []struct {
		name string
		opts balance.Options
	}{
		{"maglev table not prime", balance.Options{MaglevTableSize: 65536}},
		{"negative decay", balance.Options{Decay: -time.Second}},
		{"smoothing above 1", balance.Options{Smoothing: 1.5}},
	}
	for _, tt := range tests {
		for _, name := range balance.Names() {
			b, err := balance.New(name, tt.opts)
			if err == nil || b != nil {
				t.Errorf("%s: New(%s) = %v, %v; want nil and an error", tt.name, name, b, err)
			}
		}
	}
	if _, err := balance.New(balance.NameMaglev, balance.Options{MaglevTableSize: 251}); err != nil {
		t.Errorf("maglev with prime table 251: %v", err)
	}
}

func TestPickAfterEmptyUpdate(t *testing.T) {
	for _, name := range balance.Names() {
		b := mustNew(t, name, balance.Options{})
		b.Update(endpoints("a"), t0)
		b.Update(nil, t0)
		if _, err := b.Pick(balance.Request{}, t0); !errors.Is(err, balance.ErrNoEndpoint) {
			t.Errorf("%s: Pick after Update(nil): got %v, want ErrNoEndpoint", name, err)
		}
	}
}
