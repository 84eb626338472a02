package gateway

import (
	"net"
	"net/http"
	"strings"
)

// Headers the gateway writes towards the upstream.
const (
	HeaderRequestID      = "X-Request-Id"
	HeaderTraceparent    = "Traceparent"
	HeaderTracestate     = "Tracestate"
	HeaderForwardedFor   = "X-Forwarded-For"
	HeaderForwardedProto = "X-Forwarded-Proto"
	HeaderForwardedHost  = "X-Forwarded-Host"
	// HeaderMirror marks a mirrored copy, so a service can tell shadow
	// traffic from real traffic (Envoy appends "-shadow" to the host; a
	// mesh hop replaces the host, so a header says it instead).
	HeaderMirror = "X-Baton-Mirror"
)

// hopByHop reports the headers that describe one connection, not the
// message (RFC 9110 section 7.6.1, plus the Proxy-* family and Keep-Alive),
// by canonical name. A proxy never forwards them.
func hopByHop(k string) bool {
	switch k {
	case "Connection", "Keep-Alive", "Te", "Trailer", "Transfer-Encoding", "Upgrade":
		return true
	}
	return strings.HasPrefix(k, "Proxy-")
}

// connectionTokens returns the header names listed in h's Connection
// values, canonicalised. It allocates only when there are tokens.
func connectionTokens(h http.Header) []string {
	var names []string
	for _, v := range h["Connection"] {
		for v != "" {
			var tok string
			tok, v, _ = strings.Cut(v, ",")
			tok = strings.TrimSpace(tok)
			if tok != "" && validToken(tok) {
				names = append(names, http.CanonicalHeaderKey(tok))
			}
		}
	}
	return names
}

// stripHopByHop removes from h the hop-by-hop headers and every header its
// Connection header names. It is applied to what the client sent before
// the gateway adds its own headers, so a client's "Connection:
// X-Consumer-Name" removes only the client's copy, never the gateway's.
func stripHopByHop(h http.Header) {
	for _, name := range connectionTokens(h) {
		delete(h, name)
	}
	stripFixedHopByHop(h)
}

// stripFixedHopByHop removes the hop-by-hop headers by name only. It runs
// last on the outgoing header, after transformations, and never reads a
// Connection list: the headers it keeps are the gateway's.
func stripFixedHopByHop(h http.Header) {
	for k := range h {
		if hopByHop(k) {
			delete(h, k)
		}
	}
}

// validToken reports whether s is an RFC 9110 token (a header name).
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenChar(s[i]) {
			return false
		}
	}
	return true
}

func tokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// appendForwardedFor appends the peer's address to X-Forwarded-For,
// keeping what earlier proxies wrote: several header lines are joined into
// one list first, as RFC 9110 section 5.3 allows. A peer that is not
// "ip:port" is appended as is.
func appendForwardedFor(h http.Header, peer string) {
	ip := peer
	if host, _, err := net.SplitHostPort(peer); err == nil {
		ip = host
	}
	if ip == "" {
		return
	}
	prior := h[HeaderForwardedFor]
	switch len(prior) {
	case 0:
		h[HeaderForwardedFor] = []string{ip}
	case 1:
		h[HeaderForwardedFor] = []string{prior[0] + ", " + ip}
	default:
		h[HeaderForwardedFor] = []string{strings.Join(prior, ", ") + ", " + ip}
	}
}

// maxRequestID bounds a client-chosen request id: it is logged and
// forwarded on every hop.
const maxRequestID = 128

// ValidRequestID reports whether a client's X-Request-Id may be passed on:
// 1 to 128 characters from letters, digits and "-_.:+/=" (UUIDs, ULIDs,
// base64 and most tracing ids fit; spaces, quotes, commas and control
// characters, which break logs and header lists, do not).
func ValidRequestID(s string) bool {
	if s == "" || len(s) > maxRequestID {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-_.:+/=", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// Traceparent is a parsed W3C trace context traceparent header.
type Traceparent struct {
	Version  byte
	TraceID  [16]byte
	ParentID [8]byte
	Flags    byte
}

// ParseTraceparent parses a traceparent header value as W3C Trace Context
// level 1 says a receiver must: two lower-case hex digits of version (not
// ff), a 32-digit trace id and a 16-digit parent id that are not all
// zeros, and two digits of flags, joined by '-'. Version 00 is exactly 55
// characters; a later version may append fields after another '-', which
// are ignored (and not forwarded).
func ParseTraceparent(s string) (Traceparent, bool) {
	var tp Traceparent
	if len(s) < 55 || s[2] != '-' || s[35] != '-' || s[52] != '-' {
		return tp, false
	}
	ver, ok := hexByte(s[0:2])
	if !ok || ver == 0xff {
		return tp, false
	}
	if ver == 0 && len(s) != 55 {
		return tp, false
	}
	if len(s) > 55 && s[55] != '-' {
		return tp, false
	}
	tp.Version = ver
	if !hexBytes(tp.TraceID[:], s[3:35]) || !hexBytes(tp.ParentID[:], s[36:52]) {
		return tp, false
	}
	if tp.Flags, ok = hexByte(s[53:55]); !ok {
		return tp, false
	}
	if tp.TraceID == ([16]byte{}) || tp.ParentID == ([8]byte{}) {
		return tp, false
	}
	return tp, true
}

// String formats tp as a version 00 traceparent: the gateway speaks the
// version it knows, keeping the trace id and flags of a later version.
func (tp Traceparent) String() string {
	var b [55]byte
	b[0], b[1], b[2] = '0', '0', '-'
	hexEncode(b[3:35], tp.TraceID[:])
	b[35] = '-'
	hexEncode(b[36:52], tp.ParentID[:])
	b[52] = '-'
	hexEncode(b[53:55], []byte{tp.Flags})
	return string(b[:])
}

const hexDigits = "0123456789abcdef"

func hexEncode(dst, src []byte) {
	for i, c := range src {
		dst[2*i], dst[2*i+1] = hexDigits[c>>4], hexDigits[c&0xf]
	}
}

// hexNibble decodes one lower-case hex digit; the spec forbids upper case.
func hexNibble(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

func hexByte(s string) (byte, bool) {
	hi, ok1 := hexNibble(s[0])
	lo, ok2 := hexNibble(s[1])
	return hi<<4 | lo, ok1 && ok2
}

func hexBytes(dst []byte, s string) bool {
	for i := range dst {
		b, ok := hexByte(s[2*i : 2*i+2])
		if !ok {
			return false
		}
		dst[i] = b
	}
	return true
}
