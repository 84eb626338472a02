package load_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim/load"
)

// TestMixShares draws 100000 requests and checks the exact count per
// class and per request for the seed, each within 2 % of its share.
func TestMixShares(t *testing.T) {
	m := must(load.NewMix([]scenarios.ClientClass{
		{Name: "mobile", Share: 0.7, Requests: []scenarios.RequestTemplate{
			{Path: "/feed", Weight: 3},
			{Path: "/items", Weight: 1},
		}},
		{Name: "web", Share: 0.2},
		{Name: "partner", Share: 0.1},
		{Name: "retired", Share: 0},
	}, []string{"/a", "/b"}))
	if got, want := m.Classes(), []string{"mobile", "web", "partner", "retired"}; !slices.Equal(got, want) {
		t.Errorf("Classes() = %v, want %v", got, want)
	}
	const n = 100000
	r := newRand(21)
	var req load.Request
	counts := map[string]int{}
	for range n {
		m.Next(r, &req)
		counts[req.Class]++
		counts[req.Class+" "+req.Path]++
	}
	want := map[string]int{
		"mobile": 69944, "mobile /feed": 52261, "mobile /items": 17683,
		"web": 20105, "web /a": 10125, "web /b": 9980,
		"partner": 9951, "partner /a": 4982, "partner /b": 4969,
	}
	share := map[string]float64{
		"mobile": 0.7, "mobile /feed": 0.525, "mobile /items": 0.175,
		"web": 0.2, "web /a": 0.1, "web /b": 0.1,
		"partner": 0.1, "partner /a": 0.05, "partner /b": 0.05,
	}
	for k, w := range want {
		if counts[k] != w {
			t.Errorf("%s: %d requests, want %d for seed 21", k, counts[k], w)
		}
		if exp := share[k] * n; math.Abs(float64(counts[k])-exp) > 0.02*exp {
			t.Errorf("%s: %d requests, share %v: off by more than 2 %%", k, counts[k], share[k])
		}
	}
	if len(counts) != len(want) {
		t.Errorf("drew %v, want only %v", counts, want)
	}
}

func header(req *load.Request, name string) string {
	var vals []string
	for _, h := range req.Header {
		if h.Name == name {
			vals = append(vals, h.Value)
		}
	}
	return strings.Join(vals, ",")
}

