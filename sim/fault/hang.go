package fault

// hang blackholes requests: accepted, never answered (toxiproxy's timeout
// toxic with timeout 0). Only the caller's own deadline ends them.
type hang struct{}

func (hang) scope() scope { return perRequest }

func (hang) apply(x *entry, intensity float64, s stream, e Effect) Effect {
	if hit(x.f.Percentage, intensity, s) {
		e.Hang = true
	}
	return e
}
