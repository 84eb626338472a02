package fault

// slowBody sends response bodies at a limited rate (toxiproxy's bandwidth
// toxic). The engine writes the body through a BandwidthWriter.
type slowBody struct{}

func (slowBody) scope() scope { return perRequest }

func (slowBody) apply(x *entry, intensity float64, s stream, e Effect) Effect {
	if !hit(x.f.Percentage, intensity, s) {
		return e
	}
	if e.BandwidthBps == 0 || x.f.Bandwidth < e.BandwidthBps {
		e.BandwidthBps = x.f.Bandwidth
	}
	return e
}