func TestMixRequest(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte("ann:secret"))
	tests := []struct {
		name  string
		class scenarios.ClientClass
		want  string // method path headers | body, for seed 2
	}{
		{"plain", scenarios.ClientClass{Name: "c", Requests: []scenarios.RequestTemplate{{Path: "/health"}}},
			"c GET /health []"},
		{"api key", scenarios.ClientClass{Name: "c", APIKey: "k-1", Requests: []scenarios.RequestTemplate{{Path: "/x"}}},
			"c GET /x [{Apikey k-1}]"},
		{"api key header", scenarios.ClientClass{Name: "c", APIKey: "k-1", APIKeyHeader: "x-api-key", Requests: []scenarios.RequestTemplate{{Path: "/x"}}},
			"c GET /x [{X-Api-Key k-1}]"},
		{"bearer", scenarios.ClientClass{Name: "c", Bearer: "tok", Requests: []scenarios.RequestTemplate{{Path: "/x"}}},
			"c GET /x [{Authorization Bearer tok}]"},
		{"basic", scenarios.ClientClass{Name: "c", Basic: "ann:secret", Requests: []scenarios.RequestTemplate{{Path: "/x"}}},
			"c GET /x [{Authorization Basic " + basic + "}]"},
		{"many consumers", scenarios.ClientClass{Name: "c", Basic: "user{u:int:1-100}:pw{u}", Requests: []scenarios.RequestTemplate{{Path: "/users/{u}"}}},
			"c GET /users/79 [{Authorization Basic " + base64.StdEncoding.EncodeToString([]byte("user79:pw79")) + "}]"},
		{"tenant in key and path", scenarios.ClientClass{Name: "c", APIKey: "tenant-{tenant:int:1-50}", Requests: []scenarios.RequestTemplate{{Path: "/t/{tenant}/items/{id:int:1-9}"}}},
			"c GET /t/40/items/6 [{Apikey tenant-40}]"},
		{"headers and body", scenarios.ClientClass{Name: "c",
			Headers: map[string]string{"x-client": "batch", "accept": "application/json"},
			Requests: []scenarios.RequestTemplate{{
				Method:  "POST",
				Path:    "/orders",
				Headers: map[string]string{"Idempotency-Key": "{uuid}", "content-type": "application/json"},
				Body:    `{{"sku": {sku:zipf:1.2:500}, "qty": {int:1-3}}}`,
			}}},
			`c POST /orders [{Accept application/json} {X-Client batch} {Content-Type application/json} {Idempotency-Key c86ca03a-80f0-4739-9d9e-a52ba8c7adf2}] | {"sku": 295, "qty": 1}`},
		{"uniform key", scenarios.ClientClass{Name: "c", Key: &scenarios.KeyDist{N: 1000}, Requests: []scenarios.RequestTemplate{{Path: "/k/{key}"}}},
			"c GET /k/783 [{X-Baton-Key 783}] key 783"},
		{"zipf key", scenarios.ClientClass{Name: "c", Key: &scenarios.KeyDist{Dist: scenarios.KeyZipf, N: 1000, S: 1.1, Header: "x-user"}, Requests: []scenarios.RequestTemplate{{Path: "/k"}}},
			"c GET /k [{X-User 26}] key 26"},
		{"literal braces in default paths", scenarios.ClientClass{Name: "c"},
			"c GET /{odd} []"},
	}
	for _, tc := range tests {
		m, err := load.NewMix([]scenarios.ClientClass{tc.class}, []string{"/{odd}"})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var req load.Request
		m.Next(newRand(2), &req)
		got := fmt.Sprintf("%s %s %s %v", req.Class, req.Method, req.Path, req.Header)
		if len(req.Body) > 0 {
			got += " | " + string(req.Body)
		}
		if req.Key != 0 {
			got += fmt.Sprintf(" key %d", req.Key)
		}
		if got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

// TestMixDeterminism checks that Next depends only on the seed, draws
// from r exactly once, and survives a Request being reused or copied.
func TestMixDeterminism(t *testing.T) {
	m := must(load.NewMix([]scenarios.ClientClass{
		{Name: "a", Share: 2, Bearer: "t-{int:1-9}", Key: &scenarios.KeyDist{Dist: scenarios.KeyZipf, N: 50},
			Requests: []scenarios.RequestTemplate{{Path: "/a/{key}/{uuid}", Body: "{choice:x|y}"}}},
		{Name: "b", Share: 1, Requests: []scenarios.RequestTemplate{{Path: "/b/{int:1-1000}"}, {Path: "/static"}}},
	}, nil))
	text := func(req *load.Request) string {
		return fmt.Sprintf("%s %s %v %s %d", req.Class, req.Path, req.Header, req.Body, req.Key)
	}
	r1, r2, r3 := newRand(8), newRand(8), newRand(8)
	var a, b load.Request
	for i := range 200 {
		m.Next(r1, &a)
		var fresh load.Request
		m.Next(r2, &fresh)
		if text(&a) != text(&fresh) {
			t.Fatalf("request %d: reused %q, fresh %q", i, text(&a), text(&fresh))
		}
		r3.Uint64()
		if i == 100 {
			b = a // a copy keeps working on its own
		}
	}
	if r1.Uint64() != r3.Uint64() {
		t.Errorf("Next drew more than once from r")
	}
	r4, r5 := newRand(99), newRand(99)
	var c load.Request
	m.Next(r4, &b)
	m.Next(r5, &c)
	if text(&b) != text(&c) {
		t.Errorf("copied request %q, fresh %q", text(&b), text(&c))
	}
}

func TestMixAllocs(t *testing.T) {
	static := must(load.NewMix([]scenarios.ClientClass{
		{Name: "s", APIKey: "k", Basic: "a:b", Headers: map[string]string{"x": "y"}, Requests: []scenarios.RequestTemplate{{Path: "/a", Body: "{{}}"}}},
	}, nil))
	dynamic := must(load.NewMix([]scenarios.ClientClass{
		{Name: "d", Basic: "u{int:1-9}:p", Key: &scenarios.KeyDist{Dist: scenarios.KeyZipf, N: 10000},
			Headers:  map[string]string{"x-id": "{uuid}"},
			Requests: []scenarios.RequestTemplate{{Path: "/a/{id:int:1-100}/{key}", Body: `{{"id": {id}}}`}}},
	}, nil))
	for _, tc := range []struct {
		name string
		m    *load.Mix
		want float64
	}{{"static", static, 0}, {"dynamic", dynamic, 1}} {
		r := newRand(1)
		var req load.Request
		tc.m.Next(r, &req) // warm the buffers
		if got := testing.AllocsPerRun(1000, func() { tc.m.Next(r, &req) }); got != tc.want {
			t.Errorf("%s: %v allocations per Next, want %v", tc.name, got, tc.want)
		}
	}
}

func TestMixErrors(t *testing.T) {
	req := []scenarios.RequestTemplate{{Path: "/x"}}
	tests := []struct {
		name    string
		classes []scenarios.ClientClass
		paths   []string
		want    string
	}{
		{"nothing to send", nil, nil, "load: clients[0] (default): invalid client mix: no requests and no paths to default to"},
		{"no name", []scenarios.ClientClass{{Requests: req}}, nil, "load: clients[0]: invalid client mix: no name"},
		{"twice", []scenarios.ClientClass{{Name: "a", Requests: req}, {Name: "a", Requests: req}}, nil, "load: clients[1] (a): invalid client mix: name used twice"},
		{"share", []scenarios.ClientClass{{Name: "a", Share: -1, Requests: req}}, nil, "load: clients[0] (a): invalid client mix: share is -1, want a finite weight >= 0"},
		{"weight", []scenarios.ClientClass{{Name: "a", Requests: []scenarios.RequestTemplate{{Path: "/x", Weight: math.Inf(1)}}}}, nil, "load: clients[0] (a): requests[0]: invalid client mix: weight is +Inf, want a finite weight >= 0"},
		{"two authorizations", []scenarios.ClientClass{{Name: "a", Bearer: "t", Basic: "u:p", Requests: req}}, nil, "load: clients[0] (a): invalid client mix: bearer and basic both set, but a request has one Authorization header"},
		{"basic without colon", []scenarios.ClientClass{{Name: "a", Basic: "ann", Requests: req}}, nil, "load: clients[0] (a): basic: invalid client mix: want user:password"},
		{"bad bearer", []scenarios.ClientClass{{Name: "a", Bearer: "{", Requests: req}}, nil, `load: clients[0] (a): bearer: invalid template: "{" at offset 0: unclosed '{' (write '{{' for a literal brace)`},
		{"header name", []scenarios.ClientClass{{Name: "a", Headers: map[string]string{"bad header": "x"}, Requests: req}}, nil, `load: clients[0] (a): headers.bad header: invalid client mix: "bad header" is not a valid header name`},
		{"header value", []scenarios.ClientClass{{Name: "a", Requests: []scenarios.RequestTemplate{{Path: "/x", Headers: map[string]string{"x": "a\r\nb"}}}}}, nil, `load: clients[0] (a): requests[0]: headers.x: invalid client mix: header value "a\r\nb" holds a line break or NUL`},
		{"method", []scenarios.ClientClass{{Name: "a", Requests: []scenarios.RequestTemplate{{Method: "get", Path: "/x"}}}}, nil, `load: clients[0] (a): requests[0]: invalid client mix: method "get" is not an upper-case token`},
		{"path slash", []scenarios.ClientClass{{Name: "a", Requests: []scenarios.RequestTemplate{{Path: "x"}}}}, nil, `load: clients[0] (a): requests[0]: invalid client mix: path "x" does not start with /`},
		{"path space", []scenarios.ClientClass{{Name: "a", Requests: []scenarios.RequestTemplate{{Path: "/{choice:a|b c}"}}}}, nil, `load: clients[0] (a): requests[0]: invalid client mix: path "/{choice:a|b c}" holds a space or control character (escape it: %20)`},
		{"path template", []scenarios.ClientClass{{Name: "a", Requests: []scenarios.RequestTemplate{{Path: "/{id}"}}}}, nil, `load: clients[0] (a): requests[0]: path: invalid template: "/{id}" at offset 2: unknown parameter "id" (bind it before use, e.g. {id:int:1-100})`},
		{"body template", []scenarios.ClientClass{{Name: "a", Requests: []scenarios.RequestTemplate{{Path: "/x", Body: `{"a": 1}`}}}}, nil, `load: clients[0] (a): requests[0]: body: invalid template: "{\"a\": 1}" at offset 1: "\"a\"" is neither a kind (int, zipf, uuid or choice) nor a name (letters, digits and _)`},
		{"key without dist", []scenarios.ClientClass{{Name: "a", Requests: []scenarios.RequestTemplate{{Path: "/{key}"}}}}, nil, `load: clients[0] (a): requests[0]: path: invalid template: "/{key}" at offset 2: {key} is only available in a client class with a key distribution`},
		{"key n", []scenarios.ClientClass{{Name: "a", Key: &scenarios.KeyDist{}, Requests: req}}, nil, "load: clients[0] (a): key: invalid client mix: n is 0, want 1 to 2^53"},
		{"key dist", []scenarios.ClientClass{{Name: "a", Key: &scenarios.KeyDist{N: 5, Dist: "pareto"}, Requests: req}}, nil, `load: clients[0] (a): key: invalid client mix: unknown dist "pareto" (want uniform or zipf)`},
		{"key s", []scenarios.ClientClass{{Name: "a", Key: &scenarios.KeyDist{N: 5, Dist: scenarios.KeyZipf, S: -1}, Requests: req}}, nil, "load: clients[0] (a): key: invalid zipf distribution: zipf: exponent s is -1, want 0 < s <= 100"},
		{"key header", []scenarios.ClientClass{{Name: "a", Key: &scenarios.KeyDist{N: 5, Header: "a:b"}, Requests: req}}, nil, `load: clients[0] (a): key: invalid client mix: header "a:b" is not a valid header name`},
		{"header twice", []scenarios.ClientClass{{Name: "a", Headers: map[string]string{"x-a": "1", "X-A": "2"}, Requests: req}}, nil, `load: clients[0] (a): headers.x-a: invalid client mix: header written twice (as "X-A" and "x-a")`},
		{"request scope", []scenarios.ClientClass{{Name: "a", Requests: []scenarios.RequestTemplate{{Path: "/{id:int:1-2}"}, {Path: "/{id}"}}}}, nil, `load: clients[0] (a): requests[1]: path: invalid template: "/{id}" at offset 2: unknown parameter "id" (bind it before use, e.g. {id:int:1-100})`},
	}
	for _, tc := range tests {
		_, err := load.NewMix(tc.classes, tc.paths)
		if err == nil {
			t.Errorf("%s: no error, want %q", tc.name, tc.want)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, err, tc.want)
		}
		if !errors.Is(err, load.ErrMix) && !errors.Is(err, load.ErrTemplate) && !errors.Is(err, load.ErrZipf) {
			t.Errorf("%s: %v wraps no load sentinel", tc.name, err)
		}
	}
}

// TestMixZeroWeights checks that a group written without weights (all 0)
// is drawn from uniformly.
func TestMixZeroWeights(t *testing.T) {
	m := must(load.NewMix([]scenarios.ClientClass{
		{Name: "a", Requests: []scenarios.RequestTemplate{{Path: "/1"}, {Path: "/2"}}},
		{Name: "b", Requests: []scenarios.RequestTemplate{{Path: "/3"}}},
	}, nil))
	r := newRand(3)
	var req load.Request
	counts := map[string]int{}
	for range 3000 {
		m.Next(r, &req)
		counts[req.Path]++
	}
	want := map[string]int{"/1": 751, "/2": 778, "/3": 1471}
	for k, w := range want {
		if counts[k] != w {
			t.Errorf("%s: %d, want %d for seed 3", k, counts[k], w)
		}
	}
}
