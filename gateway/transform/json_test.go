package transform

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// Shorthands for building op lists.
func set(p string, v any) JSONOp    { return JSONOp{Set: &FieldValue{Path: p, Value: v}} }
func add(p string, v any) JSONOp    { return JSONOp{Add: &FieldValue{Path: p, Value: v}} }
func remove(p string) JSONOp        { return JSONOp{Remove: p} }
func rename(from, to string) JSONOp { return JSONOp{Rename: &Rename{From: from, To: to}} }
func move(from, to string) JSONOp   { return JSONOp{Move: &Move{From: from, To: to}} }

func compileResponse(tb testing.TB, ops ...JSONOp) *Transformer {
	tb.Helper()
	tr, err := Compile(Config{Response: ResponseConfig{JSON: ops}})
	if err != nil {
		tb.Fatalf("Compile: %v", err)
	}
	return tr
}

// sameSlice reports whether a and b share their first byte: the
// "returned untouched" promise.
func sameSlice(a, b []byte) bool {
	return len(a) > 0 && len(b) > 0 && &a[0] == &b[0] && len(a) == len(b)
}

func TestJSONOps(t *testing.T) {
	const conflict = "transform: path conflicts with body: response.json"
	for _, tc := range []struct {
		name    string
		ops     []JSONOp
		in      string
		want    string // "" means the input, returned as the same slice
		wantErr string // exact error text, "" for none
	}{
		// set
		{name: "set new top-level field", ops: []JSONOp{set("b", 2)}, in: `{"a":1}`, want: `{"a":1,"b":2}`},
		{name: "set replaces", ops: []JSONOp{set("a", "x")}, in: `{"a":{"deep":[1]}}`, want: `{"a":"x"}`},
		{name: "set creates nested objects", ops: []JSONOp{set("a.b.c", true)}, in: `{}`, want: `{"a":{"b":{"c":true}}}`},
		{name: "set inside existing object", ops: []JSONOp{set("a.c", nil)}, in: `{"a":{"b":1}}`, want: `{"a":{"b":1,"c":null}}`},
		{name: "set array element field", ops: []JSONOp{set("items.1.id", 9)},
			in: `{"items":[{"id":1},{"id":2}]}`, want: `{"items":[{"id":1},{"id":9}]}`},
		{name: "set array element", ops: []JSONOp{set("0", "z")}, in: `[1,2]`, want: `["z",2]`},
		{name: "set numeric key on object", ops: []JSONOp{set("m.0", "y")}, in: `{"m":{"0":"x"}}`, want: `{"m":{"0":"y"}}`},
		{name: "set escaped dot key", ops: []JSONOp{set(`a\.b`, 1)}, in: `{"a":{"b":0}}`, want: `{"a":{"b":0},"a.b":1}`},
		{name: "set object and array values", ops: []JSONOp{set("o", map[string]any{"k": []any{1, "two", 3.5}})},
			in: `{}`, want: `{"o":{"k":[1,"two",3.5]}}`},
		{name: "set index out of range", ops: []JSONOp{set("items.5.id", 1)}, in: `{"items":[{"id":1},{"id":2}]}`,
			wantErr: conflict + `[0].set: index 5 out of range: "items" has 2 elements`},
		{name: "set index equal to length does not append", ops: []JSONOp{set("items.2", 1)}, in: `{"items":[0,1]}`,
			wantErr: conflict + `[0].set: index 2 out of range: "items" has 2 elements`},
		{name: "set through a string", ops: []JSONOp{set("a.b", 1)}, in: `{"a":"s"}`,
			wantErr: conflict + `[0].set: "a" is a string, not an object or array`},
		{name: "set through null", ops: []JSONOp{set("a.b.c", 1)}, in: `{"a":{"b":null}}`,
			wantErr: conflict + `[0].set: "a.b" is null, not an object or array`},
		{name: "set through a number", ops: []JSONOp{set("n.x", 1)}, in: `{"n":1.5}`,
			wantErr: conflict + `[0].set: "n" is a number, not an object or array`},
		{name: "set key on an array", ops: []JSONOp{set("x", 1)}, in: `[1]`,
			wantErr: conflict + `[0].set: "x" is not an index and the body is an array`},
		{name: "set leading-zero index is a key", ops: []JSONOp{set("l.01", 1)}, in: `{"l":[0,1]}`,
			wantErr: conflict + `[0].set: "01" is not an index and "l" is an array`},
		{name: "set on a scalar body", ops: []JSONOp{set("a", 1)}, in: `"text"`,
			wantErr: conflict + `[0].set: the body is a string, not an object or array`},

		// add
		{name: "add absent", ops: []JSONOp{add("a.b", "v")}, in: `{"x":0}`, want: `{"a":{"b":"v"},"x":0}`},
		{name: "add present keeps the value", ops: []JSONOp{add("a", "v")}, in: `{"a":1}`},
		{name: "add present array element keeps it", ops: []JSONOp{add("0", "v")}, in: `[1]`},
		{name: "add through a boolean", ops: []JSONOp{add("b.c", 1)}, in: `{"b":false}`,
			wantErr: conflict + `[0].add: "b" is a boolean, not an object or array`},

		// remove
		{name: "remove nested", ops: []JSONOp{remove("a.b")}, in: `{"a":{"b":1,"c":2}}`, want: `{"a":{"c":2}}`},
		{name: "remove array element", ops: []JSONOp{remove("items.1")}, in: `{"items":[1,2,3]}`, want: `{"items":[1,3]}`},
		{name: "remove last array element", ops: []JSONOp{remove("2")}, in: `[1,2,3]`, want: `[1,2]`},
		{name: "remove missing path", ops: []JSONOp{remove("a.x")}, in: `{"a":{"b":1}}`},
		{name: "remove index out of range", ops: []JSONOp{remove("items.3")}, in: `{"items":[1,2,3]}`},
		{name: "remove through a non-object", ops: []JSONOp{remove("a.b")}, in: `{"a":1}`},

		// rename
		{name: "rename nested", ops: []JSONOp{rename("a.old", "new")}, in: `{"a":{"old":1}}`, want: `{"a":{"new":1}}`},
		{name: "rename onto an existing key replaces it", ops: []JSONOp{rename("a", "b")}, in: `{"a":1,"b":2}`, want: `{"b":1}`},
		{name: "rename missing", ops: []JSONOp{rename("a.x", "y")}, in: `{"a":{}}`},
		{name: "rename through a non-object", ops: []JSONOp{rename("a.b", "c")}, in: `{"a":"s"}`},
		{name: "rename an array element", ops: []JSONOp{rename("l.0", "x")}, in: `{"l":[1]}`,
			wantErr: conflict + `[0].rename: "l.0" is an array element, not a key`},
		{name: "rename a missing array element", ops: []JSONOp{rename("l.4", "x")}, in: `{"l":[1]}`},

		// move
		{name: "move into a new nested object", ops: []JSONOp{move("a", "x.y.z")}, in: `{"a":1}`, want: `{"x":{"y":{"z":1}}}`},
		{name: "move onto an existing value replaces it", ops: []JSONOp{move("a", "b")}, in: `{"a":1,"b":{"c":2}}`, want: `{"b":1}`},
		{name: "move into an existing object", ops: []JSONOp{move("a", "b.a")}, in: `{"a":1,"b":{"c":2}}`, want: `{"b":{"a":1,"c":2}}`},
		{name: "move an array element out", ops: []JSONOp{move("items.0", "first")}, in: `{"items":[1,2]}`, want: `{"first":1,"items":[2]}`},
		{name: "move under itself wraps", ops: []JSONOp{move("a", "a.b")}, in: `{"a":[1]}`, want: `{"a":{"b":[1]}}`},
		{name: "move indices count after removal", ops: []JSONOp{move("l.0", "l.1")}, in: `{"l":[1,2,3]}`, want: `{"l":[2,1]}`},
		{name: "move missing", ops: []JSONOp{move("nope", "x")}, in: `{"a":1}`},
		{name: "move blocked leaves the body", ops: []JSONOp{move("a", "s.t")}, in: `{"a":1,"s":"str"}`,
			wantErr: conflict + `[0].move: "s" is a string, not an object or array`},
		{name: "move blocked restores an array element", ops: []JSONOp{move("l.0", "s.x"), set("n", 1)},
			in: `{"l":[1,2],"s":0}`, want: `{"l":[1,2],"n":1,"s":0}`,
			wantErr: conflict + `[0].move: "s" is a number, not an object or array`},
		{name: "move past the shortened array", ops: []JSONOp{move("l.0", "l.1")}, in: `{"l":[1,2]}`,
			wantErr: conflict + `[0].move: index 1 out of range: "l" has 1 elements`},

		// several
		{name: "declaration order", ops: []JSONOp{set("a", 1), rename("a", "b"), move("b", "c.d"), remove("x"), add("c.d", 5)},
			in: `{"x":true}`, want: `{"c":{"d":1}}`},
		{name: "later op sees earlier op", ops: []JSONOp{remove("a"), add("a", "new")}, in: `{"a":"old"}`, want: `{"a":"new"}`},
		{name: "two conflicts, other ops apply", ops: []JSONOp{set("s.x", 1), set("ok", 1), remove("nothing"), move("n", "s.y")},
			in: `{"n":0,"s":"v"}`, want: `{"n":0,"ok":1,"s":"v"}`,
			wantErr: conflict + `[0].set: "s" is a string, not an object or array` + "\n" +
				conflict + `[3].move: "s" is a string, not an object or array`},

		// encoding
		{name: "numbers stay exact", ops: []JSONOp{set("x", 1)},
			in:   `{"big":12345678901234567890123,"f":1.50,"e":1e400,"neg":-0}`,
			want: `{"big":12345678901234567890123,"e":1e400,"f":1.50,"neg":-0,"x":1}`},
		{name: "html is not escaped", ops: []JSONOp{set("x", "<b>&</b>")}, in: `{"h":"<a>"}`, want: `{"h":"<a>","x":"<b>&</b>"}`},
		{name: "whitespace is compacted", ops: []JSONOp{remove("b")}, in: " {\n \"a\" : [ 1 , 2 ],\n \"b\": 0 }\n", want: `{"a":[1,2]}`},
		{name: "config float and big int", ops: []JSONOp{set("f", 0.1), set("i", int64(1)<<60)}, in: `{}`,
			want: `{"f":0.1,"i":1152921504606846976}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := compileResponse(t, tc.ops...)
			in := []byte(tc.in)
			h := http.Header{}
			st, got, err := tr.Response(200, h, in)
			if st != 200 {
				t.Errorf("status: got %d, want 200", st)
			}
			if tc.wantErr == "" && err != nil {
				t.Errorf("err: got %v, want nil", err)
			}
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Errorf("err: got %v\nwant %s", err, tc.wantErr)
				} else if !errors.Is(err, ErrPathConflict) {
					t.Errorf("err %v does not match ErrPathConflict", err)
				}
			}
			if tc.want == "" {
				if !sameSlice(got, in) {
					t.Errorf("body: got %s, want the input slice back", got)
				}
				return
			}
			if string(got) != tc.want {
				t.Errorf("body: got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestJSONOpsSharedValue checks a compiled object value is copied into
// each body: a later op that edits it must not change what the next
// request gets.
func TestJSONOpsSharedValue(t *testing.T) {
	tr := compileResponse(t, set("o", map[string]any{"k": []any{1}}), set("o.k.0", 2), set("o.n", true))
	for i := range 3 {
		_, got, err := tr.Response(200, http.Header{}, []byte(`{}`))
		if want := `{"o":{"k":[2],"n":true}}`; err != nil || string(got) != want {
			t.Fatalf("run %d: got %s, %v; want %s", i, got, err, want)
		}
	}
}

func TestBodyPassThrough(t *testing.T) {
	strictReq, err := Compile(Config{Request: RequestConfig{JSON: []JSONOp{set("x", 1)}, Strict: true}})
	if err != nil {
		t.Fatal(err)
	}
	lenient, err := Compile(Config{
		Request:  RequestConfig{JSON: []JSONOp{set("x", 1)}},
		Response: ResponseConfig{JSON: []JSONOp{set("x", 1)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	strictResp, err := Compile(Config{Response: ResponseConfig{JSON: []JSONOp{set("x", 1)}, Strict: true}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		tr         *Transformer
		response   bool
		ct         string // Content-Type, "" for none
		in         string
		want       string // body; "=" for the input slice, "nil" for nil
		wantStatus int    // response status or the *Error status (0: no *Error)
		wantErr    string
		wantIs     error
	}{
		{name: "json without content type", tr: lenient, in: `{}`, want: `{"x":1}`},
		{name: "json content type with parameters", tr: lenient, ct: "Application/JSON; charset=utf-8", in: `{}`, want: `{"x":1}`},
		{name: "structured +json type", tr: lenient, ct: "application/problem+json", in: `{}`, want: `{"x":1}`},
		{name: "empty content type sniffs", tr: lenient, ct: "", in: `{}`, want: `{"x":1}`},
		{name: "empty body", tr: lenient, ct: "application/json", in: ``, want: "="},
		{name: "text body", tr: lenient, ct: "text/plain", in: `{}`, want: "=",
			wantErr: `transform: body is not json: request content type "text/plain"`, wantIs: ErrNotJSON},
		{name: "bare +json is not a type", tr: lenient, ct: "+json", in: `{}`, want: "=",
			wantErr: `transform: body is not json: request content type "+json"`, wantIs: ErrNotJSON},
		{name: "truncated json", tr: lenient, in: `{"a":`, want: "=",
			wantErr: `transform: invalid json body: request: unexpected EOF`, wantIs: ErrInvalidJSON},
		{name: "trailing data", tr: lenient, in: `{} {}`, want: "=",
			wantErr: `transform: invalid json body: request: data after the json value`, wantIs: ErrInvalidJSON},
		{name: "not json at all", tr: lenient, in: `hello`, want: "=",
			wantErr: `transform: invalid json body: request: invalid character 'h' looking for beginning of value`, wantIs: ErrInvalidJSON},
		{name: "response report", tr: lenient, response: true, ct: "text/html", in: `<p>`, want: "=", wantStatus: 200,
			wantErr: `transform: body is not json: response content type "text/html"`, wantIs: ErrNotJSON},
		{name: "strict request refuses text", tr: strictReq, ct: "text/plain", in: `{}`, want: "nil", wantStatus: 400,
			wantErr: `transform: body is not json: request content type "text/plain"`, wantIs: ErrNotJSON},
		{name: "strict request refuses invalid json", tr: strictReq, in: `[`, want: "nil", wantStatus: 400,
			wantErr: `transform: invalid json body: request: unexpected EOF`, wantIs: ErrInvalidJSON},
		{name: "strict request passes empty body", tr: strictReq, in: ``, want: "="},
		{name: "strict request transforms json", tr: strictReq, in: `{"a":[]}`, want: `{"a":[],"x":1}`},
		{name: "strict response refuses with 502", tr: strictResp, response: true, in: `nope`, want: "nil", wantStatus: 502,
			wantErr: `transform: invalid json body: response: invalid character 'o' in literal null (expecting 'u')`, wantIs: ErrInvalidJSON},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.ct != "" {
				h.Set("Content-Type", tc.ct)
			}
			in := []byte(tc.in)
			var got []byte
			var err error
			status := 0
			if tc.response {
				status, got, err = tc.tr.Response(200, h, in)
			} else {
				got, err = tc.tr.Request(h, in)
			}
			switch tc.want {
			case "=":
				if len(in) > 0 && !sameSlice(got, in) || len(in) == 0 && len(got) != 0 {
					t.Errorf("body: got %q, want the input slice back", got)
				}
			case "nil":
				if got != nil {
					t.Errorf("body: got %q, want nil", got)
				}
			default:
				if string(got) != tc.want {
					t.Errorf("body: got %s, want %s", got, tc.want)
				}
			}
			if (err == nil) != (tc.wantErr == "") || err != nil && err.Error() != tc.wantErr {
				t.Errorf("err: got %v, want %q", err, tc.wantErr)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("err %v does not match %v", err, tc.wantIs)
			}
			var te *Error
			isErr := errors.As(err, &te)
			switch {
			case tc.response && tc.wantStatus != status:
				t.Errorf("status: got %d, want %d", status, tc.wantStatus)
			case !tc.response && tc.wantStatus != 0 && (!isErr || te.Status != tc.wantStatus):
				t.Errorf("got %v, want *Error with status %d", err, tc.wantStatus)
			case !tc.response && tc.wantStatus == 0 && isErr:
				t.Errorf("got *Error %v, want a report", err)
			}
			if tc.response && isErr != (tc.wantStatus == 502) {
				t.Errorf("got *Error %v: %v", err, isErr)
			}
		})
	}
}

func TestContentLength(t *testing.T) {
	tr := compileResponse(t, set("x", "yz"))
	h := http.Header{"Content-Length": {"2"}, "Content-Type": {"application/json"}}
	_, got, err := tr.Response(200, h, []byte(`{}`))
	if err != nil || string(got) != `{"x":"yz"}` {
		t.Fatalf("got %s, %v", got, err)
	}
	if cl := h.Values("Content-Length"); len(cl) != 1 || cl[0] != "10" {
		t.Errorf("Content-Length: got %q, want [10]", cl)
	}
	// Without a Content-Length the server frames the body: none is added.
	h = http.Header{}
	if _, _, err := tr.Response(200, h, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if _, ok := h["Content-Length"]; ok {
		t.Errorf("Content-Length added: %v", h)
	}
}

func TestRequestBody(t *testing.T) {
	tr, err := Compile(Config{Request: RequestConfig{JSON: []JSONOp{
		move("user.password", "secret"), remove("secret"), set("meta.via", "baton"),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Content-Type": {"application/json"}, "Content-Length": {"47"}}
	got, err := tr.Request(h, []byte(`{"user":{"name":"ann","password":"hunter2"}}`))
	if want := `{"meta":{"via":"baton"},"user":{"name":"ann"}}`; err != nil || string(got) != want {
		t.Fatalf("got %s, %v; want %s", got, err, want)
	}
	if got, want := h.Get("Content-Length"), "46"; got != want {
		t.Errorf("Content-Length: got %s, want %s", got, want)
	}
	if !strings.Contains(string(got), "ann") {
		t.Errorf("lost data: %s", got)
	}
}
