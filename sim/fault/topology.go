package fault

import (
	"errors"
	"strconv"

	"github.com/baton-sim/baton/scenarios"
)

// CallerGateway is the caller name of the gateway's own calls.
const CallerGateway = "gateway"

// ValidateTopology checks faults against the scenario they run in: the
// services, replica indexes, peers, callers and routes they name must
// exist. NewTimeline cannot, as it sees only the faults. The loader makes
// the same checks (package scenarios holds them) for the faults of a
// scenario file; this is for faults built in Go. Errors are *FieldErrors
// as NewTimeline's, joined.
func ValidateTopology(faults []scenarios.Fault, sc *scenarios.Scenario) error {
	var errs []error
	for i := range faults {
		err := scenarios.ValidateFaultTopology(faults[i], "faults["+strconv.Itoa(i)+"]", sc)
		errs = append(errs, fieldErrors(err)...)
	}
	return errors.Join(errs...)
}
