package transform

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Config is the transformation of one route: what happens to the request
// on its way to the upstream and to the response on its way back.
type Config struct {
	Request  RequestConfig  `json:"request,omitzero" yaml:"request,omitempty"`
	Response ResponseConfig `json:"response,omitzero" yaml:"response,omitempty"`
}

// RequestConfig rewrites the request sent upstream.
type RequestConfig struct {
	Headers HeaderOps `json:"headers,omitzero" yaml:"headers,omitempty"`
	// JSON operations run in declaration order on a JSON body.
	JSON []JSONOp `json:"json,omitempty" yaml:"json,omitempty"`
	// Strict refuses a non-empty body that is not JSON with 400 instead of
	// forwarding it untouched. It matters only when JSON is set.
	Strict bool `json:"strict,omitempty" yaml:"strict,omitempty"`
}

// ResponseConfig rewrites the response sent to the client.
type ResponseConfig struct {
	Headers HeaderOps `json:"headers,omitzero" yaml:"headers,omitempty"`
	// JSON operations run in declaration order on a JSON body.
	JSON []JSONOp `json:"json,omitempty" yaml:"json,omitempty"`
	// Strict answers 502 for a non-empty body that is not JSON instead of
	// forwarding it untouched. It matters only when JSON is set.
	Strict bool `json:"strict,omitempty" yaml:"strict,omitempty"`
	// StatusMap maps an upstream status to the status the client sees, as
	// in {502: 503}. Statuses not listed pass through.
	StatusMap map[int]int `json:"status_map,omitempty" yaml:"status_map,omitempty"`
	// StatusBodies replaces the whole body of a response whose client
	// status (after StatusMap) is listed. JSON operations do not run on a
	// replaced body: it is already the body the client should see.
	StatusBodies map[int]BodyOverride `json:"status_bodies,omitempty" yaml:"status_bodies,omitempty"`
}

// BodyOverride is a fixed response body.
type BodyOverride struct {
	Body string `json:"body" yaml:"body"`
	// ContentType is set with the body; the default is application/json,
	// and a JSON content type requires Body to be valid JSON.
	ContentType string `json:"content_type,omitempty" yaml:"content_type,omitempty"`
}

// DefaultContentType is the Content-Type of a BodyOverride that names none.
const DefaultContentType = "application/json"

// HeaderOps edit a header set. They run as remove, rename, set, add (Kong's
// order), so a header can be removed and then added afresh, and a renamed
// header can be set under its new name.
type HeaderOps struct {
	// Add appends a value, keeping the values already present (Envoy's
	// APPEND_IF_EXISTS_OR_ADD).
	Add []HeaderValue `json:"add,omitempty" yaml:"add,omitempty"`
	// Set replaces every value of the header, or adds it (Envoy's
	// OVERWRITE_IF_EXISTS_OR_ADD).
	Set []HeaderValue `json:"set,omitempty" yaml:"set,omitempty"`
	// Remove deletes headers; a missing header is not an error.
	Remove []string `json:"remove,omitempty" yaml:"remove,omitempty"`
	// Rename moves all values of From to To, replacing any values To had
	// (Kong's rename). A missing From does nothing.
	Rename []Rename `json:"rename,omitempty" yaml:"rename,omitempty"`
}

// HeaderValue is a header name and one value.
type HeaderValue struct {
	Name  string `json:"name" yaml:"name"`
	Value string `json:"value" yaml:"value"`
}

// Rename renames a header, or a JSON field within its object: From is the
// field's path, To its new key (one segment, not a path). Renaming onto a
// key that exists replaces that key's value, as a JSON object cannot hold
// both.
type Rename struct {
	From string `json:"from" yaml:"from"`
	To   string `json:"to" yaml:"to"`
}

// Move detaches the value at From and writes it at To, creating missing
// objects on the way and replacing a value already at To. The value is
// removed first, so array indices in To count without it (JSON Patch's
// order); if To cannot be written, the body is left as it was.
type Move struct {
	From string `json:"from" yaml:"from"`
	To   string `json:"to" yaml:"to"`
}

