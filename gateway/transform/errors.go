package transform

import (
	"errors"
	"fmt"
)

// Reports: Request and Response return these (wrapped) together with a
// usable body. They describe what was skipped, not a failure; with Strict,
// ErrNotJSON and ErrInvalidJSON arrive inside an *Error instead.
var (
	// ErrNotJSON: the Content-Type names a media type other than JSON
	// (application/json or any +json type), so body operations were
	// skipped.
	ErrNotJSON = errors.New("transform: body is not json")
	// ErrInvalidJSON: the body claims or seems to be JSON and does not
	// parse, so body operations were skipped.
	ErrInvalidJSON = errors.New("transform: invalid json body")
	// ErrPathConflict: an operation had to write through a value that is
	// not an object or array, or past an array's end; that operation was
	// skipped, the others applied.
	ErrPathConflict = errors.New("transform: path conflicts with body")
)

// ErrInvalidConfig matches every Validate error (a *ConfigError), for
// errors.Is.
var ErrInvalidConfig = errors.New("transform: invalid config")

// ConfigError names the configuration field Validate refused, in the
// dotted form a user finds in the file: "response.json[2].move.to".
type ConfigError struct {
	Field string
	err   error
}

func (e *ConfigError) Error() string { return "transform: " + e.Field + ": " + e.err.Error() }

// Unwrap returns the cause (for paths, a *PathError).
func (e *ConfigError) Unwrap() error { return e.err }

// Is makes every ConfigError match ErrInvalidConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

func configErr(field string, format string, args ...any) *ConfigError {
	return &ConfigError{Field: field, err: fmt.Errorf(format, args...)}
}

// Error is a refusal: the gateway answers Status (400 for a request body,
// 502 for a response body) instead of forwarding the message. Only Strict
// transformations produce it.
type Error struct {
	Status int
	err    error
}

func (e *Error) Error() string { return e.err.Error() }

// Unwrap returns the cause (ErrNotJSON or ErrInvalidJSON, wrapped).
func (e *Error) Unwrap() error { return e.err }
