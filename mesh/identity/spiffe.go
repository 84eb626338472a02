package identity

import (
	"fmt"
	"net/url"
	"strings"
)

// SPIFFE ID limits and layout (SPIFFE-ID.md): the scheme is exactly
// "spiffe", a trust domain is at most 255 bytes of [a-z0-9._-], a path
// segment is [a-zA-Z0-9._-] and neither "." nor "..", and a whole ID is at
// most 2048 bytes. Baton's workload IDs have one fixed path shape.
const (
	spiffeScheme      = "spiffe://"
	servicePath       = "/service/"
	maxTrustDomainLen = 255
	maxServiceLen     = 255
	maxIDLen          = 2048
)

// DefaultTrustDomain is the trust domain CAOptions defaults to.
const DefaultTrustDomain = "baton.local"

// ValidateTrustDomain reports whether td may be a SPIFFE trust domain:
// 1 to 255 bytes of lower-case letters, digits, '.', '-' and '_'.
func ValidateTrustDomain(td string) error {
	if td == "" {
		return fmt.Errorf("%w: empty", ErrInvalidTrustDomain)
	}
	if len(td) > maxTrustDomainLen {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrInvalidTrustDomain, len(td), maxTrustDomainLen)
	}
	for i := 0; i < len(td); i++ {
		if c := td[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return fmt.Errorf("%w %q: byte %q at %d (want a-z, 0-9, '.', '-', '_')", ErrInvalidTrustDomain, td, c, i)
		}
	}
	return nil
}

// ValidateService reports whether name may be a service in a SPIFFE ID:
// one path segment of 1 to 255 bytes of letters, digits, '.', '-' and '_',
// and neither "." nor "..".
func ValidateService(name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty", ErrInvalidService)
	}
	if len(name) > maxServiceLen {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrInvalidService, len(name), maxServiceLen)
	}
	if name == "." || name == ".." {
		return fmt.Errorf("%w %q: a relative path segment", ErrInvalidService, name)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return fmt.Errorf("%w %q: byte %q at %d (want letters, digits, '.', '-', '_')", ErrInvalidService, name, c, i)
		}
	}
	return nil
}

// ServiceID is the SPIFFE ID of service in trustDomain. It does not
// validate; ParseServiceID(ServiceID(td, s)) succeeds exactly when both
// parts are valid.
func ServiceID(trustDomain, service string) string {
	return spiffeScheme + trustDomain + servicePath + service
}

// ParseServiceID splits a Baton workload ID, spiffe://<td>/service/<name>,
// into its trust domain and service. It is strict: no upper-case scheme or
// trust domain, no port, user info, query, fragment, percent-encoding,
// trailing slash or extra path segment.
func ParseServiceID(id string) (trustDomain, service string, err error) {
	if len(id) > maxIDLen {
		return "", "", fmt.Errorf("%w: %d bytes, at most %d", ErrInvalidID, len(id), maxIDLen)
	}
	rest, ok := strings.CutPrefix(id, spiffeScheme)
	if !ok {
		return "", "", fmt.Errorf("%w %q: want scheme %q", ErrInvalidID, id, spiffeScheme)
	}
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		return "", "", fmt.Errorf("%w %q: no path, want %s<trust-domain>%s<name>", ErrInvalidID, id, spiffeScheme, servicePath)
	}
	td, path := rest[:slash], rest[slash:]
	if err := ValidateTrustDomain(td); err != nil {
		return "", "", fmt.Errorf("%w %q: %w", ErrInvalidID, id, err)
	}
	svc, ok := strings.CutPrefix(path, servicePath)
	if !ok {
		return "", "", fmt.Errorf("%w %q: path %q, want %s<name>", ErrInvalidID, id, path, servicePath)
	}
	if err := ValidateService(svc); err != nil {
		return "", "", fmt.Errorf("%w %q: %w", ErrInvalidID, id, err)
	}
	return td, svc, nil
}

// serviceURL is the URI SAN of service's certificate.
func serviceURL(trustDomain, service string) *url.URL {
	return &url.URL{Scheme: "spiffe", Host: trustDomain, Path: servicePath + service}
}