// FieldValue is a path and the JSON value to write there. Value is any
// value encoding/json can marshal (what YAML and JSON decoding produce);
// an omitted value means null.
type FieldValue struct {
	Path  string `json:"path" yaml:"path"`
	Value any    `json:"value" yaml:"value"`
}

// JSONOp is one body operation; exactly one field is set.
type JSONOp struct {
	// Add writes the value only where the path is missing (Kong's add).
	Add *FieldValue `json:"add,omitempty" yaml:"add,omitempty"`
	// Set writes the value, replacing what is there.
	Set *FieldValue `json:"set,omitempty" yaml:"set,omitempty"`
	// Remove deletes the field (or array element) at this path.
	Remove string  `json:"remove,omitempty" yaml:"remove,omitempty"`
	Rename *Rename `json:"rename,omitempty" yaml:"rename,omitempty"`
	Move   *Move   `json:"move,omitempty" yaml:"move,omitempty"`
}

// name returns the op's key and how many keys are set.
func (o JSONOp) name() (string, int) {
	var name string
	n := 0
	for _, c := range []struct {
		set  bool
		name string
	}{
		{o.Add != nil, "add"}, {o.Set != nil, "set"}, {o.Remove != "", "remove"},
		{o.Rename != nil, "rename"}, {o.Move != nil, "move"},
	} {
		if c.set {
			if n == 0 {
				name = c.name
			}
			n++
		}
	}
	return name, n
}

// Validate reports the first problem, naming its field
// ("response.json[2].move.to"). The error matches ErrInvalidConfig.
func (c Config) Validate() error {
	if err := c.Request.Headers.validate("request.headers"); err != nil {
		return err
	}
	if err := validateJSONOps(c.Request.JSON, "request.json"); err != nil {
		return err
	}
	if err := c.Response.Headers.validate("response.headers"); err != nil {
		return err
	}
	if err := validateJSONOps(c.Response.JSON, "response.json"); err != nil {
		return err
	}
	for _, from := range sortedKeys(c.Response.StatusMap) {
		to := c.Response.StatusMap[from]
		field := fmt.Sprintf("response.status_map[%d]", from)
		if from < 100 || from > 599 {
			return configErr(field, "upstream status %d out of range 100..599", from)
		}
		if to < 200 || to > 599 {
			// 1xx are interim responses, not an answer a gateway can give.
			return configErr(field, "client status %d out of range 200..599", to)
		}
	}
	for _, st := range sortedKeys(c.Response.StatusBodies) {
		o := c.Response.StatusBodies[st]
		field := fmt.Sprintf("response.status_bodies[%d]", st)
		if st < 200 || st > 599 {
			return configErr(field, "client status %d out of range 200..599", st)
		}
		if st == http.StatusNoContent || st == http.StatusNotModified {
			return configErr(field, "status %d has no body", st)
		}
		ct := o.ContentType
		if ct == "" {
			ct = DefaultContentType
		}
		if !validHeaderValue(ct) {
			return configErr(field+".content_type", "invalid header value %q", ct)
		}
		if isJSONMediaType(ct) && !json.Valid([]byte(o.Body)) {
			return configErr(field+".body", "not valid json (content type %s)", ct)
		}
	}
	return nil
}

