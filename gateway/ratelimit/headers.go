package ratelimit

import (
	"net/http"
	"strconv"
	"time"
)

// Header names. RateLimit-* follow draft-ietf-httpapi-ratelimit-headers up to
// -06 (the fields clients and gateways deploy today); X-RateLimit-* are the
// older de-facto names many clients still read. Go canonicalises them to
// "Ratelimit-Limit" and "X-Ratelimit-Limit"; field names are
// case-insensitive on the wire.
const (
	HeaderLimit      = "RateLimit-Limit"
	HeaderRemaining  = "RateLimit-Remaining"
	HeaderReset      = "RateLimit-Reset"
	HeaderPolicy     = "RateLimit-Policy"
	HeaderXLimit     = "X-RateLimit-Limit"
	HeaderXRemaining = "X-RateLimit-Remaining"
	HeaderXReset     = "X-RateLimit-Reset"
	HeaderRetryAfter = "Retry-After"
)

// WriteHeaders sets the rate-limit response headers for d on h, replacing
// any already there: RateLimit-Limit, -Remaining, -Reset and -Policy, their
// X-RateLimit-* twins, and on a denial Retry-After. Reset and Retry-After
// are delta-seconds rounded up, so a client that waits as told is never
// early. X-RateLimit-Reset is delta-seconds too (as Envoy sends it), not a
// Unix time. Retry-After is at least 1: "0" would invite an immediate retry
// that is denied again (concurrency denials carry no wait of their own).
//
// A zero Decision (no limit applied) writes nothing.
func (d Decision) WriteHeaders(h http.Header) {
	if d.Limit <= 0 {
		return
	}
	limit := strconv.FormatInt(d.Limit, 10)
	remaining := strconv.FormatInt(max(d.Remaining, 0), 10)
	reset := strconv.FormatInt(ceilSeconds(d.Reset), 10)
	// One backing array for every value, and keys already canonical, so
	// a response costs one allocation here rather than one per header.
	vals := make([]string, 0, 8)
	set := func(k, v string) {
		vals = append(vals, v)
		n := len(vals)
		h[k] = vals[n-1 : n : n]
	}
	set(canonLimit, limit)
	set(canonRemaining, remaining)
	set(canonReset, reset)
	if d.Policy != "" {
		set(canonPolicy, d.Policy)
	} else {
		delete(h, canonPolicy)
	}
	set(canonXLimit, limit)
	set(canonXRemaining, remaining)
	set(canonXReset, reset)
	if d.Allowed {
		delete(h, HeaderRetryAfter)
		return
	}
	set(HeaderRetryAfter, strconv.FormatInt(max(ceilSeconds(d.RetryAfter), 1), 10))
}

// Canonical spellings (http.CanonicalHeaderKey) of the header names, for
// writing the map directly.
const (
	canonLimit      = "Ratelimit-Limit"
	canonRemaining  = "Ratelimit-Remaining"
	canonReset      = "Ratelimit-Reset"
	canonPolicy     = "Ratelimit-Policy"
	canonXLimit     = "X-Ratelimit-Limit"
	canonXRemaining = "X-Ratelimit-Remaining"
	canonXReset     = "X-Ratelimit-Reset"
)

// ceilSeconds rounds d up to whole seconds; negative durations are 0.
func ceilSeconds(d time.Duration) int64 {
	return ceilDiv(int64(d), int64(time.Second))
}
