package load

import (
	"errors"
	"strings"
)

// Sentinel errors. Every error the package returns wraps one of them, so
// callers match with errors.Is and print the wrapped detail.
var (
	// ErrStage is wrapped by every error about a stage's parameters.
	ErrStage = errors.New("load: invalid stage")
	// ErrProfile is wrapped by errors about a whole profile.
	ErrProfile = errors.New("load: invalid profile")
	// ErrTrace is wrapped by every error about a recorded trace.
	ErrTrace = errors.New("load: invalid trace")
	// ErrTemplate is wrapped by every error about a request template.
	ErrTemplate = errors.New("load: invalid template")
	// ErrMix is wrapped by every error about a client mix.
	ErrMix = errors.New("load: invalid client mix")
	// ErrZipf is wrapped by errors about a Zipf distribution's parameters.
	ErrZipf = errors.New("load: invalid zipf distribution")
	// ErrClosed is wrapped by every error about the closed model.
	ErrClosed = errors.New("load: invalid closed model")
)

// located is an error at a place in the load section
// ("stages[2]", "clients[0] (mobile): requests[1]: path"). It prints the
// package prefix once however deep the places nest.
type located struct {
	at  string
	err error
}

func locate(where string, err error) error {
	if err == nil {
		return nil
	}
	return &located{at: where, err: err}
}

func (e *located) Error() string {
	return "load: " + e.at + ": " + strings.TrimPrefix(e.err.Error(), "load: ")
}

func (e *located) Unwrap() error { return e.err }
