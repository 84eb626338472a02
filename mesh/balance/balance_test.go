package balance_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/baton-sim/baton/mesh/balance"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func endpoints(ids ...string) []*balance.Endpoint {
	eps := make([]*balance.Endpoint, len(ids))
	for i, id := range ids {
		eps[i] = &balance.Endpoint{ID: id}
	}
	return eps
}

func TestNewUnknownListsNames(t *testing.T) {
	_, err := balance.New("fastest", balance.Options{})
	if err == nil {
		t.Fatal("New(fastest): got nil error, want one")
	}
	for _, n := range balance.Names() {
		if !strings.Contains(err.Error(), n) {
			t.Errorf("error %q does not list %q", err, n)
		}
	}
}

func TestNamesSorted(t *testing.T) {
	got := balance.Names()
	if !slices.IsSorted(got) || len(got) == 0 {
		t.Errorf("Names() = %v, want a sorted non-empty list", got)
	}
	for _, n := range got {
		if _, err := balance.New(n, balance.Options{}); err != nil {
			t.Errorf("New(%q): %v", n, err)
		}
	}
}

func TestRegisterDuplicate(t *testing.T) {
	r := balance.Builtin()
	err := r.Register(balance.NameRoundRobin, func(o balance.Options) (balance.Balancer, error) { return balance.NewRoundRobin(o) })
	if err == nil {
		t.Error("Register(round_robin) twice: got nil error, want one")
	}
}

func TestRoundRobinSequence(t *testing.T) {
	b, err := balance.New(balance.NameRoundRobin, balance.Options{})
	if err != nil {
		t.Fatal(err)
	}
	eps := endpoints("a", "b", "c")
	b.Update(eps, t0)
	var got []string
	for range 7 {
		ep, err := b.Pick(balance.Request{}, t0)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ep.ID)
	}
	want := []string{"a", "b", "c", "a", "b", "c", "a"}
	if !slices.Equal(got, want) {
		t.Errorf("picks = %v, want %v", got, want)
	}
	if got, want := eps[0].InFlight(), int64(3); got != want {
		t.Errorf("a in flight = %d, want %d", got, want)
	}
}