func sortedKeys[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (o HeaderOps) validate(field string) error {
	for i, hv := range o.Add {
		if err := validateWritable(hv.Name, fmt.Sprintf("%s.add[%d].name", field, i)); err != nil {
			return err
		}
		if !validHeaderValue(hv.Value) {
			return configErr(fmt.Sprintf("%s.add[%d].value", field, i), "invalid header value %q", hv.Value)
		}
	}
	for i, hv := range o.Set {
		if err := validateWritable(hv.Name, fmt.Sprintf("%s.set[%d].name", field, i)); err != nil {
			return err
		}
		if !validHeaderValue(hv.Value) {
			return configErr(fmt.Sprintf("%s.set[%d].value", field, i), "invalid header value %q", hv.Value)
		}
	}
	for i, name := range o.Remove {
		if !validHeaderName(name) {
			return configErr(fmt.Sprintf("%s.remove[%d]", field, i), "invalid header name %q", name)
		}
	}
	for i, r := range o.Rename {
		f := fmt.Sprintf("%s.rename[%d]", field, i)
		if !validHeaderName(r.From) {
			return configErr(f+".from", "invalid header name %q", r.From)
		}
		if err := validateWritable(r.To, f+".to"); err != nil {
			return err
		}
		if http.CanonicalHeaderKey(r.From) == http.CanonicalHeaderKey(r.To) {
			return configErr(f, "renames %q onto itself", r.From)
		}
	}
	return nil
}

// validateWritable refuses names a transformation must not write: hop-by-hop
// headers (RFC 9110 section 7.6.1, plus the Proxy-* family) describe the
// connection, not the message, and Content-Length is computed from the body
// this package returns.
func validateWritable(name, field string) error {
	if !validHeaderName(name) {
		return configErr(field, "invalid header name %q", name)
	}
	k := http.CanonicalHeaderKey(name)
	switch {
	case k == "Connection" || k == "Keep-Alive" || k == "Transfer-Encoding" || k == "Te" ||
		k == "Trailer" || k == "Upgrade" || strings.HasPrefix(k, "Proxy-"):
		return configErr(field, "%q is a hop-by-hop header and cannot be set", name)
	case k == "Content-Length":
		return configErr(field, "Content-Length follows the body and cannot be set")
	}
	return nil
}

// validHeaderName reports whether s is an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// validHeaderValue refuses control characters other than horizontal tab:
// CR and LF would split the header, NUL is refused by every server.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

func validateJSONOps(ops []JSONOp, field string) error {
	for i, op := range ops {
		f := fmt.Sprintf("%s[%d]", field, i)
		name, n := op.name()
		if n != 1 {
			return configErr(f, "want exactly one of add, set, remove, rename, move; got %d", n)
		}
		f += "." + name
		switch name {
		case "add", "set":
			fv := op.Add
			if name == "set" {
				fv = op.Set
			}
			if _, err := parsePath(fv.Path); err != nil {
				return &ConfigError{Field: f + ".path", err: err}
			}
			if _, err := canonicalValue(fv.Value); err != nil {
				return &ConfigError{Field: f + ".value", err: err}
			}
		case "remove":
			if _, err := parsePath(op.Remove); err != nil {
				return &ConfigError{Field: f, err: err}
			}
		case "rename":
			from, err := parsePath(op.Rename.From)
			if err != nil {
				return &ConfigError{Field: f + ".from", err: err}
			}
			to, err := parsePath(op.Rename.To)
			if err != nil {
				return &ConfigError{Field: f + ".to", err: err}
			}
			if len(to) != 1 {
				return configErr(f+".to", "want a key, not a path (%q); use move to change objects", op.Rename.To)
			}
			if to[0] == from[len(from)-1] {
				return configErr(f, "renames %q onto itself", op.Rename.From)
			}
		case "move":
			from, err := parsePath(op.Move.From)
			if err != nil {
				return &ConfigError{Field: f + ".from", err: err}
			}
			to, err := parsePath(op.Move.To)
			if err != nil {
				return &ConfigError{Field: f + ".to", err: err}
			}
			if slices.Equal(from, to) {
				return configErr(f, "moves %q onto itself", op.Move.From)
			}
		}
	}
	return nil
}

// canonicalValue turns a configured value into the tree a decoded body is
// made of (map[string]any, []any, json.Number, string, bool, nil), so
// operations and encoding treat both alike and numbers stay exact.
func canonicalValue(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("not representable as json: %w", err)
	}
	return decodeJSON(b)
}
