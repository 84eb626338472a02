package transform

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Policy decides what an aggregated response is when some backends fail.
type Policy string

// Policies. The zero value means PolicyPartial, KrakenD's default.
const (
	// PolicyPartial answers 200 with the parts that succeeded and
	// CompletedHeader "false"; only when every backend failed does it
	// answer like PolicyFailFast.
	PolicyPartial Policy = "partial"
	// PolicyFailFast answers the first failure's status: 504 if that
	// backend timed out, 502 otherwise. "First" is in backend order, not in
	// time: Merge sees outcomes, not when they happened, and an order that
	// does not depend on timing keeps runs repeatable.
	PolicyFailFast Policy = "fail_fast"
	// PolicyRequireAll answers 502 when any backend failed.
	PolicyRequireAll Policy = "require_all"
)

// CompletedHeader tells the client whether every backend contributed
// ("true") or not ("false"), like KrakenD's X-KrakenD-Completed.
const CompletedHeader = "X-Baton-Completed"

// Aggregation composes one response from several backends (KrakenD's
// endpoint with several backends).
type Aggregation struct {
	Backends []Backend `json:"backends" yaml:"backends"`
	// Policy is partial (the default), fail_fast or require_all.
	Policy Policy `json:"policy,omitempty" yaml:"policy,omitempty"`
}

// Backend is one call of an aggregation and what to keep of its answer.
// Its body is processed as allow or deny, then mapping, then group (the
// KrakenD order), and only when it is a JSON object; an array or scalar
// answer is kept whole under Group, or under Service when Group is empty.
type Backend struct {
	Service string `json:"service" yaml:"service"`
	// Path is the upstream request path, for the engine that makes the
	// call ("/users/1"); Merge does not read it.
	Path string `json:"path,omitempty" yaml:"path,omitempty"`
	// Group nests the whole answer under this key instead of merging its
	// keys into the top level.
	Group string `json:"group,omitempty" yaml:"group,omitempty"`
	// Timeout bounds this call; the engine enforces it and reports
	// BackendResult.TimedOut. Zero means the route's own timeout.
	Timeout time.Duration `json:"timeout,omitempty" yaml:"timeout,omitempty"`
	// Allow keeps only these dotted object paths ("user.id"); paths do not
	// enter arrays. Allow and Deny exclude each other.
	Allow []string `json:"allow,omitempty" yaml:"allow,omitempty"`
	// Deny removes these dotted object paths; paths do not enter arrays.
	Deny []string `json:"deny,omitempty" yaml:"deny,omitempty"`
	// Mapping renames top-level keys, old to new, all at once: {a: b, b: a}
	// swaps, and a new name replaces a key of that name.
	Mapping map[string]string `json:"mapping,omitempty" yaml:"mapping,omitempty"`
	// ReturnErrorDetails, when set, adds "error_<value>" to the response
	// when this backend fails: {"error": why, "http_status_code": status,
	// "http_body": body} (KrakenD's return_error_details; the status and
	// body appear only when the backend answered).
	ReturnErrorDetails string `json:"return_error_details,omitempty" yaml:"return_error_details,omitempty"`
}

// BackendResult is the outcome of one backend call, as the engine saw it.
// A call succeeded when it has no Err, did not time out and has a 2xx
// Status; an empty body then contributes nothing and a body that is not
// JSON makes the call a failure.
type BackendResult struct {
	Status   int
	Body     []byte
	Err      error
	TimedOut bool
}

// errNoResult stands in for a backend Merge was given no result for.
var errNoResult = errors.New("transform: no result for backend")

