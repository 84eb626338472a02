// Package balancetest is a conformance suite for balance.Balancer
// implementations, in the manner of testing/fstest: a balancer states what
// it promises in Props, and Run checks every promise plus the contract all
// balancers share.
//
// The shared contract: ErrNoEndpoint when nothing is installed; Pick counts
// the request in flight and Done releases it, including for endpoints that
// have since been removed; no pick ever returns an endpoint absent from the
// last Update; endpoints may appear and disappear between picks; the same
// calls on two fresh balancers give the same picks (the seed is fixed by
// newBalancer); and concurrent Pick, Done and Update are safe under -race.
// Each check runs with the endpoints given in ascending, descending and
// shuffled order, because order-dependent tie rules (Caddy's least_conn)
// only fail on some orders.
package balancetest

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/baton-sim/baton/mesh/balance"
)

// LoadAwareness says how in-flight counts steer a balancer's picks.
type LoadAwareness int

const (
	// LoadBlind balancers ignore in-flight counts.
	LoadBlind LoadAwareness = iota
	// AvoidsMostLoaded balancers (power of two choices) never pick the
	// endpoint with strictly the most requests in flight.
	AvoidsMostLoaded
	// PicksLeastLoaded balancers (full scan) always pick the endpoint
	// with strictly the fewest requests in flight.
	PicksLeastLoaded
)

// Props states what a balancer promises beyond the shared contract. Every
// pick in the fairness checks is followed by its Done at once, with the
// same latency for every endpoint, the clock advancing 1ms per pick.
type Props struct {
	// Exact: of N picks over k equal endpoints each gets ⌊N/k⌋ or ⌈N/k⌉
	// (and, with Weighted, the exact weighted share over whole cycles).
	// Otherwise each count c must satisfy |c − N·p| ≤ Sigmas·√(N·p·(1−p)),
	// the binomial bound for an unbiased random choice with probability p.
	Exact bool
	// Sigmas is the width of the random bound; default 6.
	Sigmas float64
	// Weighted: picks follow endpoint weights (checked with weights
	// 1, 2, 3, 4), under the same bound as equal endpoints. For hash
	// balancers the key shares follow weights within KeySpread.
	Weighted bool
	// Load is how in-flight counts steer picks.
	Load LoadAwareness

	// Hash marks a consistent-hash balancer: requests with a hash always
	// map to the same endpoint, independent of the order Update got, and
	// requests without one fall back to a random choice (so the fairness
	// check uses the random bound).
	Hash bool
	// KeySpread bounds how far an endpoint's share of keys may stray from
	// its fair share, relative: |share/fair − 1| ≤ KeySpread. It also
	// bounds the fraction of keys moved when one of N endpoints leaves
	// (fair: 1/N) or joins (fair: 1/(N+1)).
	KeySpread float64
	// MaxStrayMove bounds the fraction of all keys that move between two
	// endpoints that both stayed, when one endpoint leaves or joins. A
	// ring moves none; Maglev a little.
	MaxStrayMove float64
}

const (
	step    = time.Millisecond
	latency = time.Millisecond
)

// T0 is the suite's clock origin.
var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// Run checks newBalancer's balancers against the shared contract and
// props. newBalancer must return a fresh balancer with a fixed seed.
func Run(t *testing.T, newBalancer func() balance.Balancer, props Props) {
	t.Helper()
	if props.Sigmas == 0 {
		props.Sigmas = 6
	}
	s := &suite{newB: newBalancer, p: props}
	t.Run("Empty", s.empty)
	t.Run("InFlight", s.inFlight)
	t.Run("Deterministic", s.deterministic)
	for _, ord := range orders {
		t.Run("Fair/"+ord.name, func(t *testing.T) { s.fair(t, ord.arrange) })
		if props.Weighted {
			t.Run("Weighted/"+ord.name, func(t *testing.T) { s.weighted(t, ord.arrange) })
		}
		t.Run("Eligible/"+ord.name, func(t *testing.T) { s.eligible(t, ord.arrange) })
		if props.Load != LoadBlind {
			t.Run("Load/"+ord.name, func(t *testing.T) { s.load(t, ord.arrange) })
		}
	}
	if props.Hash {
		t.Run("Hash/Affinity", s.affinity)
		t.Run("Hash/Spread", s.spread)
		t.Run("Hash/Remove", s.remove)
		t.Run("Hash/Add", s.add)
	}
	t.Run("Concurrent", s.concurrent)
}

