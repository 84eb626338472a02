package transform

import (
	"net/http"
	"reflect"
	"testing"
)

func TestHeaderOps(t *testing.T) {
	for _, tc := range []struct {
		name string
		ops  HeaderOps
		in   http.Header
		want http.Header
	}{
		{name: "remove existing and missing", ops: HeaderOps{Remove: []string{"x-a", "X-Missing"}},
			in: http.Header{"X-A": {"1", "2"}, "X-B": {"3"}}, want: http.Header{"X-B": {"3"}}},
		{name: "set replaces every value", ops: HeaderOps{Set: []HeaderValue{{"X-A", "new"}}},
			in: http.Header{"X-A": {"1", "2"}}, want: http.Header{"X-A": {"new"}}},
		{name: "set adds a missing header", ops: HeaderOps{Set: []HeaderValue{{"x-request-source", "baton"}}},
			in: http.Header{}, want: http.Header{"X-Request-Source": {"baton"}}},
		{name: "set over an empty value list", ops: HeaderOps{Set: []HeaderValue{{"X-A", "v"}}},
			in: http.Header{"X-A": {}}, want: http.Header{"X-A": {"v"}}},
		{name: "add appends", ops: HeaderOps{Add: []HeaderValue{{"Via", "1.1 baton"}}},
			in: http.Header{"Via": {"1.0 edge"}}, want: http.Header{"Via": {"1.0 edge", "1.1 baton"}}},
		{name: "add creates", ops: HeaderOps{Add: []HeaderValue{{"Via", "1.1 baton"}, {"Via", "2"}}},
			in: http.Header{}, want: http.Header{"Via": {"1.1 baton", "2"}}},
		{name: "rename moves every value", ops: HeaderOps{Rename: []Rename{{"X-Old", "X-New"}}},
			in: http.Header{"X-Old": {"1", "2"}}, want: http.Header{"X-New": {"1", "2"}}},
		{name: "rename onto an existing header replaces it", ops: HeaderOps{Rename: []Rename{{"X-Old", "x-new"}}},
			in: http.Header{"X-Old": {"1"}, "X-New": {"0"}}, want: http.Header{"X-New": {"1"}}},
		{name: "rename missing does nothing", ops: HeaderOps{Rename: []Rename{{"X-Old", "X-New"}}},
			in: http.Header{"X-New": {"0"}}, want: http.Header{"X-New": {"0"}}},
		{name: "remove runs before add", ops: HeaderOps{Add: []HeaderValue{{"X-A", "mine"}}, Remove: []string{"X-A"}},
			in: http.Header{"X-A": {"theirs"}}, want: http.Header{"X-A": {"mine"}}},
		{name: "rename runs before set", ops: HeaderOps{Set: []HeaderValue{{"X-New", "set"}}, Rename: []Rename{{"X-Old", "X-New"}}},
			in: http.Header{"X-Old": {"1"}}, want: http.Header{"X-New": {"set"}}},
		{name: "set runs before add", ops: HeaderOps{Add: []HeaderValue{{"X-A", "2"}}, Set: []HeaderValue{{"X-A", "1"}}},
			in: http.Header{"X-A": {"0", "0"}}, want: http.Header{"X-A": {"1", "2"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, side := range []string{"request", "response"} {
				var cfg Config
				if side == "request" {
					cfg.Request.Headers = tc.ops
				} else {
					cfg.Response.Headers = tc.ops
				}
				tr, err := Compile(cfg)
				if err != nil {
					t.Fatal(err)
				}
				h := tc.in.Clone()
				body := []byte(`{"untouched":true}`)
				var got []byte
				if side == "request" {
					got, err = tr.Request(h, body)
				} else {
					_, got, err = tr.Response(200, h, body)
				}
				if err != nil || !sameSlice(got, body) {
					t.Errorf("%s: body %s, err %v; want the input back", side, got, err)
				}
				if !reflect.DeepEqual(h, tc.want) {
					t.Errorf("%s: got %v, want %v", side, h, tc.want)
				}
			}
		})
	}
}

func TestIsJSONMediaType(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"application/json", true}, {"APPLICATION/JSON", true}, {" application/json ; charset=utf-8", true},
		{"application/vnd.api+json", true}, {"application/problem+JSON", true},
		{"text/plain", false}, {"application/jsonp", false}, {"+json", false}, {"/+json", false},
		{"application/+json", true}, {"", false}, {"json", false},
	} {
		if got := isJSONMediaType(tc.in); got != tc.want {
			t.Errorf("isJSONMediaType(%q): got %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestStatusMapping(t *testing.T) {
	tr, err := Compile(Config{Response: ResponseConfig{
		StatusMap: map[int]int{502: 503, 404: 200},
		StatusBodies: map[int]BodyOverride{
			503: {Body: `{"error":"unavailable","retry":true}`},
			500: {Body: "oops", ContentType: "text/plain; charset=utf-8"},
		},
		JSON:    []JSONOp{set("via", "baton")},
		Strict:  true,
		Headers: HeaderOps{Set: []HeaderValue{{"Content-Type", "application/json"}, {"X-Gw", "baton"}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		status     int
		header     http.Header
		body       string
		wantStatus int
		wantBody   string
		wantHeader http.Header
	}{
		{name: "mapped status gets the override body", status: 502,
			header: http.Header{"Content-Type": {"text/html"}, "Content-Length": {"9"}}, body: "<h1>bad</h1>",
			wantStatus: 503, wantBody: `{"error":"unavailable","retry":true}`,
			wantHeader: http.Header{"Content-Type": {"application/json"}, "Content-Length": {"36"}, "X-Gw": {"baton"}}},
		{name: "upstream status with an override", status: 503, header: http.Header{}, body: `{"upstream":1}`,
			wantStatus: 503, wantBody: `{"error":"unavailable","retry":true}`,
			wantHeader: http.Header{"Content-Type": {"application/json"}, "X-Gw": {"baton"}}},
		{name: "override with its own content type beats a header op", status: 500, header: http.Header{}, body: `{}`,
			wantStatus: 500, wantBody: "oops",
			wantHeader: http.Header{"Content-Type": {"text/plain; charset=utf-8"}, "X-Gw": {"baton"}}},
		{name: "mapped status without override runs json ops", status: 404, header: http.Header{}, body: `{"a":1}`,
			wantStatus: 200, wantBody: `{"a":1,"via":"baton"}`,
			wantHeader: http.Header{"Content-Type": {"application/json"}, "X-Gw": {"baton"}}},
		{name: "unmapped status passes", status: 201, header: http.Header{}, body: `{}`,
			wantStatus: 201, wantBody: `{"via":"baton"}`,
			wantHeader: http.Header{"Content-Type": {"application/json"}, "X-Gw": {"baton"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, got, err := tr.Response(tc.status, tc.header, []byte(tc.body))
			if err != nil || st != tc.wantStatus || string(got) != tc.wantBody {
				t.Errorf("got %d %s %v; want %d %s", st, got, err, tc.wantStatus, tc.wantBody)
			}
			if !reflect.DeepEqual(tc.header, tc.wantHeader) {
				t.Errorf("header: got %v, want %v", tc.header, tc.wantHeader)
			}
		})
	}
	// The override body handed out is the caller's to keep or modify.
	_, b1, _ := tr.Response(502, http.Header{}, nil)
	b1[0] = 'X'
	if _, b2, _ := tr.Response(502, http.Header{}, nil); string(b2) != `{"error":"unavailable","retry":true}` {
		t.Errorf("override shared with a caller: %s", b2)
	}
}

func TestNoOpsIsIdentity(t *testing.T) {
	tr, err := Compile(Config{})
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"A": {"1"}}
	body := []byte("not json")
	if got, err := tr.Request(h, body); err != nil || !sameSlice(got, body) {
		t.Errorf("Request: got %q, %v", got, err)
	}
	if st, got, err := tr.Response(418, h, body); st != 418 || err != nil || !sameSlice(got, body) {
		t.Errorf("Response: got %d %q, %v", st, got, err)
	}
	if !reflect.DeepEqual(h, http.Header{"A": {"1"}}) {
		t.Errorf("header changed: %v", h)
	}
}
