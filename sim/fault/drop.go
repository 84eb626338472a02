package fault

// drop loses calls on the wire (Chaos Mesh's network loss). HTTP over a
// lossy link that drops a call outright ends in a reset, so the caller
// sees what a reset fault gives; the two differ in intent, not effect.
type drop struct{}

func (drop) scope() scope { return perRequest }

func (drop) apply(x *entry, intensity float64, s stream, e Effect) Effect {
	if hit(x.f.Percentage, intensity, s) {
		e.Reset = true
	}
	return e
}
