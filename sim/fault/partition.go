package fault

// partition cuts the network between two services, both ways (Chaos
// Mesh's network partition with direction both): calls between them fail
// to connect. It hits every call between the two, with no conditions.
type partition struct{}

func (partition) scope() scope { return network }

func (partition) apply(_ *entry, _ float64, _ stream, e Effect) Effect {
	e.ConnectFail = true
	return e
}
