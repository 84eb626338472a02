package fault

// reset answers requests with a TCP RST (toxiproxy's reset_peer): the
// caller sees a connection reset, which retry policies name "reset".
type reset struct{}

func (reset) scope() scope { return perRequest }

func (reset) apply(x *entry, intensity float64, s stream, e Effect) Effect {
	if hit(x.f.Percentage, intensity, s) {
		e.Reset = true
	}
	return e
}