type suite struct {
	newB func() balance.Balancer
	p    Props
}

var orders = []struct {
	name    string
	arrange func([]*balance.Endpoint) []*balance.Endpoint
}{
	{"ascending", func(eps []*balance.Endpoint) []*balance.Endpoint { return slices.Clone(eps) }},
	{"descending", func(eps []*balance.Endpoint) []*balance.Endpoint {
		out := slices.Clone(eps)
		slices.Reverse(out)
		return out
	}},
	{"shuffled", func(eps []*balance.Endpoint) []*balance.Endpoint {
		out := slices.Clone(eps)
		r := rand.New(rand.NewPCG(1, 2))
		r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		return out
	}},
}

// Endpoints returns n endpoints with IDs ep-00, ep-01, ... in ascending
// order and the given weights (cycled; none means weight 0).
func Endpoints(n int, weights ...uint32) []*balance.Endpoint {
	eps := make([]*balance.Endpoint, n)
	for i := range eps {
		eps[i] = &balance.Endpoint{ID: fmt.Sprintf("ep-%02d", i), Addr: fmt.Sprintf("127.0.0.1:%d", 9000+i)}
		if len(weights) > 0 {
			eps[i].Weight = weights[i%len(weights)]
		}
	}
	return eps
}

// pickDone picks and immediately reports success with the suite latency.
// It is not a t.Helper: it runs in loops of thousands, where Helper's
// stack walk would dominate the suite's time.
func pickDone(t *testing.T, b balance.Balancer, req balance.Request, now time.Time) *balance.Endpoint {
	ep, err := b.Pick(req, now)
	if err != nil {
		t.Fatalf("Pick(%+v) at %v: %v", req, now.Sub(t0), err)
	}
	b.Done(ep, balance.Outcome{Latency: latency}, now)
	return ep
}

func (s *suite) empty(t *testing.T) {
	b := s.newB()
	check := func(when string) {
		t.Helper()
		for _, req := range []balance.Request{{}, {Hash: 7, HasHash: true}} {
			ep, err := b.Pick(req, t0)
			if !errors.Is(err, balance.ErrNoEndpoint) || ep != nil {
				t.Errorf("%s: Pick(%+v) = %v, %v; want nil, ErrNoEndpoint", when, req, ep, err)
			}
		}
	}
	check("before Update")
	b.Update(nil, t0)
	check("after Update(nil)")
	b.Update(Endpoints(3), t0)
	b.Update([]*balance.Endpoint{}, t0)
	check("after Update(empty)")
	b.Update([]*balance.Endpoint{nil, nil}, t0)
	check("after Update(nils)")
}

func (s *suite) inFlight(t *testing.T) {
	b := s.newB()
	eps := Endpoints(3)
	b.Update(eps, t0)
	var held []*balance.Endpoint
	for i := range 30 {
		ep, err := b.Pick(balance.Request{Hash: uint64(i), HasHash: i%2 == 0}, t0)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, ep)
	}
	if got := total(eps); got != 30 {
		t.Errorf("in flight after 30 picks: got %d, want 30", got)
	}
	for _, ep := range held {
		b.Done(ep, balance.Outcome{Latency: latency}, t0)
	}
	if got := total(eps); got != 0 {
		t.Errorf("in flight after every Done: got %d, want 0", got)
	}
}

func total(eps []*balance.Endpoint) int64 {
	var n int64
	for _, ep := range eps {
		n += ep.InFlight()
	}
	return n
}

func (s *suite) deterministic(t *testing.T) {
	run := func() []string {
		b := s.newB()
		eps := Endpoints(5)
		b.Update(eps, t0)
		var ids []string
		now := t0
		for i := range 500 {
			if i == 250 {
				b.Update(eps[1:], now)
			}
			ep := pickDone(t, b, balance.Request{Hash: uint64(i), HasHash: i%3 == 0}, now)
			ids = append(ids, ep.ID)
			now = now.Add(step)
		}
		return ids
	}
	if a, c := run(), run(); !slices.Equal(a, c) {
		t.Errorf("two fresh balancers given the same calls picked differently:\n%v\n%v", a, c)
	}
}

