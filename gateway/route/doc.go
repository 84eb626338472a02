// Package route is the gateway's route table: route configuration, its
// validation, a compiled Table that matches a request to one route, and the
// path normalisation every request goes through before matching and before
// authentication.
//
// # Normalisation
//
// Normalize turns the escaped request path into the one canonical form that
// routing, authentication and the upstream all see, so that two spellings of
// the same resource can never take different routes or pass different auth
// checks. It decodes percent-encoded unreserved characters (%41 -> A,
// %2E -> .), upper-cases the hex of every other escape, percent-encodes raw
// bytes that may not appear in a path (space, ", <, >, [, ], ^, `, {, |, },
// bytes >= 0x80), merges repeated slashes, and resolves dot segments as RFC
// 3986 section 5.2.4 does (".." never climbs above the root). It rejects,
// with errors wrapping ErrBadPath that the gateway answers with 400: a path
// not starting with '/', an encoded slash or backslash (%2F, %5C), a raw
// backslash, NUL (raw or %00), other raw control characters, an invalid
// percent-escape, '#' (a fragment) and '?' (the query must be split off
// first). An already canonical path is returned as is, without allocating.
//
// # Matching
//
// A Route matches a request when all of its conditions hold: its host, its
// path (exactly one of path, prefix, template or regex), its methods, and
// every header and query matcher. Several routes can match one request; the
// table returns the first in this total order:
//
//  1. Host: an exact host ("api.example.com") before a suffix wildcard
//     ("*.example.com", longest suffix first) before a prefix wildcard
//     ("api.*", longest prefix first) before a route with no host ("" or
//     "*"). Hosts compare case-insensitively, without the request's port
//     and trailing dot; a wildcard stands for at least one character.
//  2. Path, within one host: an exact path before a template before the
//     longest prefix before a regex.
//     Templates compare segment by segment from the left: a literal segment
//     before a {name} before a {name...}, so "/users/me" (as a template)
//     beats "/users/{id}", which beats "/users/{rest...}".
//     Prefixes are compared by length; "/api/" is longer than "/api".
//     Regex routes are tried in declaration order: put specific ones first.
//  3. Ties (same host and same path shape): the route with more conditions
//     (each header matcher, each query matcher, and a non-empty methods list
//     count one) first, then declaration order.
//
// Matching falls through: when the best route for a path fails a condition
// (a method, a header), the next route in this order is tried, including
// routes of a less specific host. This is how Go's ServeMux treats host
// patterns, and unlike Envoy, which commits to one virtual host first.
// Two routes with the same host, path shape and conditions are rejected by
// Compile: the second could never match.
//
// Path conditions, on the normalised path:
//
//   - path: "/users" matches exactly "/users" (not "/users/").
//   - prefix: matches whole segments. "/api" matches "/api", "/api/" and
//     "/api/x" but not "/apix"; "/api/" matches "/api/" and "/api/x" but not
//     "/api". "/" matches every path.
//   - template: Go 1.22 ServeMux syntax. "{name}" is one whole non-empty
//     segment; "{name...}", last only, is the rest of the path after the
//     preceding slash and may be empty: "/files/{p...}" matches "/files/"
//     and "/files/a/b" but not "/files". At most 8 wildcards per template.
//     Captured values are the normalised (still escaped) segment text.
//   - regex: RE2 syntax, matched against the whole path (it is anchored).
//
// Header and query matchers: exact, regex (whole value, anchored), present
// or absent. A header matcher reads the first value of the header (as
// http.Header.Get does); a query matcher reads the first successfully
// decoded value of the parameter (as url.Values.Get after url.ParseQuery
// does). To match an empty value use regex "^$". Methods compare exactly
// (HEAD does not match a GET route).
//
// # Cost
//
// Match costs the same with 10 or 10 000 routes (BenchmarkMatch; only CPU
// cache misses grow with the table). Hosts are indexed by a map
// for exact hosts and by maps keyed by suffix or prefix, probed once per
// distinct wildcard length. Within a host, exact paths are a map lookup;
// prefix and template routes live in one segment trie walked once along the
// request path (the template walk backtracks, but visits each trie node at
// most once). Only when none of these matched are that host's regex routes
// scanned, one by one: keep regex routes few. Match does not allocate on the
// common path (no rewrite or redirect, query parameters without escapes);
// rewrites and redirects allocate their result.
//
// # After the match
//
// Match.Path is the upstream path: the request path unless the route
// rewrites it (strip_prefix, or rewrite: a replacement for the whole path,
// for the matched prefix, a template over the captured wildcards, or a regex
// substitution with $1 / ${name}). The query string is not part of it.
// Rewrites are normalised again; a regex substitution whose result is not a
// valid path makes its route not match, and matching goes on.
// Match.Backend(u) picks a weighted backend and Match.Mirror(u) decides
// whether to mirror, both from a uniform random u in [0, 2^64) that the
// caller draws from its own seeded source; the split is exact (weights 95/5
// send exactly 5 of every 100 evenly spaced u to the second backend).
// The Table is immutable and safe for concurrent use.
package route
