package fault

import "net/http"

// abort answers requests with an HTTP status instead of serving them
// (Envoy's abort fault). The kind is called error in scenario files.
type abort struct{}

func (abort) scope() scope { return perRequest }

func (abort) apply(x *entry, intensity float64, s stream, e Effect) Effect {
	if !hit(x.f.Percentage, intensity, s) || e.Status != 0 {
		return e
	}
	e.Status = x.f.Status
	if e.Status == 0 {
		e.Status = http.StatusServiceUnavailable
	}
	return e
}
