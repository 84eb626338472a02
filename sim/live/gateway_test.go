package live_test

import (
	"math/rand/v2"
	"testing"

	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim/load"
)

// classCounts replays the run's client mix: the load driver draws request
// n from one seeded stream, so which class sent it is known in advance.
func classCounts(t *testing.T, sc *scenarios.Scenario, n int64) map[string]int64 {
	t.Helper()
	mix, err := load.NewMix(sc.Load.Clients, sc.Load.Paths)
	if err != nil {
		t.Fatal(err)
	}
	seed := scenarios.DeriveSeed(sc.Seed, "load/requests")
	r := rand.New(rand.NewPCG(seed, ^seed))
	var req load.Request
	counts := map[string]int64{}
	for range n {
		mix.Next(r, &req)
		counts[req.Class]++
	}
	return counts
}

// TestAuthMixEndToEnd runs the auth-mix library scenario through real
// sockets: keys, a JWT, basic auth and anonymous readers get through, and
// exactly the stranger's requests are refused with 401.
func TestAuthMixEndToEnd(t *testing.T) {
	sc, err := scenarios.Open("auth-mix", scenarios.Set{Path: "duration", Value: "2s"})
	if err != nil {
		t.Fatal(err)
	}
	s := run(t, sc).Summary
	want := classCounts(t, sc, s.Requests)
	if got := s.ByStatus["401"]; got != want["stranger"] {
		t.Errorf("401s = %d, want %d (every stranger request, nothing else); statuses %v", got, want["stranger"], s.ByStatus)
	}
	if got := s.ByStatus["200"]; got != s.Requests-want["stranger"] {
		t.Errorf("200s = %d, want %d", got, s.Requests-want["stranger"])
	}
}

// TestRateLimitTiersEndToEnd runs rate-limit-tiers for three seconds:
// only the free tier is limited (5/s, burst 10, on each of two gateway
// replicas), so the 429s are at most what free sent and at least what its
// two buckets could not hold.
func TestRateLimitTiersEndToEnd(t *testing.T) {
	sc, err := scenarios.Open("rate-limit-tiers", scenarios.Set{Path: "duration", Value: "3s"})
	if err != nil {
		t.Fatal(err)
	}
	s := run(t, sc).Summary
	free := classCounts(t, sc, s.Requests)["free"]
	allowed := int64(2 * (5*3 + 10)) // two replicas' buckets over 3s, plus bursts
	if got := s.ByStatus["429"]; got < free-allowed-2 || got > free {
		t.Errorf("429s = %d; free sent %d and may pass at most %d", got, free, allowed)
	}
	if s.Errors != 0 {
		t.Errorf("%d errors; limits answer 429, never 5xx", s.Errors)
	}
}
