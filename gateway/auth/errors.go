package auth

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Sentinels wrapped by every *Error, for errors.Is.
var (
	// ErrMissingCredentials: the request carries no credential the policy
	// accepts and the policy has no anonymous consumer (401).
	ErrMissingCredentials = errors.New("auth: missing credentials")
	// ErrInvalidCredentials: a credential was presented and failed (401).
	ErrInvalidCredentials = errors.New("auth: invalid credentials")
	// ErrForbidden: the consumer is known but the policy's ACL refuses it
	// (403).
	ErrForbidden = errors.New("auth: consumer not allowed")
	// ErrUnknownPolicy is a wiring mistake, not a client's fault: the
	// gateway should answer 500. It is returned bare, not as *Error.
	ErrUnknownPolicy = errors.New("auth: unknown policy")
)

// Reason is a short, stable label for why a request was refused, meant for
// metrics attributes and logs (a fixed set, so it never grows a telemetry
// attribute set).
type Reason string

// Reasons. Basic-auth refuses unknown users and wrong passwords with the
// same reason so responses do not reveal which usernames exist.
const (
	ReasonMissing         Reason = "missing"           // no accepted credential presented
	ReasonMalformed       Reason = "malformed"         // credential present but unparsable or ambiguous
	ReasonBadCredential   Reason = "bad_credential"    // unknown API key, or wrong basic user/password
	ReasonBadAlgorithm    Reason = "bad_algorithm"     // JWT alg not in the provider's allow-list
	ReasonUnknownIssuer   Reason = "unknown_issuer"    // JWT iss names no trusted provider
	ReasonUnknownKey      Reason = "unknown_key"       // JWT kid (or alg) matches no configured key
	ReasonBadSignature    Reason = "bad_signature"     // JWT signature does not verify
	ReasonExpired         Reason = "expired"           // JWT exp passed (beyond leeway)
	ReasonNotYetValid     Reason = "not_yet_valid"     // JWT nbf in the future (beyond leeway)
	ReasonBadAudience     Reason = "bad_audience"      // JWT aud lists none of the provider's audiences
	ReasonBadClaims       Reason = "bad_claims"        // JWT required claim missing or of the wrong type
	ReasonUnknownConsumer Reason = "unknown_consumer"  // valid JWT or certificate that maps to no consumer
	ReasonUnverifiedCert  Reason = "unverified_cert"   // client certificate the TLS layer did not verify
	ReasonDeniedGroup     Reason = "denied_group"      // consumer in one of the policy's deny_groups
	ReasonNotAllowedGroup Reason = "not_allowed_group" // consumer in none of the policy's allow_groups
)

// Error is how Authenticate refuses a request. The gateway answers Status;
// for 401 it sets WWW-Authenticate to Challenge when that is not empty.
type Error struct {
	// Status is http.StatusUnauthorized or http.StatusForbidden.
	Status int
	Reason Reason
	// Kind is the credential kind that failed; empty when none was
	// presented, KindAnonymous when the anonymous consumer was refused.
	Kind Kind
	// Consumer is set for 403: who was authenticated but not allowed.
	Consumer string
	// Challenge is the WWW-Authenticate value for 401, one challenge per
	// accepted kind that has one (mTLS has none).
	Challenge string

	err error
}

func (e *Error) Error() string { return e.err.Error() }

// Unwrap returns the cause, which wraps ErrMissingCredentials,
// ErrInvalidCredentials or ErrForbidden (and, for JWTs, the jwt package's
// own sentinels such as jwt.ErrTokenExpired).
func (e *Error) Unwrap() error { return e.err }

// failure is a check's verdict on a presented credential that does not
// authenticate; Authenticate turns it into a 401 *Error.
type failure struct {
	reason Reason
	err    error
}

func fail(r Reason, err error) *failure { return &failure{reason: r, err: err} }

func failf(r Reason, format string, args ...any) *failure {
	return &failure{reason: r, err: fmt.Errorf(format, args...)}
}

// challenges are the WWW-Authenticate values of one policy, built once.
type challenges struct {
	missing string
	invalid map[Kind]string
}

func newChallenges(accept []Kind, realm string) challenges {
	c := challenges{invalid: map[Kind]string{}}
	var all []string
	for _, k := range accept {
		var ch string
		switch k {
		case KindKey:
			// Kong's key-auth challenge; no registered scheme exists.
			ch = fmt.Sprintf("Key realm=%q", realm)
		case KindBasic:
			ch = fmt.Sprintf("Basic realm=%q, charset=\"UTF-8\"", realm) // RFC 7617
		case KindJWT:
			ch = fmt.Sprintf("Bearer realm=%q", realm) // RFC 6750
			c.invalid[k] = ch + `, error="invalid_token"`
		}
		if ch == "" {
			continue
		}
		all = append(all, ch)
		if _, ok := c.invalid[k]; !ok {
			c.invalid[k] = ch
		}
	}
	c.missing = strings.Join(all, ", ")
	return c
}

func unauthorized(kind Kind, f *failure, ch challenges) *Error {
	return &Error{
		Status:    http.StatusUnauthorized,
		Reason:    f.reason,
		Kind:      kind,
		Challenge: ch.invalid[kind],
		err:       fmt.Errorf("%w: %s: %w", ErrInvalidCredentials, kind, f.err),
	}
}
