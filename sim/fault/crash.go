package fault

import "github.com/baton-sim/baton/scenarios"

// crash kills replicas (Chaos Mesh's pod-kill): the engine closes their
// listener and resets their connections at Start, and with restart listens
// again at Stop. Requests meanwhile fail to connect.
type crash struct{}

func (crash) scope() scope     { return perReplica }
func (crash) params() []string { return []string{"restart"} }

func (crash) check(f *scenarios.Fault, c *checker) {}

func (crash) apply(_ *entry, _ float64, _ stream, e Effect) Effect {
	e.ConnectFail = true
	return e
}
