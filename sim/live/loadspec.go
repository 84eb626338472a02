package live

import (
	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim/load"
)

// The scenario's load block as the drivers need it.

func loadProfile(sc *scenarios.Scenario) (*load.Profile, error) {
	return load.FromLoad(sc.Load, sc.Load.LoadExt, sc.Duration)
}

func loadClients(sc *scenarios.Scenario) []scenarios.ClientClass { return sc.Load.Clients }

// closedModel is the closed model's users and think times, nil for the
// open model.
func closedModel(sc *scenarios.Scenario) (*load.Closed, error) {
	if sc.Load.Model != scenarios.ModelClosed {
		return nil, nil
	}
	return load.NewClosedFromLoad(sc.Load.LoadExt, sc.Duration)
}

// gatewayReplicas is how many gateway replicas serve the scenario.
func gatewayReplicas(sc *scenarios.Scenario) int { return sc.Gateway.Replicas }
