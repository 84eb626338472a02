package transform

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// Transformer applies one route's Config. It is immutable and safe for
// concurrent use.
type Transformer struct {
	reqHeaders  headerOps
	reqBody     bodyOps
	respHeaders headerOps
	respBody    bodyOps
	statusMap   map[int]int
	bodies      map[int]override
}

type override struct {
	body        []byte
	contentType string
}

// bodyOps are one side's JSON operations.
type bodyOps struct {
	ops    []jsonOp
	strict bool
	refuse int // the status of a Strict refusal
}

// Compile validates cfg and builds its Transformer.
func Compile(cfg Config) (*Transformer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	t := &Transformer{
		reqHeaders:  compileHeaders(cfg.Request.Headers),
		respHeaders: compileHeaders(cfg.Response.Headers),
		reqBody:     bodyOps{strict: cfg.Request.Strict, refuse: http.StatusBadRequest},
		respBody:    bodyOps{strict: cfg.Response.Strict, refuse: http.StatusBadGateway},
	}
	var err error
	if t.reqBody.ops, err = compileJSONOps(cfg.Request.JSON, "request.json"); err != nil {
		return nil, err
	}
	if t.respBody.ops, err = compileJSONOps(cfg.Response.JSON, "response.json"); err != nil {
		return nil, err
	}
	if len(cfg.Response.StatusMap) > 0 {
		t.statusMap = make(map[int]int, len(cfg.Response.StatusMap))
		for from, to := range cfg.Response.StatusMap {
			t.statusMap[from] = to
		}
	}
	if len(cfg.Response.StatusBodies) > 0 {
		t.bodies = make(map[int]override, len(cfg.Response.StatusBodies))
		for st, o := range cfg.Response.StatusBodies {
			ct := o.ContentType
			if ct == "" {
				ct = DefaultContentType
			}
			t.bodies[st] = override{body: []byte(o.Body), contentType: ct}
		}
	}
	return t, nil
}

// Request transforms a request on its way upstream: h (canonical keys, as
// net/http makes them; not nil) is edited in place and the body to forward
// is returned (body itself when unchanged). A rewritten body updates
// Content-Length when h has one.
//
// A nil error means everything applied. An *Error means refuse the request
// with its Status (Strict, body not JSON); the returned body is nil. Any
// other error is a report (ErrNotJSON, ErrInvalidJSON, ErrPathConflict):
// forward the returned body.
func (t *Transformer) Request(h http.Header, body []byte) ([]byte, error) {
	t.reqHeaders.apply(h)
	return t.reqBody.apply(h, body, "request")
}

// Response transforms an upstream response on its way to the client: the
// status is mapped, h is edited in place, and the body is replaced (a
// StatusBodies entry for the client status) or rewritten by the JSON
// operations. It returns the client status and body (body itself when
// unchanged). Errors are as for Request; an *Error's Status (502) is also
// the returned status, with a nil body.
func (t *Transformer) Response(status int, h http.Header, body []byte) (int, []byte, error) {
	if to, ok := t.statusMap[status]; ok {
		status = to
	}
	t.respHeaders.apply(h)
	if o, ok := t.bodies[status]; ok {
		// A copy: the caller owns what it gets back, and the override is
		// shared by every response.
		body = append([]byte(nil), o.body...)
		h["Content-Type"] = []string{o.contentType}
		setContentLength(h, len(body))
		return status, body, nil
	}
	out, err := t.respBody.apply(h, body, "response")
	if err != nil {
		// Only here: errors.As makes its target escape, an allocation the
		// common path should not pay.
		var te *Error
		if errors.As(err, &te) {
			return te.Status, nil, err
		}
	}
	return status, out, err
}

func (b *bodyOps) apply(h http.Header, body []byte, side string) ([]byte, error) {
	if len(b.ops) == 0 || len(body) == 0 {
		return body, nil
	}
	if ct := h["Content-Type"]; len(ct) > 0 && ct[0] != "" && !isJSONMediaType(ct[0]) {
		return b.skip(body, fmt.Errorf("%w: %s content type %q", ErrNotJSON, side, ct[0]))
	}
	root, err := decodeJSON(body)
	if err != nil {
		return b.skip(body, fmt.Errorf("%w: %s: %w", ErrInvalidJSON, side, err))
	}
	root, changed, report := applyOps(root, b.ops)
	if !changed {
		return body, report
	}
	out, err := encodeJSON(root, len(body))
	if err != nil {
		// Unreachable: the tree came from the decoder and canonical values.
		return body, fmt.Errorf("%w: %s: re-encoding: %w", ErrInvalidJSON, side, err)
	}
	setContentLength(h, len(out))
	return out, report
}

// skip passes an unusable body through, or refuses it when strict.
func (b *bodyOps) skip(body []byte, err error) ([]byte, error) {
	if b.strict {
		return nil, &Error{Status: b.refuse, err: err}
	}
	return body, err
}

// setContentLength keeps a Content-Length the message already has true to
// the new body; a message without one is framed by the server.
func setContentLength(h http.Header, n int) {
	if vs := h["Content-Length"]; len(vs) > 0 {
		vs[0] = strconv.Itoa(n)
		h["Content-Length"] = vs[:1]
	}
}
