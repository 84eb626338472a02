package fault

import (
	"net/http"

	"github.com/baton-sim/baton/scenarios"
)

// abort answers requests with an HTTP status instead of serving them
// (Envoy's abort fault). The kind is called error in scenario files.
type abort struct{}

func (abort) scope() scope     { return perRequest }
func (abort) params() []string { return []string{"status"} }

func (abort) check(f *scenarios.Fault, c *checker) {
	if f.Status != 0 && (f.Status < 200 || f.Status > 599) {
		c.errorf("status", "must be an HTTP status in 200..599, got %d", f.Status)
	}
}

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
