package balance_test

import (
	"testing"

	"github.com/baton-sim/baton/mesh/balance"
	"github.com/baton-sim/baton/mesh/balance/balancetest"
)

// conformance states what each built-in balancer promises; every one of
// them must appear here.
var conformance = map[string]balancetest.Props{
	balance.NameRoundRobin:         {Exact: true},
	balance.NameWeightedRoundRobin: {Exact: true, Weighted: true},
	balance.NameRandom:             {Weighted: true},
	balance.NameLeastRequest:       {Weighted: true, Load: balancetest.AvoidsMostLoaded},
	balance.NameLeastRequestFull:   {Exact: true, Load: balancetest.PicksLeastLoaded},
	balance.NameP2CPeakEWMA:        {Load: balancetest.AvoidsMostLoaded},
	balance.NameLeastTime:          {Exact: true, Load: balancetest.PicksLeastLoaded},
	balance.NameRingHash:           {Hash: true, Weighted: true, KeySpread: 0.25, MaxStrayMove: 0},
	balance.NameMaglev:             {Hash: true, Weighted: true, KeySpread: 0.05, MaxStrayMove: 0.01},
}

func TestConformance(t *testing.T) {
	for _, name := range balance.Names() {
		props, ok := conformance[name]
		if !ok {
			t.Errorf("%s: no conformance props; add it to the table", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			balancetest.Run(t, func() balance.Balancer {
				b, err := balance.New(name, balance.Options{Seed: 42})
				if err != nil {
					t.Fatal(err)
				}
				return b
			}, props)
		})
	}
}
