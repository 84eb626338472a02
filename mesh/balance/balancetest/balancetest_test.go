package balancetest_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/baton-sim/baton/mesh/balance"
	"github.com/baton-sim/baton/mesh/balance/balancetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRunRoundRobin runs the suite on the simplest balancer, so a change
// that breaks the suite itself shows here, next to it.
func TestRunRoundRobin(t *testing.T) {
	balancetest.Run(t, func() balance.Balancer {
		b, err := balance.NewRoundRobin(balance.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}, balancetest.Props{Exact: true})
}

func TestEndpoints(t *testing.T) {
	eps := balancetest.Endpoints(3, 5, 1)
	for i, want := range []struct {
		id     string
		weight uint32
	}{{"ep-00", 5}, {"ep-01", 1}, {"ep-02", 5}} {
		if got := eps[i]; got.ID != want.id || got.Weight != want.weight {
			t.Errorf("Endpoints(3, 5, 1)[%d] = %s weight %d, want %s weight %d", i, got.ID, got.Weight, want.id, want.weight)
		}
	}
}