// Validate reports the first problem, naming its field
// ("backends[1].allow[0]"). The error matches ErrInvalidConfig.
func (a Aggregation) Validate() error {
	if len(a.Backends) == 0 {
		return configErr("backends", "want at least one backend")
	}
	switch a.Policy {
	case "", PolicyPartial, PolicyFailFast, PolicyRequireAll:
	default:
		return configErr("policy", "unknown policy %q (want partial, fail_fast or require_all)", a.Policy)
	}
	groups := map[string]int{}
	aliases := map[string]int{}
	for i, b := range a.Backends {
		f := fmt.Sprintf("backends[%d]", i)
		if b.Service == "" {
			return configErr(f+".service", "empty")
		}
		if b.Path != "" && !strings.HasPrefix(b.Path, "/") {
			return configErr(f+".path", "%q does not start with /", b.Path)
		}
		if b.Timeout < 0 {
			return configErr(f+".timeout", "negative (%v)", b.Timeout)
		}
		if b.Group != "" {
			if j, dup := groups[b.Group]; dup {
				return configErr(f+".group", "%q is also backends[%d]'s group", b.Group, j)
			}
			groups[b.Group] = i
		}
		if b.ReturnErrorDetails != "" {
			if j, dup := aliases[b.ReturnErrorDetails]; dup {
				return configErr(f+".return_error_details", "%q is also backends[%d]'s", b.ReturnErrorDetails, j)
			}
			aliases[b.ReturnErrorDetails] = i
		}
		if len(b.Allow) > 0 && len(b.Deny) > 0 {
			return configErr(f, "allow and deny exclude each other")
		}
		for j, s := range b.Allow {
			if _, err := parsePath(s); err != nil {
				return &ConfigError{Field: fmt.Sprintf("%s.allow[%d]", f, j), err: err}
			}
		}
		for j, s := range b.Deny {
			if _, err := parsePath(s); err != nil {
				return &ConfigError{Field: fmt.Sprintf("%s.deny[%d]", f, j), err: err}
			}
		}
		olds := make([]string, 0, len(b.Mapping))
		for old := range b.Mapping {
			olds = append(olds, old)
		}
		slices.Sort(olds)
		targets := map[string]string{}
		for _, old := range olds {
			nw := b.Mapping[old]
			mf := fmt.Sprintf("%s.mapping[%q]", f, old)
			switch {
			case old == "":
				return configErr(mf, "empty key")
			case nw == "":
				return configErr(mf, "empty new name")
			case nw == old:
				return configErr(mf, "maps %q onto itself", old)
			}
			if prev, dup := targets[nw]; dup {
				return configErr(mf, "%q is also the new name of %q", nw, prev)
			}
			targets[nw] = old
		}
	}
	return nil
}

// Aggregator is a compiled Aggregation. It is immutable and safe for
// concurrent use.
type Aggregator struct {
	policy   Policy
	backends []aggBackend
}

type aggBackend struct {
	service  string
	group    string
	allow    []path // no path lies inside another
	deny     []path
	mapping  []headerPair // old, new; sorted by old
	errorKey string       // "error_<alias>", or ""
}

// NewAggregator validates cfg and compiles it.
func NewAggregator(cfg Aggregation) (*Aggregator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &Aggregator{policy: cfg.Policy, backends: make([]aggBackend, len(cfg.Backends))}
	if a.policy == "" {
		a.policy = PolicyPartial
	}
	for i, b := range cfg.Backends {
		c := aggBackend{service: b.Service, group: b.Group}
		if b.ReturnErrorDetails != "" {
			c.errorKey = "error_" + b.ReturnErrorDetails
		}
		for _, s := range b.Allow {
			p, _ := parsePath(s)
			c.allow = append(c.allow, p)
		}
		// Keep "a" and drop "a.b": allowing an object allows all of it, and
		// disjoint paths let the filter build its result without aliasing.
		c.allow = slices.DeleteFunc(c.allow, func(p path) bool {
			for _, q := range c.allow {
				if len(q) < len(p) && p.hasPrefix(q) {
					return true
				}
			}
			return false
		})
		c.allow = slices.CompactFunc(c.allow, func(p, q path) bool { return slices.Equal(p, q) })
		for _, s := range b.Deny {
			p, _ := parsePath(s)
			c.deny = append(c.deny, p)
		}
		for old, nw := range b.Mapping {
			c.mapping = append(c.mapping, headerPair{old, nw})
		}
		slices.SortFunc(c.mapping, func(x, y headerPair) int { return strings.Compare(x.a, y.a) })
		a.backends[i] = c
	}
	return a, nil
}

// Merge compiles cfg and merges results; see (*Aggregator).Merge. An
// invalid cfg answers 500 with no body: validate configurations when they
// load (NewAggregator) and keep the Aggregator, which also saves
// compiling on every request.
func Merge(cfg Aggregation, results []BackendResult) (status int, header http.Header, body []byte) {
	a, err := NewAggregator(cfg)
	if err != nil {
		return http.StatusInternalServerError, http.Header{CompletedHeader: {"false"}}, nil
	}
	return a.Merge(results)
}