// checkCounts compares per-endpoint counts with shares p (summing to 1)
// over n picks, exactly or within the binomial bound.
func (s *suite) checkCounts(t *testing.T, counts map[string]int, eps []*balance.Endpoint, p []float64, n int, exact bool) {
	t.Helper()
	for i, ep := range eps {
		got, want := float64(counts[ep.ID]), float64(n)*p[i]
		bound := s.p.Sigmas * math.Sqrt(float64(n)*p[i]*(1-p[i]))
		if exact {
			bound = 1
		}
		if math.Abs(got-want) > bound || (exact && math.Abs(got-want) >= 1) {
			t.Errorf("%s: got %v picks, want %v (bound ±%.1f, exact=%v)", ep.ID, got, want, bound, exact)
		}
	}
	for id := range counts {
		if !slices.ContainsFunc(eps, func(e *balance.Endpoint) bool { return e.ID == id }) {
			t.Errorf("picked %s, which is not installed", id)
		}
	}
}

func (s *suite) fair(t *testing.T, arrange func([]*balance.Endpoint) []*balance.Endpoint) {
	for _, k := range []int{3, 7} {
		const n = 4200 // divisible by 3 and 7: exact balancers hit N/k
		b := s.newB()
		eps := Endpoints(k)
		b.Update(arrange(eps), t0)
		counts := map[string]int{}
		now := t0
		for range n {
			counts[pickDone(t, b, balance.Request{}, now).ID]++
			now = now.Add(step)
		}
		p := make([]float64, k)
		for i := range p {
			p[i] = 1 / float64(k)
		}
		s.checkCounts(t, counts, eps, p, n, s.p.Exact && !s.p.Hash)
	}
}

var weights = []uint32{1, 2, 3, 4}

func (s *suite) weighted(t *testing.T, arrange func([]*balance.Endpoint) []*balance.Endpoint) {
	const n = 10000 // whole cycles of weights 1+2+3+4
	eps := Endpoints(len(weights), weights...)
	p := make([]float64, len(eps))
	for i, w := range weights {
		p[i] = float64(w) / 10
	}
	b := s.newB()
	b.Update(arrange(eps), t0)
	counts := map[string]int{}
	now := t0
	for range n {
		counts[pickDone(t, b, balance.Request{}, now).ID]++
		now = now.Add(step)
	}
	s.checkCounts(t, counts, eps, p, n, s.p.Exact && !s.p.Hash)
	if s.p.Hash {
		owners := keyOwners(t, b, 40000)
		shares := map[string]int{}
		for _, id := range owners {
			shares[id]++
		}
		for i, ep := range eps {
			got, fair := float64(shares[ep.ID])/40000, p[i]
			if math.Abs(got/fair-1) > s.p.KeySpread {
				t.Errorf("%s (weight %d): key share %.4f, want %.4f within ±%.0f%%", ep.ID, ep.Weight, got, fair, 100*s.p.KeySpread)
			}
		}
	}
}

func (s *suite) eligible(t *testing.T, arrange func([]*balance.Endpoint) []*balance.Endpoint) {
	b := s.newB()
	all := Endpoints(6)
	now := t0
	var held []*balance.Endpoint
	// phase picks without Done (held, to be released after the endpoint
	// set changed) and with Done, and checks each pick is installed.
	phase := func(installed []*balance.Endpoint, picks int) map[string]int {
		t.Helper()
		b.Update(arrange(installed), now)
		seen := map[string]int{}
		for i := range picks {
			req := balance.Request{Hash: uint64(i) * 7919, HasHash: i%2 == 0}
			ep, err := b.Pick(req, now)
			if err != nil {
				t.Fatalf("Pick: %v", err)
			}
			if !slices.Contains(installed, ep) {
				t.Fatalf("picked %s, not among the installed %v", ep.ID, ids(installed))
			}
			seen[ep.ID]++
			if i%4 == 0 {
				held = append(held, ep)
			} else {
				b.Done(ep, balance.Outcome{Latency: latency, Failed: i%8 == 1}, now)
			}
			now = now.Add(step)
		}
		return seen
	}
	phase(all[:5], 400)
	// ep-01 and ep-03 ejected, ep-04 draining: never picked again.
	phase([]*balance.Endpoint{all[0], all[2]}, 400)
	// Done for endpoints removed meanwhile must be harmless.
	for _, ep := range held {
		b.Done(ep, balance.Outcome{Latency: latency}, now)
	}
	held = held[:0]
	// ep-05 appears, ep-01 returns: both must get traffic.
	seen := phase([]*balance.Endpoint{all[0], all[1], all[2], all[5]}, 400)
	for _, id := range []string{"ep-01", "ep-05"} {
		if seen[id] == 0 {
			t.Errorf("%s: 0 of 400 picks after it appeared, want some", id)
		}
	}
	phase([]*balance.Endpoint{all[5]}, 50)
	for _, ep := range held {
		b.Done(ep, balance.Outcome{Latency: latency}, now)
	}
	for _, ep := range all {
		if got := ep.InFlight(); got != 0 {
			t.Errorf("%s: %d in flight after every Done, want 0", ep.ID, got)
		}
	}
}

