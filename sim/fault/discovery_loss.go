package fault

// discoveryLoss removes replicas from service discovery while they keep
// serving: callers stop picking them, requests already sent are answered.
// The engine applies it from Transitions; Decide never sees it.
type discoveryLoss struct{}

func (discoveryLoss) scope() scope { return registry }

func (discoveryLoss) apply(_ *entry, _ float64, _ stream, e Effect) Effect { return e }
