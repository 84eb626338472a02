package fault

import "github.com/baton-sim/baton/scenarios"

// partition cuts the network between two services, both ways (Chaos
// Mesh's network partition with direction both): calls between them fail
// to connect. It hits every call between the two, with no conditions.
type partition struct{}

func (partition) scope() scope     { return network }
func (partition) params() []string { return []string{"peer"} }

func (partition) check(f *scenarios.Fault, c *checker) {
	switch {
	case f.Peer == "":
		c.errorf("peer", "required for a partition fault: the service on the other side from target.service")
	case f.Peer == f.Target.Service:
		c.errorf("peer", "must differ from target.service %q: a partition is between two services", f.Peer)
	}
}

func (partition) apply(_ *entry, _ float64, _ stream, e Effect) Effect {
	e.ConnectFail = true
	return e
}