func ids(eps []*balance.Endpoint) []string {
	out := make([]string, len(eps))
	for i, ep := range eps {
		out[i] = ep.ID
	}
	return out
}

// load preloads in-flight counts (one idle endpoint, one hot, the rest
// busy) through a second balancer, as another caller sharing the
// endpoints would, then checks where picks go.
func (s *suite) load(t *testing.T, arrange func([]*balance.Endpoint) []*balance.Endpoint) {
	eps := Endpoints(5)
	idle, hot := eps[2], eps[4]
	loads := map[*balance.Endpoint]int{eps[0]: 10, eps[1]: 10, idle: 0, eps[3]: 10, hot: 50}
	var holders []func()
	for ep, n := range loads {
		other, err := balance.NewRoundRobin(balance.Options{})
		if err != nil {
			t.Fatal(err)
		}
		other.Update([]*balance.Endpoint{ep}, t0)
		for range n {
			got, err := other.Pick(balance.Request{}, t0)
			if err != nil {
				t.Fatal(err)
			}
			holders = append(holders, func() { other.Done(got, balance.Outcome{}, t0) })
		}
	}
	b := s.newB()
	b.Update(arrange(eps), t0)
	now := t0
	for i := range 200 {
		ep := pickDone(t, b, balance.Request{}, now)
		switch {
		case s.p.Load == PicksLeastLoaded && ep != idle:
			t.Fatalf("pick %d: got %s (%d in flight), want the idle %s", i, ep.ID, loads[ep], idle.ID)
		case s.p.Load == AvoidsMostLoaded && ep == hot:
			t.Fatalf("pick %d: got the most loaded %s (%d in flight)", i, ep.ID, loads[ep])
		}
		now = now.Add(step)
	}
	for _, release := range holders {
		release()
	}
}

// keyOwners maps keys 0..n-1 to endpoint IDs, releasing each pick.
func keyOwners(t *testing.T, b balance.Balancer, n int) []string {
	out := make([]string, n)
	for k := range out {
		out[k] = pickDone(t, b, balance.Request{Hash: uint64(k), HasHash: true}, t0).ID
	}
	return out
}

func (s *suite) affinity(t *testing.T) {
	const keys = 2000
	eps := Endpoints(7)
	var want []string
	for _, ord := range orders {
		b := s.newB()
		b.Update(ord.arrange(eps), t0)
		first := keyOwners(t, b, keys)
		// Interleave other keys and hashless requests, then ask again.
		for i := range 500 {
			pickDone(t, b, balance.Request{Hash: uint64(keys + i), HasHash: i%2 == 0}, t0)
		}
		if again := keyOwners(t, b, keys); !slices.Equal(first, again) {
			t.Errorf("%s: the same keys mapped differently on a second pass", ord.name)
		}
		if want == nil {
			want = first
		} else if !slices.Equal(first, want) {
			t.Errorf("%s: keys map differently than with ascending input", ord.name)
		}
	}
}

