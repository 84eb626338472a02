package synth

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/baton-sim/baton/scenarios"
)

// ErrService is wrapped by the errors NewService returns for a service's own
// fields; a bad latency wraps ErrLatency instead.
var ErrService = errors.New("synth: invalid service")

// call is one downstream call, flattened out of scenarios.Call.
type call struct {
	service     string
	probability float64
}

// Service is the behaviour of one synthetic service, built once from its
// scenario entry and shared by all its replicas. It is immutable, so it is
// safe for concurrent use; the *rand.Rand arguments are not.
type Service struct {
	name          string
	latency       Distribution
	errorRate     float64
	errorStatus   int
	responseBytes int
	// steps holds one group of parallel calls per scenario step.
	steps [][]call
}

// NewService builds the model of s. It checks what the model relies on
// (probabilities in [0, 1], a real HTTP status when errors can occur, one of
// call/parallel per step) but not the topology (unknown or cyclic call
// targets), which is the loader's job.
func NewService(s scenarios.Service) (*Service, error) {
	if s.Name == "" {
		return nil, fmt.Errorf("%w: no name", ErrService)
	}
	d, err := NewDistribution(s.Latency)
	if err != nil {
		return nil, fmt.Errorf("synth: service %q: %w", s.Name, err)
	}
	if !(s.Errors.Rate >= 0 && s.Errors.Rate <= 1) {
		return nil, fmt.Errorf("%w %q: errors.rate %v is outside [0, 1]", ErrService, s.Name, s.Errors.Rate)
	}
	if s.Errors.Rate > 0 && (s.Errors.Status < 100 || s.Errors.Status > 599) {
		return nil, fmt.Errorf("%w %q: errors.status %d is not an HTTP status", ErrService, s.Name, s.Errors.Status)
	}
	if s.ResponseBytes < 0 {
		return nil, fmt.Errorf("%w %q: response_bytes %d is negative", ErrService, s.Name, s.ResponseBytes)
	}
	svc := &Service{
		name:          s.Name,
		latency:       d,
		errorRate:     s.Errors.Rate,
		errorStatus:   s.Errors.Status,
		responseBytes: s.ResponseBytes,
		steps:         make([][]call, 0, len(s.Calls)),
	}
	for i, st := range s.Calls {
		var group []scenarios.Call
		switch {
		case st.Call != nil && len(st.Parallel) > 0:
			return nil, fmt.Errorf("%w %q: calls[%d] sets both call and parallel", ErrService, s.Name, i)
		case st.Call != nil:
			group = []scenarios.Call{*st.Call}
		case len(st.Parallel) > 0:
			group = st.Parallel
		default:
			return nil, fmt.Errorf("%w %q: calls[%d] sets neither call nor parallel", ErrService, s.Name, i)
		}
		cs := make([]call, len(group))
		for j, c := range group {
			if c.Service == "" {
				return nil, fmt.Errorf("%w %q: calls[%d]: no target service", ErrService, s.Name, i)
			}
			if !(c.Probability >= 0 && c.Probability <= 1) {
				return nil, fmt.Errorf("%w %q: calls[%d]: probability %v of %q is outside [0, 1]",
					ErrService, s.Name, i, c.Probability, c.Service)
			}
			cs[j] = call{service: c.Service, probability: c.Probability}
		}
		svc.steps = append(svc.steps, cs)
	}
	return svc, nil
}

// Name is the service's name.
func (s *Service) Name() string { return s.name }

// Latency is the service-time distribution, for engines and reports that
// want its quantiles or mean without sampling.
func (s *Service) Latency() Distribution { return s.latency }

// ServiceTime draws the time one request occupies a worker (queueing and
// downstream calls not included).
func (s *Service) ServiceTime(r *rand.Rand) time.Duration { return s.latency.Sample(r) }

// Fault decides whether one answer fails. It always consumes exactly one
// draw, even at rate 0 or 1 (see the package comment). status is the
// configured error status when failed and 0 otherwise.
func (s *Service) Fault(r *rand.Rand) (status int, failed bool) {
	if r.Float64() < s.errorRate {
		return s.errorStatus, true
	}
	return 0, false
}

// Plan decides the downstream calls of one request: one group per step, in
// step order, each group the services to call in parallel, after applying
// every call's probability. Steps whose calls were all skipped are dropped.
// It consumes exactly one draw per configured call.
//
// Plan reuses buf and the inner slices it has capacity for, so passing the
// previous result back in makes it allocation-free once warmed up. The
// result aliases buf: it is valid until the next Plan call with the same buf.
func (s *Service) Plan(r *rand.Rand, buf [][]string) [][]string {
	buf = buf[:0]
	for _, step := range s.steps {
		// Reuse the inner slice left at this position by an earlier call;
		// it is only kept (buf grown) if the step calls anything.
		var group []string
		if len(buf) < cap(buf) {
			group = buf[:len(buf)+1][len(buf)][:0]
		}
		for _, c := range step {
			if r.Float64() < c.probability {
				group = append(group, c.service)
			}
		}
		if len(group) > 0 {
			buf = append(buf, group)
		}
	}
	return buf
}

// ResponseBytes is the size of the service's response body.
func (s *Service) ResponseBytes() int { return s.responseBytes }
