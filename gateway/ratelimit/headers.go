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
	h.Set(HeaderLimit, limit)
	h.Set(HeaderRemaining, remaining)
	h.Set(HeaderReset, reset)
	if d.Policy != "" {
		h.Set(HeaderPolicy, d.Policy)
	} else {
		h.Del(HeaderPolicy)
	}
	h.Set(HeaderXLimit, limit)
	h.Set(HeaderXRemaining, remaining)
	h.Set(HeaderXReset, reset)
	if d.Allowed {
		h.Del(HeaderRetryAfter)
		return
	}
	h.Set(HeaderRetryAfter, strconv.FormatInt(max(ceilSeconds(d.RetryAfter), 1), 10))
}

// ceilSeconds rounds d up to whole seconds; negative durations are 0.
func ceilSeconds(d time.Duration) int64 {
	return ceilDiv(int64(d), int64(time.Second))
}