func (s *suite) spread(t *testing.T) {
	const n, keys = 10, 40000
	b := s.newB()
	b.Update(Endpoints(n), t0)
	counts := map[string]int{}
	for _, id := range keyOwners(t, b, keys) {
		counts[id]++
	}
	t.Logf("key counts over %d endpoints: %v", n, counts)
	for _, ep := range Endpoints(n) {
		got := float64(counts[ep.ID]) * n / keys
		if math.Abs(got-1) > s.p.KeySpread {
			t.Errorf("%s: owns %.3f of its fair share of keys, want 1 ± %.3f", ep.ID, got, s.p.KeySpread)
		}
	}
}

// moved compares two key maps: the fraction of keys that moved off or
// onto changed, and the fraction that moved between other endpoints.
func moved(before, after []string, changed string) (own, stray float64) {
	var m, st int
	for k := range before {
		if before[k] == after[k] {
			continue
		}
		if before[k] != changed && after[k] != changed {
			st++
		} else {
			m++
		}
	}
	return float64(m) / float64(len(before)), float64(st) / float64(len(before))
}

func (s *suite) remove(t *testing.T) {
	const n, keys = 10, 40000
	eps := Endpoints(n)
	b := s.newB()
	b.Update(eps, t0)
	before := keyOwners(t, b, keys)
	gone := eps[3]
	b.Update(slices.Delete(slices.Clone(eps), 3, 4), t0)
	after := keyOwners(t, b, keys)
	for k := range after {
		if after[k] == gone.ID {
			t.Fatalf("key %d still maps to the removed %s", k, gone.ID)
		}
	}
	own, stray := moved(before, after, gone.ID)
	t.Logf("removing 1 of %d moved %.4f of keys off it and %.4f between the others", n, own, stray)
	if got := own * n; math.Abs(got-1) > s.p.KeySpread {
		t.Errorf("moved %.4f of keys off the removed endpoint, want 1/%d within ±%.0f%%", own, n, 100*s.p.KeySpread)
	}
	if stray > s.p.MaxStrayMove {
		t.Errorf("%.4f of keys moved between endpoints that stayed, want at most %.4f", stray, s.p.MaxStrayMove)
	}
}

func (s *suite) add(t *testing.T) {
	const n, keys = 10, 40000
	eps := Endpoints(n + 1)
	b := s.newB()
	b.Update(eps[:n], t0)
	before := keyOwners(t, b, keys)
	b.Update(eps, t0)
	after := keyOwners(t, b, keys)
	own, stray := moved(before, after, eps[n].ID)
	t.Logf("adding an 11th endpoint moved %.4f of keys onto it and %.4f between the others", own, stray)
	if got := own * (n + 1); math.Abs(got-1) > s.p.KeySpread {
		t.Errorf("moved %.4f of keys onto the added endpoint, want 1/11 within ±%.0f%%", own, 100*s.p.KeySpread)
	}
	if stray > s.p.MaxStrayMove {
		t.Errorf("%.4f of keys moved between endpoints that stayed, want at most %.4f", stray, s.p.MaxStrayMove)
	}
}

// concurrent runs pickers and an updater at once; under -race it checks
// the balancer's synchronisation, and it checks that every pick is among
// the endpoints ever installed and that in-flight counts return to zero.
func (s *suite) concurrent(t *testing.T) {
	b := s.newB()
	all := Endpoints(8)
	sets := [][]*balance.Endpoint{all[:4], all[2:8], all[1:3], all}
	b.Update(all, t0)
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for g := range 4 {
		wg.Go(func() {
			now := t0
			for i := range 1000 {
				ep, err := b.Pick(balance.Request{Hash: uint64(g*7919 + i), HasHash: i%2 == 0}, now)
				if err != nil {
					errs <- err
					return
				}
				if !slices.Contains(all, ep) {
					errs <- fmt.Errorf("picked unknown endpoint %v", ep)
					return
				}
				b.Done(ep, balance.Outcome{Latency: time.Duration(1+i%5) * latency, Failed: i%11 == 0}, now)
				now = now.Add(step)
			}
		})
	}
	wg.Go(func() {
		now := t0
		for i := range 12 {
			b.Update(sets[i%len(sets)], now)
			now = now.Add(80 * step)
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, ep := range all {
		if got := ep.InFlight(); got != 0 {
			t.Errorf("%s: %d in flight after every Done, want 0", ep.ID, got)
		}
	}
}
