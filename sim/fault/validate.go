package fault

import (
	"errors"
	"fmt"
	"strings"

	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim/synth"
)

// ErrInvalid is wrapped by every FieldError.
var ErrInvalid = errors.New("fault: invalid fault")

// FieldError is one problem with one field of a fault. Field is the path
// as a scenario file writes it (faults[2].for), so the loader can point at
// the line.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return "fault: " + e.Field + ": " + e.Msg }

// Unwrap makes every FieldError match ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// check validates f by the rules of package scenarios, which the loader
// applies to a scenario's faults with file positions: one set of rules
// and messages for faults from files, from Go and injected at run time.
// path names f in messages (faults[2]); injected faults are named
// "fault" and may have For 0 (until cleared).
func check(f *scenarios.Fault, path string, injected bool) []error {
	var err error
	if injected {
		path = "fault"
		err = scenarios.ValidateInjectedFault(*f, nil)
	} else {
		err = scenarios.ValidateFault(*f, path)
	}
	errs := fieldErrors(err)
	if len(errs) == 0 && f.Add != nil {
		// build relies on the distribution building. The rules above
		// promise it does; this keeps a broken promise from becoming a
		// nil distribution at run time.
		if _, err := synth.NewDistribution(*f.Add); err != nil {
			errs = append(errs, &FieldError{Field: path + ".add", Msg: strings.TrimPrefix(err.Error(), synth.ErrLatency.Error()+": ")})
		}
	}
	return errs
}

// fieldErrors turns the problems package scenarios reports into
// FieldErrors.
func fieldErrors(err error) []error {
	if err == nil {
		return nil
	}
	var list scenarios.ErrorList
	if !errors.As(err, &list) {
		return []error{fmt.Errorf("%w: %w", ErrInvalid, err)}
	}
	out := make([]error, len(list))
	for i, e := range list {
		out[i] = &FieldError{Field: e.Field, Msg: e.Msg}
	}
	return out
}

// endless reports a fault that never ends by itself.
func endless(f *scenarios.Fault) bool { return f.Kind == scenarios.FaultCrash && !f.Restart }