// Merge builds the client response from results, one per backend in
// configuration order (a missing result counts as a failure, extra results
// are ignored).
//
// Successful answers are combined into one JSON object in backend order:
// an object's keys are merged into the top level, a later backend's key
// replacing an earlier one's; a grouped answer, or one that is not an
// object, is set under its key (Group, else Service), again later wins.
// Failed backends with ReturnErrorDetails add their "error_<alias>" entry.
// The body is encoded with keys sorted, so equal inputs give equal bytes.
//
// The status is 200 with CompletedHeader "true" when every backend
// succeeded. Otherwise the Policy decides: partial answers 200 and
// "false" with what succeeded; fail_fast answers the first failure's
// status (504 timeout, else 502); require_all answers 502. A failed
// aggregation carries only the error details, or no body without any.
func (a *Aggregator) Merge(results []BackendResult) (status int, header http.Header, body []byte) {
	out := map[string]any{}
	var errs map[string]any
	failures, okCount, firstFail := 0, 0, 0
	for i := range a.backends {
		b := &a.backends[i]
		r := BackendResult{Err: errNoResult}
		if i < len(results) {
			r = results[i]
		}
		v, failStatus, why := classify(r)
		if failStatus != 0 {
			if failures == 0 {
				firstFail = failStatus
			}
			failures++
			if b.errorKey != "" {
				if errs == nil {
					errs = map[string]any{}
				}
				errs[b.errorKey] = errorDetails(r, why)
			}
			continue
		}
		okCount++
		b.contribute(out, v)
	}

	complete := failures == 0
	status = http.StatusOK
	switch {
	case complete:
	case a.policy == PolicyRequireAll:
		status = http.StatusBadGateway
	case a.policy == PolicyFailFast || okCount == 0:
		status = firstFail
	}
	if status != http.StatusOK {
		out = errs // a failed aggregation shows no partial data
	} else {
		for k, v := range errs {
			out[k] = v
		}
	}
	header = http.Header{CompletedHeader: {"true"}}
	if !complete {
		header[CompletedHeader][0] = "false"
	}
	if status != http.StatusOK && len(out) == 0 {
		return status, header, nil
	}
	body, err := encodeJSON(out, 256)
	if err != nil {
		// Unreachable: every value came from the decoder or is a string or number.
		return http.StatusInternalServerError, http.Header{CompletedHeader: {"false"}}, nil
	}
	header["Content-Type"] = []string{"application/json"}
	return status, header, body
}

// classify returns a successful result's decoded body (nil for an empty
// one), or the status a failure stands for and why it failed.
func classify(r BackendResult) (v any, failStatus int, why string) {
	switch {
	case r.TimedOut:
		return nil, http.StatusGatewayTimeout, "timed out"
	case r.Err != nil:
		return nil, http.StatusBadGateway, r.Err.Error()
	case r.Status < 200 || r.Status > 299:
		return nil, http.StatusBadGateway, fmt.Sprintf("status %d", r.Status)
	case len(r.Body) == 0:
		return nil, 0, ""
	}
	v, err := decodeJSON(r.Body)
	if err != nil {
		return nil, http.StatusBadGateway, "invalid json body: " + err.Error()
	}
	if v == nil {
		// A JSON null answer contributes nothing, like an empty one;
		// keeping it apart from "no body" would need a sentinel for little.
		return nil, 0, ""
	}
	return v, 0, ""
}

func errorDetails(r BackendResult, why string) map[string]any {
	d := map[string]any{"error": why}
	if r.Status != 0 {
		d["http_status_code"] = json.Number(strconv.Itoa(r.Status))
	}
	if len(r.Body) > 0 {
		d["http_body"] = string(r.Body)
	}
	return d
}

// contribute adds one successful answer to out.
func (b *aggBackend) contribute(out map[string]any, v any) {
	if v == nil {
		return
	}
	m, isObj := v.(map[string]any)
	if !isObj {
		key := b.group
		if key == "" {
			key = b.service
		}
		out[key] = v
		return
	}
	m = b.filter(m)
	b.rename(m)
	if b.group != "" {
		out[b.group] = m
		return
	}
	for k, x := range m {
		out[k] = x
	}
}

func (b *aggBackend) filter(m map[string]any) map[string]any {
	if len(b.allow) > 0 {
		kept := map[string]any{}
		for _, p := range b.allow {
			if v, ok := lookup(m, p, true); ok {
				put(kept, p, v, false) // into fresh objects: always applies
			}
		}
		return kept
	}
	for _, p := range b.deny {
		take(m, p, true)
	}
	return m
}

// rename applies the mapping all at once, so chains and swaps do not
// depend on the order of a Go map.
func (b *aggBackend) rename(m map[string]any) {
	if len(b.mapping) == 0 {
		return
	}
	type moved struct {
		to string
		v  any
	}
	var vals []moved
	for _, r := range b.mapping {
		if v, ok := m[r.a]; ok {
			vals = append(vals, moved{r.b, v})
			delete(m, r.a)
		}
	}
	for _, mv := range vals {
		m[mv.to] = mv.v
	}
}
