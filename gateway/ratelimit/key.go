package ratelimit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Request is the view of a request that keys are built from. The gateway
// fills it once per request after authentication and routing.
type Request struct {
	// Peer is the socket peer, as http.Request.RemoteAddr ("ip:port"); a
	// virtual engine may pass a bare address or a synthetic name.
	Peer string
	// Header is the request's header; it is only read.
	Header http.Header
	// Consumer is the authenticated consumer, "" for anonymous requests.
	Consumer string
	// Tier is the consumer's tier ("gold", "free"); it picks per-tier limits.
	Tier string
	// Route is the matched route's name.
	Route string
}

// Key parts.
const (
	PartConsumer = "consumer"
	PartIP       = "ip"
	PartRoute    = "route"
	// PartHeader is written "header:Name".
	PartHeader = "header"
)

// maxKeyPart bounds how much of one header value a key holds: a longer value
// is replaced by its SHA-256, so a client cannot grow the key store's memory
// with kilobyte header values, nor collide with another client's key.
const maxKeyPart = 128

// KeyPart is one component of a key.
type KeyPart struct {
	// Kind is PartConsumer, PartIP, PartRoute or PartHeader.
	Kind string
	// Header is the canonical header name, for PartHeader.
	Header string
}

func (p KeyPart) String() string {
	if p.Kind == PartHeader {
		return PartHeader + ":" + p.Header
	}
	return p.Kind
}

// ParseKeySpec reads a key specification: parts joined by "+", each one of
// consumer, ip, route or header:Name ("consumer+route", "header:X-Api-Key").
func ParseKeySpec(spec string) ([]KeyPart, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, fmt.Errorf("ratelimit: key %q: empty: %w", spec, ErrInvalid)
	}
	var parts []KeyPart
	for _, raw := range strings.Split(spec, "+") {
		s := strings.TrimSpace(raw)
		var p KeyPart
		switch {
		case s == PartConsumer || s == PartIP || s == PartRoute:
			p.Kind = s
		case strings.HasPrefix(s, PartHeader+":"):
			name := strings.TrimSpace(s[len(PartHeader)+1:])
			if name == "" || strings.IndexFunc(name, func(r rune) bool { return r > 0x7f || !isTokenChar(byte(r)) }) >= 0 {
				return nil, fmt.Errorf("ratelimit: key %q: bad header name %q: %w", spec, name, ErrInvalid)
			}
			p = KeyPart{Kind: PartHeader, Header: http.CanonicalHeaderKey(name)}
		default:
			return nil, fmt.Errorf("ratelimit: key %q: unknown part %q (want consumer, ip, route or header:Name): %w", spec, s, ErrInvalid)
		}
		for _, q := range parts {
			if q == p {
				return nil, fmt.Errorf("ratelimit: key %q: %s given twice: %w", spec, p, ErrInvalid)
			}
		}
		parts = append(parts, p)
	}
	return parts, nil
}

// KeyFunc returns the rate-limit key of a request. ok is false when a part
// is missing (no consumer, no such header, no peer); the key is usable
// anyway, with the missing part empty, so all requests lacking it share one
// bucket. A policy may instead skip the limit for them (SkipMissingKey).
type KeyFunc func(r *Request) (key string, ok bool)

// NewKeyFunc builds the KeyFunc for spec. ip resolves client addresses for
// the ip part; nil means the socket peer, with no header trusted.
//
// A single part is the key as is, without allocating. Several parts are
// length-prefixed ("5:alice|4:/api"), never just joined, so a client that
// controls one part (a header) cannot forge another client's combined key.
func NewKeyFunc(spec string, ip *ClientIP) (KeyFunc, error) {
	parts, err := ParseKeySpec(spec)
	if err != nil {
		return nil, err
	}
	if ip == nil {
		ip = &ClientIP{header: HeaderXForwardedFor, v6bits: 128}
	}
	if len(parts) == 1 {
		p := parts[0]
		return func(r *Request) (string, bool) { return partValue(p, ip, r) }, nil
	}
	return func(r *Request) (string, bool) {
		var buf [256]byte
		b := buf[:0]
		all := true
		for i, p := range parts {
			v, ok := partValue(p, ip, r)
			all = all && ok
			if i > 0 {
				b = append(b, '|')
			}
			b = strconv.AppendInt(b, int64(len(v)), 10)
			b = append(b, ':')
			b = append(b, v...)
		}
		return string(b), all
	}, nil
}

func partValue(p KeyPart, ip *ClientIP, r *Request) (string, bool) {
	switch p.Kind {
	case PartConsumer:
		return r.Consumer, r.Consumer != ""
	case PartRoute:
		return r.Route, r.Route != ""
	case PartIP:
		if r.Peer == "" {
			return "", false
		}
		return ip.Key(r.Peer, r.Header), true
	default:
		vs := r.Header[p.Header]
		if len(vs) == 0 {
			return "", false
		}
		v := vs[0]
		if len(v) > maxKeyPart {
			sum := sha256.Sum256([]byte(v))
			// NUL cannot occur in a header value, so no short value
			// equals a digest key.
			return "\x00sha256:" + hex.EncodeToString(sum[:16]), true
		}
		return v, true
	}
}
