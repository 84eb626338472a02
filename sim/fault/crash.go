package fault

// crash kills replicas (Chaos Mesh's pod-kill): the engine closes their
// listener and resets their connections at Start, and with restart listens
// again at Stop. Requests meanwhile fail to connect.
type crash struct{}

func (crash) scope() scope { return perReplica }

func (crash) apply(_ *entry, _ float64, _ stream, e Effect) Effect {
	e.ConnectFail = true
	return e
}
