package transform

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"
)

func ok(body string) BackendResult { return BackendResult{Status: 200, Body: []byte(body)} }

var (
	timedOut = BackendResult{Err: context.DeadlineExceeded, TimedOut: true}
	refused  = BackendResult{Err: errors.New("dial tcp 127.0.0.1:9: connection refused")}
)

func completed(v string) http.Header {
	return http.Header{CompletedHeader: {v}, "Content-Type": {"application/json"}}
}

func TestMerge(t *testing.T) {
	users := Backend{Service: "users", Path: "/users/1"}
	orders := Backend{Service: "orders", Path: "/orders"}
	for _, tc := range []struct {
		name       string
		cfg        Aggregation
		results    []BackendResult
		wantStatus int
		wantHeader http.Header
		wantBody   string
	}{
		{name: "objects merge, later keys win",
			cfg:        Aggregation{Backends: []Backend{users, orders}},
			results:    []BackendResult{ok(`{"id":1,"name":"ann","shared":"users"}`), ok(`{"count":3,"shared":"orders"}`)},
			wantStatus: 200, wantHeader: completed("true"),
			wantBody: `{"count":3,"id":1,"name":"ann","shared":"orders"}`},
		{name: "group nests the whole body",
			cfg:        Aggregation{Backends: []Backend{users, {Service: "orders", Group: "orders"}}},
			results:    []BackendResult{ok(`{"id":1}`), ok(`{"count":3,"items":[{"sku":"a"}]}`)},
			wantStatus: 200, wantHeader: completed("true"),
			wantBody: `{"id":1,"orders":{"count":3,"items":[{"sku":"a"}]}}`},
		{name: "arrays and scalars are grouped under the service",
			cfg:        Aggregation{Backends: []Backend{{Service: "tags"}, {Service: "count"}, {Service: "flag", Group: "enabled"}}},
			results:    []BackendResult{ok(`["a","b"]`), ok(` 42 `), ok(`true`)},
			wantStatus: 200, wantHeader: completed("true"),
			wantBody: `{"count":42,"enabled":true,"tags":["a","b"]}`},
		{name: "numbers stay exact and html unescaped",
			cfg:        Aggregation{Backends: []Backend{users}},
			results:    []BackendResult{ok(`{"big":123456789012345678901234567890,"f":2.50,"h":"<&>"}`)},
			wantStatus: 200, wantHeader: completed("true"),
			wantBody: `{"big":123456789012345678901234567890,"f":2.50,"h":"<&>"}`},
		{name: "allow keeps nested paths only",
			cfg: Aggregation{Backends: []Backend{{Service: "users",
				Allow: []string{"id", "profile.name", "missing", "profile.name.deeper", "list.0"}}}},
			results:    []BackendResult{ok(`{"id":1,"pw":"x","profile":{"name":"ann","ssn":"1"},"list":[1]}`)},
			wantStatus: 200, wantHeader: completed("true"),
			wantBody: `{"id":1,"profile":{"name":"ann"}}`},
		{name: "allow of a whole object wins over its children",
			cfg:        Aggregation{Backends: []Backend{{Service: "users", Allow: []string{"p.a", "p", "p.b"}}}},
			results:    []BackendResult{ok(`{"p":{"a":1,"b":2,"c":3},"q":0}`)},
			wantStatus: 200, wantHeader: completed("true"),
			wantBody: `{"p":{"a":1,"b":2,"c":3}}`},
		{name: "deny removes nested paths, not inside arrays",
			cfg:        Aggregation{Backends: []Backend{{Service: "users", Deny: []string{"pw", "profile.ssn", "list.0", "nope.x"}}}},
			results:    []BackendResult{ok(`{"id":1,"pw":"x","profile":{"name":"ann","ssn":"1"},"list":[1]}`)},
			wantStatus: 200, wantHeader: completed("true"),
			wantBody: `{"id":1,"list":[1],"profile":{"name":"ann"}}`},
		{name: "mapping renames at once, swaps, then groups",
			cfg: Aggregation{Backends: []Backend{{Service: "users", Group: "user",
				Mapping: map[string]string{"a": "b", "b": "a", "id": "user_id", "gone": "x"}}}},
			results:    []BackendResult{ok(`{"a":1,"b":2,"id":7}`)},
			wantStatus: 200, wantHeader: completed("true"),
			wantBody: `{"user":{"a":2,"b":1,"user_id":7}}`},
		{name: "filters then mapping",
			cfg: Aggregation{Backends: []Backend{{Service: "users",
				Allow: []string{"id"}, Mapping: map[string]string{"id": "user_id", "pw": "password"}}}},
			results:    []BackendResult{ok(`{"id":7,"pw":"x"}`)},
			wantStatus: 200, wantHeader: completed("true"),
			wantBody: `{"user_id":7}`},
		{name: "filters do not apply to arrays",
			cfg:        Aggregation{Backends: []Backend{{Service: "list", Deny: []string{"0"}, Mapping: map[string]string{"0": "x"}}}},
			results:    []BackendResult{ok(`[1,2]`)},
			wantStatus: 200, wantHeader: completed("true"),
			wantBody: `{"list":[1,2]}`},
		{name: "empty and null bodies contribute nothing",
			cfg:        Aggregation{Backends: []Backend{users, {Service: "audit", Group: "audit"}, {Service: "n", Group: "n"}}},
			results:    []BackendResult{ok(`{"id":1}`), {Status: 204}, ok(`null`)},
			wantStatus: 200, wantHeader: completed("true"),
			wantBody: `{"id":1}`},
		{name: "partial on timeout keeps what succeeded",
			cfg:        Aggregation{Backends: []Backend{users, {Service: "orders", Group: "orders"}}},
			results:    []BackendResult{ok(`{"id":1}`), timedOut},
			wantStatus: 200, wantHeader: completed("false"),
			wantBody: `{"id":1}`},
		{name: "partial with error details",
			cfg: Aggregation{Policy: PolicyPartial, Backends: []Backend{
				users,
				{Service: "orders", ReturnErrorDetails: "orders"},
				{Service: "ratings", ReturnErrorDetails: "ratings"},
				{Service: "stock", ReturnErrorDetails: "stock"},
				{Service: "quiet"},
			}},
			results:    []BackendResult{ok(`{"id":1}`), {Status: 404, Body: []byte("no such user\n")}, timedOut, refused, ok(`{x`)},
			wantStatus: 200, wantHeader: completed("false"),
			wantBody: `{"error_orders":{"error":"status 404","http_body":"no such user\n","http_status_code":404},` +
				`"error_ratings":{"error":"timed out"},` +
				`"error_stock":{"error":"dial tcp 127.0.0.1:9: connection refused"},"id":1}`},
		{name: "invalid json from a backend is a failure",
			cfg:        Aggregation{Backends: []Backend{users, {Service: "orders", ReturnErrorDetails: "o"}}},
			results:    []BackendResult{ok(`{"id":1}`), ok(`{"a":1}{`)},
			wantStatus: 200, wantHeader: completed("false"),
			wantBody: `{"error_o":{"error":"invalid json body: data after the json value","http_body":"{\"a\":1}{","http_status_code":200},"id":1}`},
		{name: "partial where all fail answers the first failure",
			cfg:        Aggregation{Backends: []Backend{users, orders}},
			results:    []BackendResult{timedOut, refused},
			wantStatus: 504, wantHeader: http.Header{CompletedHeader: {"false"}}},
		{name: "missing result is a failure, extra results ignored",
			cfg:        Aggregation{Backends: []Backend{users, {Service: "orders", ReturnErrorDetails: "orders"}}},
			results:    []BackendResult{ok(`{"id":1}`)},
			wantStatus: 200, wantHeader: completed("false"),
			wantBody: `{"error_orders":{"error":"transform: no result for backend"},"id":1}`},
		{name: "extra results ignored",
			cfg:        Aggregation{Backends: []Backend{users}},
			results:    []BackendResult{ok(`{"id":1}`), ok(`{"id":2}`)},
			wantStatus: 200, wantHeader: completed("true"),
			wantBody: `{"id":1}`},
		{name: "fail_fast answers the first failure in backend order: error",
			cfg:        Aggregation{Policy: PolicyFailFast, Backends: []Backend{users, orders, {Service: "stock"}}},
			results:    []BackendResult{ok(`{"id":1}`), refused, timedOut},
			wantStatus: 502, wantHeader: http.Header{CompletedHeader: {"false"}}},
		{name: "fail_fast answers the first failure in backend order: timeout",
			cfg:        Aggregation{Policy: PolicyFailFast, Backends: []Backend{users, orders, {Service: "stock"}}},
			results:    []BackendResult{ok(`{"id":1}`), timedOut, refused},
			wantStatus: 504, wantHeader: http.Header{CompletedHeader: {"false"}}},
		{name: "fail_fast with a non-2xx backend",
			cfg:        Aggregation{Policy: PolicyFailFast, Backends: []Backend{users}},
			results:    []BackendResult{{Status: 500, Body: []byte(`{"e":1}`)}},
			wantStatus: 502, wantHeader: http.Header{CompletedHeader: {"false"}}},
		{name: "fail_fast shows only error details",
			cfg: Aggregation{Policy: PolicyFailFast, Backends: []Backend{
				{Service: "users", ReturnErrorDetails: "users"}, {Service: "orders", ReturnErrorDetails: "orders"}}},
			results:    []BackendResult{ok(`{"id":1}`), timedOut},
			wantStatus: 504, wantHeader: completed("false"),
			wantBody: `{"error_orders":{"error":"timed out"}}`},
		{name: "fail_fast complete",
			cfg:        Aggregation{Policy: PolicyFailFast, Backends: []Backend{users, orders}},
			results:    []BackendResult{ok(`{"id":1}`), ok(`{"n":2}`)},
			wantStatus: 200, wantHeader: completed("true"),
			wantBody: `{"id":1,"n":2}`},
		{name: "require_all answers 502 even for a timeout",
			cfg:        Aggregation{Policy: PolicyRequireAll, Backends: []Backend{users, orders}},
			results:    []BackendResult{ok(`{"id":1}`), timedOut},
			wantStatus: 502, wantHeader: http.Header{CompletedHeader: {"false"}}},
		{name: "require_all complete",
			cfg:        Aggregation{Policy: PolicyRequireAll, Backends: []Backend{users, orders}},
			results:    []BackendResult{ok(`{"id":1}`), {Status: 201, Body: []byte(`{"n":2}`)}},
			wantStatus: 200, wantHeader: completed("true"),
			wantBody: `{"id":1,"n":2}`},
		{name: "invalid config answers 500",
			cfg:        Aggregation{},
			results:    []BackendResult{ok(`{}`)},
			wantStatus: 500, wantHeader: http.Header{CompletedHeader: {"false"}}},
		{name: "timed out wins over a status",
			cfg:        Aggregation{Policy: PolicyFailFast, Backends: []Backend{users}},
			results:    []BackendResult{{Status: 200, Body: []byte(`{}`), TimedOut: true}},
			wantStatus: 504, wantHeader: http.Header{CompletedHeader: {"false"}}},
		{name: "status zero is a failure",
			cfg:        Aggregation{Policy: PolicyFailFast, Backends: []Backend{users}},
			results:    []BackendResult{{Body: []byte(`{}`)}},
			wantStatus: 502, wantHeader: http.Header{CompletedHeader: {"false"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, h, body := Merge(tc.cfg, tc.results)
			if st != tc.wantStatus || string(body) != tc.wantBody {
				t.Errorf("got %d %s\nwant %d %s", st, body, tc.wantStatus, tc.wantBody)
			}
			if tc.wantBody == "" && body != nil {
				t.Errorf("body: got %q, want nil", body)
			}
			if !reflect.DeepEqual(h, tc.wantHeader) {
				t.Errorf("header: got %v, want %v", h, tc.wantHeader)
			}
		})
	}
}

// TestMergeKeepsResults checks Merge does not modify the caller's bodies.
func TestMergeKeepsResults(t *testing.T) {
	a, err := NewAggregator(Aggregation{Backends: []Backend{{Service: "u", Deny: []string{"x"}}}})
	if err != nil {
		t.Fatal(err)
	}
	in := []BackendResult{ok(`{"x":1,"y":2}`)}
	for range 2 {
		if _, _, body := a.Merge(in); string(body) != `{"y":2}` {
			t.Fatalf("got %s", body)
		}
	}
	if string(in[0].Body) != `{"x":1,"y":2}` {
		t.Errorf("result modified: %s", in[0].Body)
	}
}

func TestAggregationValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Aggregation
		want string
	}{
		{name: "valid", cfg: Aggregation{Policy: PolicyRequireAll, Backends: []Backend{
			{Service: "a", Path: "/a", Group: "g", Timeout: 1, Allow: []string{"x.y"}, Mapping: map[string]string{"x": "z"}, ReturnErrorDetails: "a"},
			{Service: "a", Path: "/b", Deny: []string{`a\.b`}, ReturnErrorDetails: "b"},
		}}},
		{name: "no backends", cfg: Aggregation{}, want: "transform: backends: want at least one backend"},
		{name: "unknown policy", cfg: Aggregation{Policy: "best_effort", Backends: []Backend{{Service: "a"}}},
			want: `transform: policy: unknown policy "best_effort" (want partial, fail_fast or require_all)`},
		{name: "no service", cfg: Aggregation{Backends: []Backend{{Service: "a"}, {}}}, want: "transform: backends[1].service: empty"},
		{name: "relative path", cfg: Aggregation{Backends: []Backend{{Service: "a", Path: "a"}}},
			want: `transform: backends[0].path: "a" does not start with /`},
		{name: "negative timeout", cfg: Aggregation{Backends: []Backend{{Service: "a", Timeout: -1}}},
			want: "transform: backends[0].timeout: negative (-1ns)"},
		{name: "duplicate group", cfg: Aggregation{Backends: []Backend{{Service: "a", Group: "g"}, {Service: "b", Group: "g"}}},
			want: `transform: backends[1].group: "g" is also backends[0]'s group`},
		{name: "duplicate error alias", cfg: Aggregation{Backends: []Backend{{Service: "a", ReturnErrorDetails: "e"}, {Service: "b", ReturnErrorDetails: "e"}}},
			want: `transform: backends[1].return_error_details: "e" is also backends[0]'s`},
		{name: "allow and deny", cfg: Aggregation{Backends: []Backend{{Service: "a", Allow: []string{"x"}, Deny: []string{"y"}}}},
			want: "transform: backends[0]: allow and deny exclude each other"},
		{name: "bad allow path", cfg: Aggregation{Backends: []Backend{{Service: "a", Allow: []string{"x", "y."}}}},
			want: `transform: backends[0].allow[1]: path "y.": empty segment at byte 2`},
		{name: "bad deny path", cfg: Aggregation{Backends: []Backend{{Service: "a", Deny: []string{""}}}},
			want: `transform: backends[0].deny[0]: path "": empty path at byte 0`},
		{name: "mapping empty key", cfg: Aggregation{Backends: []Backend{{Service: "a", Mapping: map[string]string{"": "x"}}}},
			want: `transform: backends[0].mapping[""]: empty key`},
		{name: "mapping empty name", cfg: Aggregation{Backends: []Backend{{Service: "a", Mapping: map[string]string{"a": ""}}}},
			want: `transform: backends[0].mapping["a"]: empty new name`},
		{name: "mapping onto itself", cfg: Aggregation{Backends: []Backend{{Service: "a", Mapping: map[string]string{"a": "a"}}}},
			want: `transform: backends[0].mapping["a"]: maps "a" onto itself`},
		{name: "mapping duplicate target", cfg: Aggregation{Backends: []Backend{{Service: "a", Mapping: map[string]string{"b": "x", "a": "x"}}}},
			want: `transform: backends[0].mapping["b"]: "x" is also the new name of "a"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("got %v", err)
				}
				return
			}
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got %v\nwant %s", err, tc.want)
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("%v does not match ErrInvalidConfig", err)
			}
			if _, nerr := NewAggregator(tc.cfg); nerr == nil || nerr.Error() != tc.want {
				t.Errorf("NewAggregator: got %v", nerr)
			}
		})
	}
}
