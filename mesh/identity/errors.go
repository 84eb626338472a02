package identity

import (
	"errors"
	"fmt"
)

// Sentinels, for errors.Is.
var (
	// ErrInvalidOptions is wrapped by every *FieldError.
	ErrInvalidOptions = errors.New("identity: invalid options")
	// ErrInvalidService: a service name that cannot be a SPIFFE path
	// segment.
	ErrInvalidService = errors.New("identity: invalid service name")
	// ErrInvalidTrustDomain: a trust domain name SPIFFE does not allow.
	ErrInvalidTrustDomain = errors.New("identity: invalid trust domain")
	// ErrInvalidID: a string that is not a Baton service SPIFFE ID.
	ErrInvalidID = errors.New("identity: invalid SPIFFE ID")
	// ErrUnknownMode: ParseMode was given an unknown name.
	ErrUnknownMode = errors.New("identity: unknown mTLS mode")
	// ErrOutsideRoot: a leaf would be valid outside the root's validity,
	// so it could never verify for its whole life.
	ErrOutsideRoot = errors.New("identity: leaf validity outside the root's")
	// ErrNoPeerCert: the peer presented no certificate.
	ErrNoPeerCert = errors.New("identity: peer presented no certificate")
	// ErrNotSVID: the peer's leaf chains to the root but breaks the
	// X.509-SVID rules (one URI SAN, not a CA, ...) or names another
	// trust domain.
	ErrNotSVID = errors.New("identity: peer certificate is not a valid X.509-SVID")
	// ErrWrongPeer: the server proved an identity, but not the service
	// the client meant to reach.
	ErrWrongPeer = errors.New("identity: peer is not the expected service")
	// ErrDenied: Authz does not let the caller reach the service.
	ErrDenied = errors.New("identity: caller not allowed")
)

// FieldError names the option that is wrong and why. It matches
// ErrInvalidOptions with errors.Is.
type FieldError struct {
	Field   string // "CAOptions.TTL"
	Problem string // "must be at least 1s, got 500ms"
}

func (e *FieldError) Error() string { return "identity: " + e.Field + ": " + e.Problem }

// Unwrap makes errors.Is(err, ErrInvalidOptions) true.
func (e *FieldError) Unwrap() error { return ErrInvalidOptions }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)}
}
