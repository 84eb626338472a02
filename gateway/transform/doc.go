// Package transform rewrites requests and responses at the edge and merges
// the answers of several backends into one (API composition).
//
// Transformation follows Kong's request-transformer and
// response-transformer, with Envoy's header manipulation vocabulary:
//
//   - Headers: remove, rename, set (replace every value) and add (append
//     one value), applied in that order (Kong's order). Hop-by-hop headers
//     (Connection, Keep-Alive, Transfer-Encoding, TE, Trailer, Upgrade,
//     Proxy-*) and Content-Length cannot be written: Validate refuses them,
//     because rewriting them breaks the connection rather than the message.
//   - JSON bodies: add (only when absent), set (create or replace), remove,
//     rename (a key within its object) and move (any path to any path),
//     applied in declaration order. Paths are dotted ("a.b.c"); a segment of
//     digits indexes an array ("items.0.id") and names a key in an object;
//     "\." is a literal dot and "\\" a literal backslash in a key.
//   - Response status: an upstream status maps to a client status
//     ({502: 503}) and a client status can carry a fixed body.
//
// Headers are transformed first, so the JSON step sees the Content-Type
// the client will see. A body is transformed only when it is JSON: a
// Content-Type naming another media type, or bytes that do not parse, pass
// through untouched and are reported with ErrNotJSON or ErrInvalidJSON;
// with Strict they are refused (*Error with 400 for a request, 502 for a
// response). An empty body is never an error: there is nothing to rewrite.
// An operation that would have to write through a value that is not an
// object or array, or past an array's end, is skipped and reported with
// ErrPathConflict; reading a path that is missing is not an error (remove,
// rename and move of a missing field do nothing).
//
// A rewritten body is re-encoded compactly with object keys sorted (the
// encoding/json order) and numbers kept exactly as they were written
// (json.Number). A body no operation changed is returned as the very slice
// that came in, so the common path allocates nothing.
//
// Aggregation follows KrakenD: each backend's JSON answer is filtered
// (allow or deny, dotted object paths), its top-level keys renamed
// (mapping), then either nested under its group or merged key by key into
// one object. See Aggregation and Merge.
//
// Like every Baton policy, a Transformer and an Aggregator are immutable
// after construction, safe for concurrent use, and pure: no clock, no
// goroutines, no I/O. The engines call backends, enforce per-backend
// timeouts and hand the outcomes to Merge.
//
// The gateway uses them like this:
//
//	body, err := t.Request(r.Header, body)
//	var te *transform.Error
//	if errors.As(err, &te) {
//		// answer te.Status; err's other causes are reports: count them
//	}
//	status, body, err = t.Response(status, respHeader, body)
package transform
