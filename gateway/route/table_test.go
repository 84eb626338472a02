package route

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// be is the one-backend list most test routes use.
var be = []Backend{{Service: "svc"}}

func mustCompile(t testing.TB, routes []Route) *Table {
	t.Helper()
	for i := range routes {
		if routes[i].Backends == nil && routes[i].Redirect == nil {
			routes[i].Backends = be
		}
	}
	tab, err := Compile(routes)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return tab
}

type req struct {
	method, host, path, query string
	header                    http.Header
}

func (r req) request() Request {
	m := r.method
	if m == "" {
		m = http.MethodGet
	}
	return Request{Method: m, Host: r.host, Path: r.path, RawQuery: r.query, Header: r.header}
}

// name of the matched route, or "-" for no match.
func matchName(tab *Table, r Request) string {
	m, ok := tab.Match(r)
	if !ok {
		return "-"
	}
	return m.Route.Name
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func TestPrecedenceHost(t *testing.T) {
	tab := mustCompile(t, []Route{
		{Name: "any", Prefix: "/"},
		{Name: "exact", Host: "api.example.com", Prefix: "/"},
		{Name: "suffix", Host: "*.example.com", Prefix: "/"},
		{Name: "suffix-long", Host: "*.eu.example.com", Prefix: "/"},
		{Name: "dash-suffix", Host: "*-beta.example.com", Prefix: "/"},
		{Name: "prefix", Host: "api.*", Prefix: "/"},
		{Name: "prefix-long", Host: "api.eu.*", Prefix: "/"},
		{Name: "ipv6", Host: "[::1]", Prefix: "/"},
		{Name: "upper", Host: "Shop.Example.ORG", Prefix: "/"},
	})
	tests := []struct{ host, want string }{
		{"api.example.com", "exact"},
		{"API.Example.COM:8443", "exact"},
		{"api.example.com.", "exact"},
		{"x.example.com", "suffix"},
		{"a.b.example.com", "suffix"},
		{"x.eu.example.com", "suffix-long"},
		{"eu.example.com", "suffix"},
		{"api.eu.example.com", "suffix-long"}, // a suffix wildcard beats a prefix wildcard
		{"x-beta.example.com", "dash-suffix"},
		{"example.com", "any"}, // the wildcard stands for at least one character
		{".example.com", "any"},
		{"api.org", "prefix"},
		{"api.eu.org", "prefix-long"},
		{"api.", "any"},
		{"api", "any"},
		{"[::1]:8080", "ipv6"},
		{"[::2]", "any"},
		{"shop.example.org", "upper"},
		{"", "any"},
		{strings.Repeat("a", 300) + ".example.com", "any"},
	}
	for _, tt := range tests {
		if got := matchName(tab, Request{Method: "GET", Host: tt.host, Path: "/x"}); got != tt.want {
			t.Errorf("host %q: got %s, want %s", tt.host, got, tt.want)
		}
	}
}

func TestPrecedencePath(t *testing.T) {
	tab := mustCompile(t, []Route{
		{Name: "root", Prefix: "/"},
		{Name: "api", Prefix: "/api"},
		{Name: "api/", Prefix: "/api/"},
		{Name: "v1", Prefix: "/api/v1"},
		{Name: "users", Path: "/api/v1/users"},
		{Name: "users/", Path: "/api/v1/users/"},
		{Name: "user", Template: "/api/v1/users/{id}"},
		{Name: "me", Template: "/api/v1/users/me"},
		{Name: "user-rest", Template: "/api/v1/users/{rest...}"},
		{Name: "user-posts", Template: "/api/v1/users/{id}/posts"},
		{Name: "any-posts", Template: "/api/{ver}/{kind}/{id}/posts"},
		{Name: "home", Path: "/"},
		{Name: "files", Template: "/files/{p...}"},
		{Name: "everything", Template: "/{all...}", Methods: []string{"DELETE"}},
		// Regex routes of this host are unreachable behind the root prefix,
		// so they live on their own host.
		{Name: "re-orders", Host: "re.test", Regex: "/api/v[0-9]+/orders/.*"},
		{Name: "re-api", Host: "re.test", Regex: "/api/.*"},
		{Name: "re-static", Host: "re.test", Prefix: "/static"},
		{Name: "re-exact", Host: "re.test", Path: "/api/v1/orders/1"},
		{Name: "re-tmpl", Host: "re.test", Template: "/api/v1/orders/{id}"},
	})
	tests := []struct {
		method, host, path, want string
	}{
		{"GET", "", "/api/v1/users", "users"},
		{"GET", "", "/api/v1/users/", "users/"},
		{"GET", "", "/api/v1/users/me", "me"},
		{"GET", "", "/api/v1/users/42", "user"},
		{"GET", "", "/api/v1/users/42/posts", "user-posts"},
		{"GET", "", "/api/v2/users/42/posts", "any-posts"},
		{"GET", "", "/api/v1/users/me/posts", "user-posts"},
		{"GET", "", "/api/v1/users/42/x", "user-rest"},
		{"GET", "", "/api/v1/users/42/posts/", "user-rest"},
		{"GET", "", "/api/v1/orders", "v1"},
		{"GET", "", "/api/v1", "v1"},
		{"GET", "", "/api/v1/", "v1"},
		{"GET", "", "/api/v10", "api/"},
		{"GET", "", "/api/", "api/"},
		{"GET", "", "/api", "api"},
		{"GET", "", "/apix", "root"},
		{"GET", "", "/", "home"},
		{"POST", "", "/", "home"},
		{"GET", "", "/files/", "files"},
		{"GET", "", "/files/a/b", "files"},
		{"GET", "", "/files", "root"},
		{"DELETE", "", "/files", "everything"}, // a template beats a prefix
		{"DELETE", "", "/api/v1/orders", "everything"},
		{"GET", "re.test", "/api/v1/orders/1", "re-exact"},
		{"GET", "re.test", "/api/v1/orders/2", "re-tmpl"},
		{"GET", "re.test", "/api/v1/orders/2/x", "re-orders"},
		{"GET", "re.test", "/api/v1/users", "re-api"},
		{"GET", "re.test", "/static/x", "re-static"},
		{"GET", "re.test", "/api", "api"}, // anchored: "/api/.*" needs the slash, so the any-host prefix answers
	}
	for _, tt := range tests {
		if got := matchName(tab, Request{Method: tt.method, Host: tt.host, Path: tt.path}); got != tt.want {
			t.Errorf("%s %s%s: got %s, want %s", tt.method, tt.host, tt.path, got, tt.want)
		}
	}
}

func TestPrecedenceTies(t *testing.T) {
	tab := mustCompile(t, []Route{
		{Name: "plain", Path: "/t"},
		{Name: "get", Path: "/t", Methods: []string{"GET"}},
		{Name: "header", Path: "/t", Headers: []HeaderMatch{{Name: "X-A", Present: true}}},
		{Name: "query", Path: "/t", Query: []QueryMatch{{Name: "q", Present: true}}},
		{Name: "both", Path: "/t", Headers: []HeaderMatch{{Name: "x-a", Exact: "1"}}, Query: []QueryMatch{{Name: "q", Exact: "1"}}},
		{Name: "p-plain", Prefix: "/p"},
		{Name: "p-header", Prefix: "/p", Headers: []HeaderMatch{{Name: "X-A", Present: true}}},
		{Name: "t-plain", Template: "/u/{id}"},
		{Name: "t-header", Template: "/u/{x}", Headers: []HeaderMatch{{Name: "X-A", Present: true}}},
		{Name: "host-header", Host: "h.test", Prefix: "/p", Headers: []HeaderMatch{{Name: "X-B", Present: true}}},
	})
	tests := []struct {
		r    req
		want string
	}{
		{req{method: "POST", path: "/t"}, "plain"},
		{req{path: "/t"}, "get"},
		// header and query have one condition each, as does GET: declaration
		// order decides.
		{req{path: "/t", header: hdr("X-A", "2")}, "get"},
		{req{method: "POST", path: "/t", header: hdr("X-A", "2")}, "header"},
		{req{method: "POST", path: "/t", query: "q=2"}, "query"},
		{req{method: "POST", path: "/t", query: "q=2", header: hdr("X-A", "2")}, "header"},
		{req{path: "/t", query: "q=1", header: hdr("X-A", "1")}, "both"},
		{req{path: "/p/x"}, "p-plain"},
		{req{path: "/p/x", header: hdr("X-A", "")}, "p-header"},
		{req{path: "/u/1"}, "t-plain"},
		{req{path: "/u/1", header: hdr("X-A", "")}, "t-header"},
		// Falling through: the host route needs X-B, so a less specific
		// host's route answers.
		{req{host: "h.test", path: "/p/x"}, "p-plain"},
		{req{host: "h.test", path: "/p/x", header: hdr("X-B", "1")}, "host-header"},
		{req{host: "h.test", path: "/nothing"}, "-"},
	}
	for _, tt := range tests {
		if got := matchName(tab, tt.r.request()); got != tt.want {
			t.Errorf("%+v: got %s, want %s", tt.r, got, tt.want)
		}
	}
}

func TestHeaderQueryMatchers(t *testing.T) {
	tab := mustCompile(t, []Route{
		{Name: "h-exact", Path: "/h", Headers: []HeaderMatch{{Name: "X-Env", Exact: "prod"}}},
		{Name: "h-regex", Path: "/h", Headers: []HeaderMatch{{Name: "x-version", Regex: "v[0-9]+"}}},
		{Name: "h-empty", Path: "/h", Headers: []HeaderMatch{{Name: "X-Empty", Regex: "^$"}}},
		{Name: "h-absent", Path: "/h", Headers: []HeaderMatch{{Name: "Authorization", Absent: true}}},
		{Name: "h-present", Path: "/h", Headers: []HeaderMatch{{Name: "Authorization", Present: true}}},
		{Name: "q-exact", Path: "/q", Query: []QueryMatch{{Name: "mode", Exact: "a b"}}},
		{Name: "q-regex", Path: "/q", Query: []QueryMatch{{Name: "id", Regex: "[0-9]{3}"}}},
		{Name: "q-present", Path: "/q", Query: []QueryMatch{{Name: "debug", Present: true}}},
		{Name: "q-absent", Path: "/q", Query: []QueryMatch{{Name: "x y", Absent: true}}},
	})
	tests := []struct {
		r    req
		want string
	}{
		{req{path: "/h", header: hdr("X-Env", "prod", "Authorization", "t")}, "h-exact"},
		{req{path: "/h", header: hdr("X-Env", "Prod", "Authorization", "t")}, "h-present"},
		{req{path: "/h", header: hdr("X-Env", "stage", "X-Env", "prod")}, "h-absent"}, // first value counts
		{req{path: "/h", header: hdr("X-Version", "v12", "Authorization", "t")}, "h-regex"},
		{req{path: "/h", header: hdr("X-Version", "xv12", "Authorization", "t")}, "h-present"}, // anchored
		{req{path: "/h", header: hdr("X-Version", "v1x")}, "h-absent"},
		{req{path: "/h", header: hdr("X-Empty", "", "Authorization", "t")}, "h-empty"},
		{req{path: "/h", header: hdr("X-Empty", "1", "Authorization", "t")}, "h-present"},
		{req{path: "/h"}, "h-absent"},
		{req{path: "/h", header: hdr("Authorization", "")}, "h-present"},
		{req{path: "/q", query: "mode=a+b&x+y=1"}, "q-exact"},
		{req{path: "/q", query: "mode=a%20b&x%20y"}, "q-exact"},
		{req{path: "/q", query: "mode=a%2xb&mode=a+b&x+y"}, "q-exact"}, // an undecodable pair is skipped
		{req{path: "/q", query: "mode=a;b&mode=a+b&x+y"}, "q-exact"},   // as is one with ';'
		{req{path: "/q", query: "mode=ab&mode=a+b&x+y"}, "-"},          // first value counts
		{req{path: "/q", query: "id=123&x+y"}, "q-regex"},
		{req{path: "/q", query: "id=1234&x+y"}, "-"},
		{req{path: "/q", query: "debug&x+y"}, "q-present"},
		{req{path: "/q", query: "debug="}, "q-present"},
		{req{path: "/q", query: "x=1"}, "q-absent"},
		{req{path: "/q", query: "%64ebug=1&x+y"}, "q-present"}, // keys decode too
	}
	for _, tt := range tests {
		if got := matchName(tab, tt.r.request()); got != tt.want {
			t.Errorf("%+v: got %s, want %s", tt.r, got, tt.want)
		}
	}
}

func TestTemplateParams(t *testing.T) {
	tab := mustCompile(t, []Route{
		{Name: "post", Template: "/users/{user}/posts/{post}"},
		{Name: "file", Template: "/files/{bucket}/{key...}"},
		{Name: "root", Template: "/{rest...}"},
	})
	tests := []struct {
		path, want string
		params     []Param
	}{
		{"/users/ann/posts/7", "post", []Param{{"user", "ann"}, {"post", "7"}}},
		{"/users/a%20b/posts/x;y", "post", []Param{{"user", "a%20b"}, {"post", "x;y"}}},
		{"/files/b1/a/b/c.txt", "file", []Param{{"bucket", "b1"}, {"key", "a/b/c.txt"}}},
		{"/files/b1/", "file", []Param{{"bucket", "b1"}, {"key", ""}}},
		{"/files/b1", "root", []Param{{"rest", "files/b1"}}},
		{"/users/ann/posts/", "root", []Param{{"rest", "users/ann/posts/"}}},
		{"/", "root", []Param{{"rest", ""}}},
	}
	for _, tt := range tests {
		m, ok := tab.Match(Request{Method: "GET", Path: tt.path})
		if !ok || m.Route.Name != tt.want {
			t.Errorf("%s: got %v %v, want %s", tt.path, m.Route, ok, tt.want)
			continue
		}
		got := m.Params()
		if len(got) != len(tt.params) {
			t.Errorf("%s: got params %v, want %v", tt.path, got, tt.params)
			continue
		}
		for i := range got {
			if got[i] != tt.params[i] || m.Param(tt.params[i].Name) != tt.params[i].Value {
				t.Errorf("%s: got params %v, want %v", tt.path, got, tt.params)
			}
		}
	}
	m, _ := tab.Match(Request{Path: "/users/a/posts/b"})
	if got := m.Param("nope"); got != "" {
		t.Errorf("Param(nope) = %q, want empty", got)
	}
}

func TestRewrite(t *testing.T) {
	tab := mustCompile(t, []Route{
		{Host: "strip.test", Prefix: "/api", StripPrefix: true},
		{Host: "strip.test", Prefix: "/web/", StripPrefix: true},
		{Host: "strip.test", Prefix: "/", StripPrefix: true},
		{Host: "pre.test", Prefix: "/api", Rewrite: "/v2"},
		{Host: "pre.test", Prefix: "/old/", Rewrite: "/new/"},
		{Host: "pre.test", Prefix: "/", Rewrite: "/base"},
		{Host: "exact.test", Path: "/old", Rewrite: "/new/place"},
		{Host: "tmpl.test", Template: "/u/{id}/f/{rest...}", Rewrite: "/users/{id}/files/{rest...}"},
		{Host: "tmpl.test", Template: "/x/{id}", Rewrite: "/api/v-{id}"},
		{Host: "tmpl.test", Template: "/swap/{a}/{b}", Rewrite: "/{b}/{a}"},
		{Host: "tmpl.test", Template: "/e/{rest...}", Rewrite: "/{rest}/end"},
		{Host: "re.test", Regex: "/items/([0-9]+)/(.*)", Rewrite: "/v2/$2/$1"},
		{Host: "re.test", Regex: "/id/(?P<id>[0-9]+)", Rewrite: "/by-id/${id}"},
		{Host: "re.test", Regex: "/up/(.*)", Rewrite: "/base/$1/.."},
		{Host: "re.test", Regex: "/bad(.*)", Rewrite: "/x%$1"},
		{Host: "re.test", Regex: "/.*"},
		{Host: "none.test", Prefix: "/keep"},
	})
	tests := []struct{ host, path, want string }{
		{"strip.test", "/api/users", "/users"},
		{"strip.test", "/api/users/", "/users/"},
		{"strip.test", "/api", "/"},
		{"strip.test", "/api/", "/"},
		{"strip.test", "/web/x", "/x"},
		{"strip.test", "/web/", "/"},
		{"strip.test", "/other", "/other"},
		{"pre.test", "/api/x", "/v2/x"},
		{"pre.test", "/api", "/v2"},
		{"pre.test", "/api/", "/v2/"},
		{"pre.test", "/old/a/b", "/new/a/b"},
		{"pre.test", "/old/", "/new/"},
		{"pre.test", "/x", "/base/x"},
		{"pre.test", "/", "/base/"},
		{"exact.test", "/old", "/new/place"},
		{"tmpl.test", "/u/7/f/a/b", "/users/7/files/a/b"},
		{"tmpl.test", "/u/7/f/", "/users/7/files/"},
		{"tmpl.test", "/x/9", "/api/v-9"},
		{"tmpl.test", "/swap/1/2", "/2/1"},
		{"tmpl.test", "/e/", "/end"},
		{"tmpl.test", "/e/a/b", "/a/b/end"},
		{"re.test", "/items/12/x/y", "/v2/x/y/12"},
		{"re.test", "/id/77", "/by-id/77"},
		{"re.test", "/up/a/b", "/base/a/"},
		{"re.test", "/bad4", "/bad4"}, // "/x%4" is no path: the next route matches
		{"none.test", "/keep/x", "/keep/x"},
	}
	for _, tt := range tests {
		m, ok := tab.Match(Request{Method: "GET", Host: tt.host, Path: tt.path})
		if !ok || m.Path != tt.want {
			t.Errorf("%s%s: got %q %v, want %q", tt.host, tt.path, m.Path, ok, tt.want)
		}
	}
}

func TestRedirect(t *testing.T) {
	tab := mustCompile(t, []Route{
		{Name: "https", Host: "a.test", Prefix: "/", Redirect: &Redirect{Scheme: "https"}},
		{Name: "host", Host: "b.test", Prefix: "/", Redirect: &Redirect{Host: "new.example.com", Status: 308}},
		{Name: "path", Host: "c.test", Prefix: "/", Redirect: &Redirect{Path: "/b", StripQuery: true, Status: 302}},
		{Name: "fixed", Host: "d.test", Prefix: "/", Redirect: &Redirect{Location: "https://x.test/", Status: 307}},
		{Name: "moved", Host: "e.test", Prefix: "/old", Rewrite: "/new", Redirect: &Redirect{Status: 303}},
		{Name: "port", Host: "f.test", Prefix: "/", Redirect: &Redirect{Host: "h.test:444"}},
	})
	tests := []struct {
		scheme, host, path, query string
		status                    int
		want                      string
	}{
		{"http", "a.test:8080", "/a", "q=1", 301, "https://a.test/a?q=1"},
		{"", "A.test", "/a/b/", "", 301, "https://A.test/a/b/"},
		{"https", "a.test:8443", "/a", "", 301, "https://a.test:8443/a"},
		{"", "b.test", "/a", "q=1&r=2", 308, "http://new.example.com/a?q=1&r=2"},
		{"https", "b.test", "/", "", 308, "https://new.example.com/"},
		{"", "c.test", "/a", "q=1", 302, "/b"},
		{"", "d.test", "/a", "q=1", 307, "https://x.test/"},
		{"", "e.test", "/old/x", "q=1", 303, "/new/x?q=1"},
		{"https", "f.test", "/a", "", 301, "https://h.test:444/a"},
	}
	for _, tt := range tests {
		m, ok := tab.Match(Request{Method: "GET", Scheme: tt.scheme, Host: tt.host, Path: tt.path, RawQuery: tt.query})
		if !ok || m.Status != tt.status || m.Location != tt.want {
			t.Errorf("%s://%s%s?%s: got %d %q %v, want %d %q", tt.scheme, tt.host, tt.path, tt.query,
				m.Status, m.Location, ok, tt.status, tt.want)
		}
		if b := m.Backend(1 << 63); b != (Backend{}) {
			t.Errorf("redirect Backend() = %v, want zero", b)
		}
	}
	m, _ := mustCompile(t, []Route{{Prefix: "/"}}).Match(Request{Path: "/"})
	if m.Status != 0 || m.Location != "" {
		t.Errorf("forwarding route: got %d %q, want no redirect", m.Status, m.Location)
	}
}

// midpoints returns n evenly spaced u in [0, 2^64): the middle of each of n
// equal bins, computed exactly.
func midpoints(n uint64) []uint64 {
	us := make([]uint64, n)
	for i := range n {
		// (2i+1) * 2^64 / (2n)
		us[i] = divHi(2*i+1, 2*n)
	}
	return us
}

func TestBackendSplit(t *testing.T) {
	tests := []struct {
		weights []uint32
		n       uint64
		want    []int
	}{
		{[]uint32{95, 5}, 100, []int{95, 5}},
		{[]uint32{95, 5}, 1000, []int{950, 50}},
		{[]uint32{1, 1, 1}, 300, []int{100, 100, 100}},
		{[]uint32{2, 0, 1}, 300, []int{200, 0, 100}},
		{[]uint32{0, 3}, 10, []int{0, 10}},
		{[]uint32{0, 0}, 10, []int{5, 5}},
		{[]uint32{0}, 7, []int{7}},
		{[]uint32{1, 999}, 1000, []int{1, 999}},
		{[]uint32{4294967295, 4294967295}, 4, []int{2, 2}},
	}
	for _, tt := range tests {
		var bs []Backend
		for i, w := range tt.weights {
			bs = append(bs, Backend{Service: string(rune('a' + i)), Weight: w})
		}
		tab := mustCompile(t, []Route{{Prefix: "/", Backends: bs}})
		m, _ := tab.Match(Request{Path: "/"})
		got := make([]int, len(bs))
		for _, u := range midpoints(tt.n) {
			got[m.Backend(u).Service[0]-'a']++
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("weights %v over %d u: got %v, want %v", tt.weights, tt.n, got, tt.want)
				break
			}
		}
		// The ends of the range go to the first and last weighted backend.
		first, last := -1, -1
		for i, w := range tt.weights {
			if w > 0 || tt.weights[0] == 0 && tt.weights[len(tt.weights)-1] == 0 {
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		if got, want := m.Backend(0), bs[first]; got != want {
			t.Errorf("weights %v: Backend(0) = %v, want %v", tt.weights, got, want)
		}
		if got, want := m.Backend(^uint64(0)), bs[last]; got != want {
			t.Errorf("weights %v: Backend(max) = %v, want %v", tt.weights, got, want)
		}
	}
}

func TestMirror(t *testing.T) {
	tests := []struct {
		percent float64
		n       uint64
		want    int
	}{
		{5, 100, 5},
		{12.5, 1000, 125},
		{100, 50, 50},
		{0.0001, 1_000_000, 1},
		{33.3333, 1_000_000, 333333},
	}
	for _, tt := range tests {
		tab := mustCompile(t, []Route{{Prefix: "/", Mirror: &Mirror{Service: "shadow", Percent: tt.percent}}})
		m, _ := tab.Match(Request{Path: "/"})
		got := 0
		for _, u := range midpoints(tt.n) {
			if s, ok := m.Mirror(u); ok {
				if s != "shadow" {
					t.Fatalf("Mirror: got service %q, want shadow", s)
				}
				got++
			}
		}
		if got != tt.want {
			t.Errorf("percent %v over %d u: got %d mirrored, want %d", tt.percent, tt.n, got, tt.want)
		}
	}
	m, _ := mustCompile(t, []Route{{Prefix: "/"}}).Match(Request{Path: "/"})
	if s, ok := m.Mirror(0); ok {
		t.Errorf("no mirror: got %q, want none", s)
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are unreliable under the race detector")
	}
	tab := mustCompile(t, []Route{
		{Name: "exact", Host: "api.example.com", Path: "/health"},
		{Name: "tmpl", Host: "*.example.com", Template: "/users/{id}/posts/{post}"},
		{Name: "prefix", Prefix: "/static/", Headers: []HeaderMatch{{Name: "X-A", Present: true}}, Query: []QueryMatch{{Name: "v", Exact: "1"}}},
		{Name: "rest", Template: "/files/{p...}", Methods: []string{"GET"}},
	})
	tests := []Request{
		{Method: "GET", Host: "api.example.com", Path: "/health"},
		{Method: "GET", Host: "API.example.com:80", Path: "/users/1/posts/2"},
		{Method: "GET", Host: "x", Path: "/static/a/b", RawQuery: "w=2&v=1", Header: hdr("X-A", "1")},
		{Method: "GET", Path: "/files/a/b/c"},
	}
	for _, r := range tests {
		var u uint64 = 12345
		allocs := testing.AllocsPerRun(100, func() {
			m, ok := tab.Match(r)
			if !ok {
				t.Fatal("no match")
			}
			_ = m.Backend(u)
		})
		if allocs != 0 {
			t.Errorf("%s%s: got %v allocs, want 0", r.Host, r.Path, allocs)
		}
	}
}

func TestValidate(t *testing.T) {
	ok := Route{Name: "r", Prefix: "/", Backends: be}
	with := func(f func(r *Route)) Route {
		r := ok.clone()
		f(&r)
		return r
	}
	tests := []struct {
		r     Route
		field string
	}{
		{with(func(r *Route) {}), ""},
		{with(func(r *Route) { r.Host = "a.*.com" }), "host"},
		{with(func(r *Route) { r.Host = "*.a.*" }), "host"},
		{with(func(r *Route) { r.Host = "a.com:80" }), "host"},
		{with(func(r *Route) { r.Host = "a b" }), "host"},
		{with(func(r *Route) { r.Host = "a.com." }), "host"},
		{with(func(r *Route) { r.Host = "[::1" }), "host"},
		{with(func(r *Route) { r.Prefix = "" }), "path"},
		{with(func(r *Route) { r.Path = "/a" }), "path"},
		{with(func(r *Route) { r.Prefix = "api" }), "prefix"},
		{with(func(r *Route) { r.Prefix = "/a//b" }), "prefix"},
		{with(func(r *Route) { r.Prefix, r.Path = "", "/a/../b" }), "path"},
		{with(func(r *Route) { r.Prefix, r.Path = "", "/a%2fb" }), "path"},
		{with(func(r *Route) { r.Prefix, r.Regex = "", "(" }), "regex"},
		{with(func(r *Route) { r.Prefix, r.Template = "", "/a{b}" }), "template"},
		{with(func(r *Route) { r.Prefix, r.Template = "", "/{a...}/b" }), "template"},
		{with(func(r *Route) { r.Prefix, r.Template = "", "/{a}/{a}" }), "template"},
		{with(func(r *Route) { r.Prefix, r.Template = "", "/{1a}" }), "template"},
		{with(func(r *Route) { r.Prefix, r.Template = "", "/{a}//b" }), "template"},
		{with(func(r *Route) { r.Prefix, r.Template = "", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}" }), "template"},
		{with(func(r *Route) { r.Methods = []string{"get"} }), "methods[0]"},
		{with(func(r *Route) { r.Methods = []string{"GET", "G T"} }), "methods[1]"},
		{with(func(r *Route) { r.Methods = []string{"GET", "GET"} }), "methods[1]"},
		{with(func(r *Route) { r.Headers = []HeaderMatch{{Name: "X"}} }), "headers[0]"},
		{with(func(r *Route) { r.Headers = []HeaderMatch{{Name: "X", Exact: "a", Present: true}} }), "headers[0]"},
		{with(func(r *Route) { r.Headers = []HeaderMatch{{Name: "X", Present: true}, {Name: "Y", Regex: "["}} }), "headers[1].regex"},
		{with(func(r *Route) { r.Headers = []HeaderMatch{{Name: "Host", Exact: "a"}} }), "headers[0].name"},
		{with(func(r *Route) { r.Headers = []HeaderMatch{{Name: "a b", Exact: "a"}} }), "headers[0].name"},
		{with(func(r *Route) { r.Query = []QueryMatch{{Exact: "a"}} }), "query[0].name"},
		{with(func(r *Route) { r.Query = []QueryMatch{{Name: "q"}} }), "query[0]"},
		{with(func(r *Route) { r.Backends = nil }), "backends"},
		{with(func(r *Route) { r.Backends = []Backend{{Weight: 1}} }), "backends[0].service"},
		{with(func(r *Route) { r.Backends = []Backend{{Service: "a"}, {Service: "a"}} }), "backends[1].service"},
		{with(func(r *Route) { r.Mirror = &Mirror{Percent: 5} }), "mirror.service"},
		{with(func(r *Route) { r.Mirror = &Mirror{Service: "m"} }), "mirror.percent"},
		{with(func(r *Route) { r.Mirror = &Mirror{Service: "m", Percent: 100.5} }), "mirror.percent"},
		{with(func(r *Route) { r.Mirror = &Mirror{Service: "m", Percent: 0.00001} }), "mirror.percent"},
		{with(func(r *Route) { r.StripPrefix, r.Rewrite = true, "/x" }), "strip_prefix"},
		{with(func(r *Route) { r.Prefix, r.Path, r.StripPrefix = "", "/a", true }), "strip_prefix"},
		{with(func(r *Route) { r.Rewrite = "x" }), "rewrite"},
		{with(func(r *Route) { r.Prefix, r.Template, r.Rewrite = "", "/{a}", "/{b}" }), "rewrite"},
		{with(func(r *Route) { r.Prefix, r.Template, r.Rewrite = "", "/{a}", "/{a" }), "rewrite"},
		{with(func(r *Route) { r.Prefix, r.Template, r.Rewrite = "", "/{a}", "/a}" }), "rewrite"},
		{with(func(r *Route) { r.Prefix, r.Template, r.Rewrite = "", "/{a}", "{a}" }), "rewrite"},
		{with(func(r *Route) { r.Prefix, r.Regex, r.Rewrite = "", "/(.*)", "$1" }), "rewrite"},
		{with(func(r *Route) { r.Redirect = &Redirect{} }), "redirect"},
		{with(func(r *Route) { r.Backends, r.Redirect = nil, &Redirect{Status: 200} }), "redirect.status"},
		{with(func(r *Route) { r.Backends, r.Redirect = nil, &Redirect{Scheme: "ftp"} }), "redirect.scheme"},
		{with(func(r *Route) { r.Backends, r.Redirect = nil, &Redirect{Host: "a b"} }), "redirect.host"},
		{with(func(r *Route) { r.Backends, r.Redirect = nil, &Redirect{Host: "a:0"} }), "redirect.host"},
		{with(func(r *Route) { r.Backends, r.Redirect = nil, &Redirect{Path: "b"} }), "redirect.path"},
		{with(func(r *Route) { r.Backends, r.Redirect = nil, &Redirect{Location: "x", Path: "/b"} }), "redirect.location"},
		{with(func(r *Route) { r.Backends, r.Redirect = nil, &Redirect{Location: "ftp://x"} }), "redirect.location"},
		{with(func(r *Route) { r.Backends, r.Redirect, r.Rewrite = nil, &Redirect{Path: "/b"}, "/c" }), "redirect.path"},
		{with(func(r *Route) { r.Timeout = -time.Second }), "timeout"},
		{with(func(r *Route) { r.Retries = &Retries{} }), "retries.attempts"},
		{with(func(r *Route) { r.Retries = &Retries{Attempts: 1, PerTryTimeout: -1} }), "retries.per_try_timeout"},
		{with(func(r *Route) {
			r.Timeout, r.Retries = time.Second, &Retries{Attempts: 1, PerTryTimeout: 2 * time.Second}
		}), "retries.per_try_timeout"},
		{with(func(r *Route) { r.Retries = &Retries{Attempts: 2, RetryOn: []string{"5xx", "503", "timeout"}} }), "retries.retry_on[2]"},
		{with(func(r *Route) { r.Retries = &Retries{Attempts: 2, RetryOn: []string{"200"}} }), "retries.retry_on[0]"},
		{with(func(r *Route) {
			r.Timeout, r.Retries = time.Second, &Retries{Attempts: 3, PerTryTimeout: time.Second, RetryOn: []string{"reset", "504"}}
		}), ""},
		{with(func(r *Route) {
			r.Host, r.Prefix, r.Template, r.Rewrite, r.Methods = "*.Example.com", "", "/a/{b}/{c...}", "/{c}/x-{b}", []string{"GET"}
		}), ""},
	}
	for i, tt := range tests {
		err := tt.r.Validate()
		if tt.field == "" {
			if err != nil {
				t.Errorf("%d: got %v, want no error", i, err)
			}
			continue
		}
		fe, ok := errors.AsType[*FieldError](err)
		if !ok || fe.Field != tt.field || !errors.Is(err, ErrInvalid) {
			t.Errorf("%d: got %v, want an error in field %s", i, err, tt.field)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		routes []Route
		want   string
		dup    bool
	}{
		{
			[]Route{{Name: "a", Prefix: "/", Backends: be}, {Name: "b", Prefix: "/x", Headers: []HeaderMatch{{Name: "X", Regex: "("}}, Backends: be}},
			"route: routes[1] (b).headers[0].regex: error parsing regexp: missing closing ): `^(?:()$`", false,
		},
		{
			[]Route{{Prefix: "/", Backends: be}, {Prefix: "/a"}},
			"route: routes[1].backends: at least one backend is required (or a redirect)", false,
		},
		{
			[]Route{
				{Name: "a", Template: "/u/{id}", Methods: []string{"GET", "PUT"}, Backends: be},
				{Name: "b", Template: "/u/{x}", Methods: []string{"PUT", "GET"}, Backends: be},
			},
			"route: routes[1] (b): same host, path and conditions as routes[0], so it could never match", true,
		},
		{
			[]Route{
				{Host: "A.com", Prefix: "/p", Headers: []HeaderMatch{{Name: "x-a", Exact: "1"}, {Name: "X-B", Present: true}}, Backends: be},
				{Host: "a.com", Prefix: "/p", Headers: []HeaderMatch{{Name: "X-B", Present: true}, {Name: "X-A", Exact: "1"}}, Backends: be},
			},
			"route: routes[1]: same host, path and conditions as routes[0], so it could never match", true,
		},
	}
	for _, tt := range tests {
		_, err := Compile(tt.routes)
		if err == nil || err.Error() != tt.want || !errors.Is(err, ErrInvalid) || errors.Is(err, ErrDuplicate) != tt.dup {
			t.Errorf("got %v, want %s (duplicate %v)", err, tt.want, tt.dup)
		}
	}
	// Same path, different conditions or hosts: no duplicates.
	_, err := Compile([]Route{
		{Prefix: "/p", Backends: be},
		{Prefix: "/p/", Backends: be},
		{Host: "*", Prefix: "/p", Methods: []string{"GET"}, Backends: be},
		{Host: "a.com", Prefix: "/p", Backends: be},
		{Host: "*.a.com", Prefix: "/p", Backends: be},
		{Host: "a.com*", Prefix: "/p", Backends: be},
		{Template: "/p", Backends: be},
		{Path: "/p", Backends: be},
		{Regex: "/p", Backends: be},
	})
	if err != nil {
		t.Errorf("got %v, want no error", err)
	}
}

func TestCompileCopiesRoutes(t *testing.T) {
	rs := []Route{{Name: "a", Prefix: "/", Backends: []Backend{{Service: "x"}}, Methods: []string{"GET"}}}
	tab := mustCompile(t, rs)
	rs[0].Backends[0].Service = "changed"
	rs[0].Methods[0] = "PUT"
	m, ok := tab.Match(Request{Method: "GET", Path: "/"})
	if !ok || m.Backend(0).Service != "x" || tab.Routes()[0].Methods[0] != "GET" || tab.Len() != 1 {
		t.Errorf("the table shares memory with the caller's routes")
	}
}
