package live

import (
	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim/load"
)

// The scenario's load block as the drivers need it. These three are the
// seam where the load extensions (stages, closed model, client classes)
// plug in once the scenario format carries them.

func loadProfile(sc *scenarios.Scenario) (*load.Profile, error) {
	return load.FromScenario(sc.Load, sc.Duration)
}

func loadClients(sc *scenarios.Scenario) []scenarios.ClientClass { return nil }

func closedModel(sc *scenarios.Scenario) (*load.Closed, error) { return nil, nil }

// gatewayReplicas is how many gateway replicas serve the scenario.
func gatewayReplicas(sc *scenarios.Scenario) int { return 1 }
