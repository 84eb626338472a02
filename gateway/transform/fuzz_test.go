package transform

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// FuzzPath checks the path parser never panics and that every path it
// accepts has non-empty segments, a bounded depth, and a String form that
// parses back to the same segments.
func FuzzPath(f *testing.F) {
	for _, s := range []string{"a", "a.b.c", "items.0.id", `a\.b`, `a\\.b`, `\\`, `\.`, "", ".", "a..b", `a\`, `a\x`, "ü.ß", strings.Repeat("x.", 70)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parsePath(s)
		if err != nil {
			var pe *PathError
			if !errors.As(err, &pe) || pe.Offset < 0 || pe.Offset > len(s) {
				t.Fatalf("parsePath(%q): bad error %#v", s, err)
			}
			return
		}
		if len(p) == 0 || len(p) > maxPathSegments {
			t.Fatalf("parsePath(%q): %d segments", s, len(p))
		}
		for _, seg := range p {
			if seg == "" {
				t.Fatalf("parsePath(%q): empty segment in %q", s, p)
			}
		}
		if !strings.Contains(s, `\`) && !slices.Equal(p, strings.Split(s, ".")) {
			t.Fatalf("parsePath(%q): got %q, want the dot-split", s, p)
		}
		back, err := parsePath(p.String())
		if err != nil || !slices.Equal(back, p) {
			t.Fatalf("parsePath(%q) = %q; String %q parses to %q, %v", s, p, p.String(), back, err)
		}
	})
}

// fuzzOps touches every operation kind over objects, arrays and the root.
var fuzzOps = []JSONOp{
	set("a.b", map[string]any{"k": []any{1}}),
	add("items.0.id", 7),
	remove("x"),
	rename("a.b", "c"),
	move("items.1", "z.w"),
	set("0", "first"),
	move("a", "a.inner"),
	remove("items.0"),
	set("a.inner.c.k.0", 2),
	rename("0", "zero"),
}

// FuzzJSONOps runs arbitrary bodies through a fixed op list: it never
// panics, a valid JSON body comes out valid JSON (the same each time, the
// input untouched), and anything else comes back as the same slice with a
// report.
func FuzzJSONOps(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `null`, `1`, `"s"`, `{"a":{"b":1}}`, `{"items":[{"id":1},{"id":2}]}`, `[1,2,3]`,
		`{"a":"str","items":"no","x":1}`, `{"a":{"b":{"c":1}},"z":{"w":[]}}`, `{"a":[1],"items":[[],{}]}`,
		`{"a":`, `{} {}`, "\xff", `{"big":1e999,"n":-0.0}`, `[{"id":null}]`,
	} {
		f.Add([]byte(s))
	}
	tr := compileResponse(f, fuzzOps...)
	f.Fuzz(func(t *testing.T, in []byte) {
		orig := bytes.Clone(in)
		st, got, err := tr.Response(200, http.Header{}, in)
		if st != 200 {
			t.Fatalf("status %d", st)
		}
		if !bytes.Equal(in, orig) {
			t.Fatalf("input modified: %q -> %q", orig, in)
		}
		if !json.Valid(in) {
			if len(in) == 0 {
				if err != nil || len(got) != 0 {
					t.Fatalf("empty body: got %q, %v", got, err)
				}
				return
			}
			if !sameSlice(got, in) || !errors.Is(err, ErrInvalidJSON) {
				t.Fatalf("invalid %q: got %q, %v; want the input and ErrInvalidJSON", in, got, err)
			}
			return
		}
		if !json.Valid(got) {
			t.Fatalf("%q became invalid json %q", in, got)
		}
		// The hand-written encoder must write what encoding/json writes.
		if v, err := decodeJSON(in); err != nil {
			t.Fatalf("decode %q: %v", in, err)
		} else if mine, err := encodeJSON(v, 0); err != nil || !bytes.Equal(mine, stdEncode(t, v)) {
			t.Fatalf("%q: encodeJSON %q, %v; encoding/json %q", in, mine, err, stdEncode(t, v))
		}
		if err != nil && !errors.Is(err, ErrPathConflict) {
			t.Fatalf("%q: unexpected error %v", in, err)
		}
		if errors.Is(err, ErrInvalidJSON) || errors.Is(err, ErrNotJSON) {
			t.Fatalf("%q: valid body reported as %v", in, err)
		}
		_, again, err2 := tr.Response(200, http.Header{}, bytes.Clone(orig))
		if !bytes.Equal(again, got) || (err == nil) != (err2 == nil) {
			t.Fatalf("%q: second run %q, %v; first %q, %v", in, again, err2, got, err)
		}
	})
}

// FuzzMerge feeds arbitrary backend outcomes to every policy: Merge never
// panics, answers 200, 502 or 504 with a consistent completion header,
// encodes a JSON object when it has a body, gives the same bytes twice and
// leaves the results alone.
func FuzzMerge(f *testing.F) {
	f.Add([]byte(`{"id":1,"pw":"x"}`), []byte(`[1,2]`), []byte(`{"a":{"b":2}}`), uint16(200), uint16(200), uint16(200), uint8(0), uint8(0))
	f.Add([]byte(`{"id":1}`), []byte(`nope`), []byte(``), uint16(200), uint16(503), uint16(204), uint8(4), uint8(1))
	f.Add([]byte(`"s"`), []byte(`null`), []byte(`{"x":1e999}`), uint16(0), uint16(200), uint16(299), uint8(3), uint8(2))
	f.Add([]byte(`{"id":1,"id":2}`), []byte("\xff"), []byte(`{"e":"<>"}`), uint16(200), uint16(200), uint16(200), uint8(0x3f), uint8(0))
	aggs := make([]*Aggregator, 3)
	for i, p := range []Policy{PolicyPartial, PolicyFailFast, PolicyRequireAll} {
		a, err := NewAggregator(Aggregation{Policy: p, Backends: []Backend{
			{Service: "users", Deny: []string{"pw", "a.b"}, Mapping: map[string]string{"id": "user_id", "user_id": "id"}},
			{Service: "orders", Group: "orders", Allow: []string{"id", "a.b", "items"}, ReturnErrorDetails: "orders"},
			{Service: "stock", ReturnErrorDetails: "stock"},
		}})
		if err != nil {
			f.Fatal(err)
		}
		aggs[i] = a
	}
	f.Fuzz(func(t *testing.T, b0, b1, b2 []byte, s0, s1, s2 uint16, flags, policy uint8) {
		bodies := [][]byte{b0, b1, b2}
		statuses := []uint16{s0, s1, s2}
		results := make([]BackendResult, 3)
		for i := range results {
			results[i] = BackendResult{Status: int(statuses[i]), Body: bytes.Clone(bodies[i])}
			if flags&(1<<(2*i)) != 0 {
				results[i].TimedOut = true
			}
			if flags&(2<<(2*i)) != 0 {
				results[i].Err = errors.New("boom")
			}
		}
		a := aggs[int(policy)%len(aggs)]
		st, h, body := a.Merge(results)
		switch st {
		case 200, 502, 504:
		default:
			t.Fatalf("status %d", st)
		}
		c := h.Get(CompletedHeader)
		if c != "true" && c != "false" || st != 200 && c != "false" {
			t.Fatalf("status %d, %s %q", st, CompletedHeader, c)
		}
		if body != nil {
			v, err := decodeJSON(body) // numbers such as 1e700 stay valid
			if _, isObj := v.(map[string]any); err != nil || !isObj {
				t.Fatalf("body %q is not a json object: %v", body, err)
			}
			if h.Get("Content-Type") != "application/json" {
				t.Fatalf("body without a json content type: %v", h)
			}
		} else if st == 200 {
			t.Fatalf("200 without a body")
		}
		st2, h2, body2 := a.Merge(results)
		if st2 != st || !bytes.Equal(body2, body) || h2.Get(CompletedHeader) != c {
			t.Fatalf("second merge differs: %d %q vs %d %q", st2, body2, st, body)
		}
		for i := range results {
			if !bytes.Equal(results[i].Body, bodies[i]) {
				t.Fatalf("result %d modified", i)
			}
		}
	})
}
