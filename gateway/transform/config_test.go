package transform

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string // exact error, "" for valid
	}{
		{name: "zero config", cfg: Config{}},
		{name: "everything valid", cfg: Config{
			Request: RequestConfig{
				Headers: HeaderOps{Add: []HeaderValue{{"Via", "baton"}}, Remove: []string{"Connection", "Proxy-Authorization"},
					Rename: []Rename{{"X-A", "X-B"}}, Set: []HeaderValue{{"X-C", "tab\tok"}}},
				JSON: []JSONOp{set("a.b", 1), add("c", nil), remove("d.0"), rename("e.f", "g"), move("h", "i.j")},
			},
			Response: ResponseConfig{
				StatusMap:    map[int]int{502: 503, 100: 200},
				StatusBodies: map[int]BodyOverride{503: {Body: `{}`}, 500: {Body: "text", ContentType: "text/plain"}},
			},
		}},
		{name: "hop-by-hop set", cfg: Config{Request: RequestConfig{Headers: HeaderOps{Set: []HeaderValue{{"connection", "close"}}}}},
			want: `transform: request.headers.set[0].name: "connection" is a hop-by-hop header and cannot be set`},
		{name: "hop-by-hop add", cfg: Config{Response: ResponseConfig{Headers: HeaderOps{Add: []HeaderValue{{"X-A", "1"}, {"Transfer-Encoding", "chunked"}}}}},
			want: `transform: response.headers.add[1].name: "Transfer-Encoding" is a hop-by-hop header and cannot be set`},
		{name: "hop-by-hop TE", cfg: Config{Response: ResponseConfig{Headers: HeaderOps{Set: []HeaderValue{{"TE", "trailers"}}}}},
			want: `transform: response.headers.set[0].name: "TE" is a hop-by-hop header and cannot be set`},
		{name: "proxy family", cfg: Config{Request: RequestConfig{Headers: HeaderOps{Set: []HeaderValue{{"Proxy-Authenticate", "x"}}}}},
			want: `transform: request.headers.set[0].name: "Proxy-Authenticate" is a hop-by-hop header and cannot be set`},
		{name: "rename onto hop-by-hop", cfg: Config{Request: RequestConfig{Headers: HeaderOps{Rename: []Rename{{"X-Up", "Upgrade"}}}}},
			want: `transform: request.headers.rename[0].to: "Upgrade" is a hop-by-hop header and cannot be set`},
		{name: "keep-alive, trailer", cfg: Config{Request: RequestConfig{Headers: HeaderOps{Add: []HeaderValue{{"Trailer", "x"}}}}},
			want: `transform: request.headers.add[0].name: "Trailer" is a hop-by-hop header and cannot be set`},
		{name: "content-length", cfg: Config{Request: RequestConfig{Headers: HeaderOps{Set: []HeaderValue{{"Content-Length", "3"}}}}},
			want: `transform: request.headers.set[0].name: Content-Length follows the body and cannot be set`},
		{name: "bad header name", cfg: Config{Request: RequestConfig{Headers: HeaderOps{Remove: []string{"X A"}}}},
			want: `transform: request.headers.remove[0]: invalid header name "X A"`},
		{name: "empty header name", cfg: Config{Request: RequestConfig{Headers: HeaderOps{Add: []HeaderValue{{"", "v"}}}}},
			want: `transform: request.headers.add[0].name: invalid header name ""`},
		{name: "header value with newline", cfg: Config{Response: ResponseConfig{Headers: HeaderOps{Set: []HeaderValue{{"X-A", "a\r\nX-Evil: 1"}}}}},
			want: `transform: response.headers.set[0].value: invalid header value "a\r\nX-Evil: 1"`},
		{name: "header rename onto itself", cfg: Config{Request: RequestConfig{Headers: HeaderOps{Rename: []Rename{{"x-a", "X-A"}}}}},
			want: `transform: request.headers.rename[0]: renames "x-a" onto itself`},
		{name: "op with no key", cfg: Config{Response: ResponseConfig{JSON: []JSONOp{set("a", 1), {}}}},
			want: `transform: response.json[1]: want exactly one of add, set, remove, rename, move; got 0`},
		{name: "op with two keys", cfg: Config{Response: ResponseConfig{JSON: []JSONOp{{Remove: "a", Move: &Move{"b", "c"}}}}},
			want: `transform: response.json[0]: want exactly one of add, set, remove, rename, move; got 2`},
		{name: "bad set path", cfg: Config{Request: RequestConfig{JSON: []JSONOp{set("a..b", 1)}}},
			want: `transform: request.json[0].set.path: path "a..b": empty segment at byte 2`},
		{name: "unmarshalable value", cfg: Config{Request: RequestConfig{JSON: []JSONOp{add("a", map[any]any{1: 2})}}},
			want: `transform: request.json[0].add.value: not representable as json: json: unsupported type: map[interface {}]interface {}`},
		{name: "bad remove path", cfg: Config{Response: ResponseConfig{JSON: []JSONOp{remove(`a\x`)}}},
			want: `transform: response.json[0].remove: path "a\\x": bad escape (only \. and \\) at byte 1`},
		{name: "rename to a path", cfg: Config{Response: ResponseConfig{JSON: []JSONOp{rename("a.b", "c.d")}}},
			want: `transform: response.json[0].rename.to: want a key, not a path ("c.d"); use move to change objects`},
		{name: "rename onto itself", cfg: Config{Response: ResponseConfig{JSON: []JSONOp{rename("a.b", "b")}}},
			want: `transform: response.json[0].rename: renames "a.b" onto itself`},
		{name: "rename bad from", cfg: Config{Response: ResponseConfig{JSON: []JSONOp{rename(".", "b")}}},
			want: `transform: response.json[0].rename.from: path ".": empty segment at byte 0`},
		{name: "move onto itself", cfg: Config{Response: ResponseConfig{JSON: []JSONOp{remove("x"), remove("y"), move(`a\.b`, `a\.b`)}}},
			want: `transform: response.json[2].move: moves "a\\.b" onto itself`},
		{name: "move bad to", cfg: Config{Response: ResponseConfig{JSON: []JSONOp{move("a", "")}}},
			want: `transform: response.json[0].move.to: path "": empty path at byte 0`},
		{name: "upstream status out of range", cfg: Config{Response: ResponseConfig{StatusMap: map[int]int{600: 200, 99: 200}}},
			want: `transform: response.status_map[99]: upstream status 99 out of range 100..599`},
		{name: "client status 1xx", cfg: Config{Response: ResponseConfig{StatusMap: map[int]int{502: 101}}},
			want: `transform: response.status_map[502]: client status 101 out of range 200..599`},
		{name: "override status out of range", cfg: Config{Response: ResponseConfig{StatusBodies: map[int]BodyOverride{700: {Body: "{}"}}}},
			want: `transform: response.status_bodies[700]: client status 700 out of range 200..599`},
		{name: "override of 204", cfg: Config{Response: ResponseConfig{StatusBodies: map[int]BodyOverride{204: {Body: "{}"}}}},
			want: `transform: response.status_bodies[204]: status 204 has no body`},
		{name: "override not json", cfg: Config{Response: ResponseConfig{StatusBodies: map[int]BodyOverride{503: {Body: "down"}}}},
			want: `transform: response.status_bodies[503].body: not valid json (content type application/json)`},
		{name: "override bad content type", cfg: Config{Response: ResponseConfig{StatusBodies: map[int]BodyOverride{503: {Body: "x", ContentType: "a\nb"}}}},
			want: `transform: response.status_bodies[503].content_type: invalid header value "a\nb"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				if _, err := Compile(tc.cfg); err != nil {
					t.Fatalf("Compile: %v", err)
				}
				return
			}
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got %v\nwant %s", err, tc.want)
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("%v does not match ErrInvalidConfig", err)
			}
			if _, cerr := Compile(tc.cfg); cerr == nil || cerr.Error() != tc.want {
				t.Errorf("Compile: got %v, want the Validate error", cerr)
			}
		})
	}
}

func TestConfigPathErrorUnwraps(t *testing.T) {
	err := Config{Request: RequestConfig{JSON: []JSONOp{remove("a.")}}}.Validate()
	var pe *PathError
	if !errors.As(err, &pe) || pe.Path != "a." || pe.Offset != 2 {
		t.Fatalf("got %v (%#v), want a *PathError at byte 2", err, pe)
	}
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "request.json[0].remove" {
		t.Fatalf("got %#v, want field request.json[0].remove", ce)
	}
}

const configYAML = `
request:
  headers:
    set:
      - {name: X-Gateway, value: baton}
    remove: [Cookie]
  json:
    - set: {path: meta.source, value: {name: gw, tags: [a, b], weight: 0.25}}
    - move: {from: user.pass, to: secret.pass}
  strict: true
response:
  headers:
    add:
      - {name: Via, value: 1.1 baton}
    rename:
      - {from: X-Upstream-Id, to: X-Request-Id}
  json:
    - remove: internal
    - rename: {from: data.uid, to: id}
    - add: {path: data.version, value: 2}
  status_map: {502: 503, 504: 503}
  status_bodies:
    503: {body: '{"error":"unavailable"}'}
`

func TestConfigYAML(t *testing.T) {
	dec := yaml.NewDecoder(strings.NewReader(configYAML))
	dec.KnownFields(true)
	var got Config
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := Config{
		Request: RequestConfig{
			Headers: HeaderOps{Set: []HeaderValue{{"X-Gateway", "baton"}}, Remove: []string{"Cookie"}},
			JSON: []JSONOp{
				set("meta.source", map[string]any{"name": "gw", "tags": []any{"a", "b"}, "weight": 0.25}),
				move("user.pass", "secret.pass"),
			},
			Strict: true,
		},
		Response: ResponseConfig{
			Headers:      HeaderOps{Add: []HeaderValue{{"Via", "1.1 baton"}}, Rename: []Rename{{"X-Upstream-Id", "X-Request-Id"}}},
			JSON:         []JSONOp{remove("internal"), rename("data.uid", "id"), add("data.version", 2)},
			StatusMap:    map[int]int{502: 503, 504: 503},
			StatusBodies: map[int]BodyOverride{503: {Body: `{"error":"unavailable"}`}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %#v\nwant %#v", got, want)
	}
	tr, err := Compile(got)
	if err != nil {
		t.Fatal(err)
	}
	out, err := tr.Request(map[string][]string{"Cookie": {"c=1"}}, []byte(`{"user":{"pass":"pw"}}`))
	if want := `{"meta":{"source":{"name":"gw","tags":["a","b"],"weight":0.25}},"secret":{"pass":"pw"},"user":{}}`; err != nil || string(out) != want {
		t.Errorf("Request: got %s, %v; want %s", out, err, want)
	}

	// Unknown fields are refused by a strict decoder, so typos surface.
	dec = yaml.NewDecoder(strings.NewReader("response:\n  jsn: []\n"))
	dec.KnownFields(true)
	if err := dec.Decode(&got); err == nil || !strings.Contains(err.Error(), "field jsn not found") {
		t.Errorf("unknown field: got %v", err)
	}
}

// TestConfigJSON checks the JSON form round-trips, including int map keys.
func TestConfigJSON(t *testing.T) {
	cfg := Config{Response: ResponseConfig{
		JSON:         []JSONOp{set("a", "b"), remove("c")},
		StatusMap:    map[int]int{502: 503},
		StatusBodies: map[int]BodyOverride{503: {Body: `{}`}},
	}}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"response":{"json":[{"set":{"path":"a","value":"b"}},{"remove":"c"}],"status_map":{"502":503},"status_bodies":{"503":{"body":"{}"}}}}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var back Config
	if err := dec.Decode(&back); err != nil || !reflect.DeepEqual(back, cfg) {
		t.Fatalf("round trip: got %#v, %v", back, err)
	}
}

func TestAggregationYAML(t *testing.T) {
	const doc = `
policy: fail_fast
backends:
  - service: users
    path: /users/1
    timeout: 250ms
    allow: [id, profile.name]
    mapping: {id: user_id}
  - service: orders
    path: /orders?user=1
    group: orders
    deny: [internal]
    return_error_details: orders
`
	dec := yaml.NewDecoder(strings.NewReader(doc))
	dec.KnownFields(true)
	var got Aggregation
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := Aggregation{Policy: PolicyFailFast, Backends: []Backend{
		{Service: "users", Path: "/users/1", Timeout: 250 * time.Millisecond, Allow: []string{"id", "profile.name"},
			Mapping: map[string]string{"id": "user_id"}},
		{Service: "orders", Path: "/orders?user=1", Group: "orders", Deny: []string{"internal"}, ReturnErrorDetails: "orders"},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %#v\nwant %#v", got, want)
	}
	if err := got.Validate(); err != nil {
		t.Fatal(err)
	}
}
