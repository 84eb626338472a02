package route

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// This file checks Table.Match against a deliberately naive reference: test
// every route on its own, then sort the matching ones by the documented
// precedence.

var (
	fuzzHosts    = []string{"", "*", "a.com", "b.a.com", "*.a.com", "*.com", "a.*", "b.*", "*-x.com"}
	fuzzReqHosts = []string{"a.com", "b.a.com", "c.b.a.com", "x.com", "a.org", "b-x.com", "", "A.COM:80", "b.a.com.", "[::1]:8"}
	fuzzSegs     = []string{"a", "b", "c", "", "x%20y"}
	fuzzRegexes  = []string{"/a/.*", "/[ab]+", "/(a|b)/c", ".*", "/a", "/c/.+/"}
)

// randomRoutes builds a small table with many overlaps from seed.
func randomRoutes(seed uint64) []Route {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	randPath := func(withEmpty bool) string {
		n := 1 + rng.IntN(3)
		var b strings.Builder
		for range n {
			b.WriteString("/")
			b.WriteString(fuzzSegs[rng.IntN(3)])
		}
		if withEmpty && rng.IntN(3) == 0 {
			b.WriteString("/")
		}
		return b.String()
	}
	routes := make([]Route, 1+rng.IntN(14))
	for i := range routes {
		r := Route{Name: fmt.Sprint(i), Host: fuzzHosts[rng.IntN(len(fuzzHosts))], Backends: be}
		switch rng.IntN(4) {
		case 0:
			r.Path = randPath(true)
		case 1:
			if rng.IntN(4) == 0 {
				r.Prefix = "/"
			} else {
				r.Prefix = randPath(true)
			}
		case 2:
			n := 1 + rng.IntN(3)
			var b strings.Builder
			for j := range n {
				b.WriteString("/")
				switch k := rng.IntN(4); {
				case j == n-1 && k == 3:
					fmt.Fprintf(&b, "{r%d...}", j)
				case k >= 2:
					fmt.Fprintf(&b, "{p%d}", j)
				default:
					b.WriteString(fuzzSegs[rng.IntN(3)])
				}
			}
			r.Template = b.String()
		default:
			r.Regex = fuzzRegexes[rng.IntN(len(fuzzRegexes))]
		}
		switch rng.IntN(4) {
		case 0:
			r.Methods = []string{"GET"}
		case 1:
			r.Methods = []string{"POST", "PUT"}
		}
		for range rng.IntN(3) {
			name := []string{"X-A", "x-b"}[rng.IntN(2)]
			switch rng.IntN(4) {
			case 0:
				r.Headers = append(r.Headers, HeaderMatch{Name: name, Exact: "1"})
			case 1:
				r.Headers = append(r.Headers, HeaderMatch{Name: name, Regex: "[12]"})
			case 2:
				r.Headers = append(r.Headers, HeaderMatch{Name: name, Present: true})
			default:
				r.Headers = append(r.Headers, HeaderMatch{Name: name, Absent: true})
			}
		}
		for range rng.IntN(3) {
			name := []string{"q", "r"}[rng.IntN(2)]
			switch rng.IntN(4) {
			case 0:
				r.Query = append(r.Query, QueryMatch{Name: name, Exact: "1"})
			case 1:
				r.Query = append(r.Query, QueryMatch{Name: name, Regex: "[12]"})
			case 2:
				r.Query = append(r.Query, QueryMatch{Name: name, Present: true})
			default:
				r.Query = append(r.Query, QueryMatch{Name: name, Absent: true})
			}
		}
		routes[i] = r
	}
	return routes
}

// compileDropping compiles routes, dropping the ones Compile reports as
// duplicates.
func compileDropping(t *testing.T, routes []Route) (*Table, []Route) {
	for {
		tab, err := Compile(routes)
		if err == nil {
			return tab, routes
		}
		fe, ok := errors.AsType[*FieldError](err)
		if !ok || !errors.Is(err, ErrDuplicate) {
			t.Fatalf("Compile: %v", err)
		}
		routes = slices.Delete(slices.Clone(routes), fe.Index, fe.Index+1)
	}
}

func refHost(r Route, host string) (ok bool, class, length int) {
	if strings.HasPrefix(host, "[") {
		host, _, _ = strings.Cut(host, "]")
		host += "]"
	} else {
		host, _, _ = strings.Cut(host, ":")
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	rh := strings.ToLower(r.Host)
	switch {
	case rh == "" || rh == "*":
		return true, 3, 0
	case host == "" || len(host) > 255:
		return false, 0, 0
	case strings.HasPrefix(rh, "*"):
		return len(host) > len(rh)-1 && strings.HasSuffix(host, rh[1:]), 1, len(rh)
	case strings.HasSuffix(rh, "*"):
		return len(host) > len(rh)-1 && strings.HasPrefix(host, rh[:len(rh)-1]), 2, len(rh)
	default:
		return host == rh, 0, 0
	}
}

// refTemplate matches a template and returns its segment kinds (0 literal,
// 1 {name}, 2 {name...}).
func refTemplate(tmpl, path string) (bool, []int) {
	ts := strings.Split(tmpl[1:], "/")
	ps := strings.Split(path[1:], "/")
	kinds := make([]int, len(ts))
	for i, s := range ts {
		switch {
		case strings.HasSuffix(s, "...}"):
			kinds[i] = 2
			return len(ps) > i, kinds
		case strings.HasPrefix(s, "{"):
			kinds[i] = 1
			if i >= len(ps) || ps[i] == "" {
				return false, nil
			}
		default:
			if i >= len(ps) || ps[i] != s {
				return false, nil
			}
		}
	}
	return len(ps) == len(ts), kinds
}

func refCond(name, exact, regex string, present, absent bool, v string, has bool) bool {
	switch {
	case exact != "":
		return has && v == exact
	case regex != "":
		return has && regexp.MustCompile("^(?:"+regex+")$").MatchString(v)
	case present:
		return has
	default:
		return !has
	}
}

// refCandidate is a matching route and its precedence key.
type refCandidate struct {
	idx, hostClass, hostLen, kind, prefixLen, spec int
	tkinds                                         []int
}

func refMatch(r Route, idx int, req Request) (refCandidate, bool) {
	c := refCandidate{idx: idx}
	var ok bool
	if ok, c.hostClass, c.hostLen = refHost(r, req.Host); !ok {
		return c, false
	}
	switch {
	case r.Path != "":
		c.kind, ok = 0, req.Path == r.Path
	case r.Template != "":
		c.kind = 1
		ok, c.tkinds = refTemplate(r.Template, req.Path)
	case r.Prefix != "":
		c.kind, c.prefixLen = 2, len(r.Prefix)
		if strings.HasSuffix(r.Prefix, "/") {
			ok = strings.HasPrefix(req.Path, r.Prefix)
		} else {
			ok = req.Path == r.Prefix || strings.HasPrefix(req.Path, r.Prefix+"/")
		}
	default:
		c.kind = 3
		ok = regexp.MustCompile("^(?:" + r.Regex + ")$").MatchString(req.Path)
	}
	if !ok {
		return c, false
	}
	if len(r.Methods) > 0 && !slices.Contains(r.Methods, req.Method) {
		return c, false
	}
	for _, h := range r.Headers {
		vs := req.Header.Values(h.Name)
		if !refCond(h.Name, h.Exact, h.Regex, h.Present, h.Absent, req.Header.Get(h.Name), len(vs) > 0) {
			return c, false
		}
	}
	q, _ := url.ParseQuery(req.RawQuery)
	for _, m := range r.Query {
		if !refCond(m.Name, m.Exact, m.Regex, m.Present, m.Absent, q.Get(m.Name), q.Has(m.Name)) {
			return c, false
		}
	}
	c.spec = len(r.Headers) + len(r.Query)
	if len(r.Methods) > 0 {
		c.spec++
	}
	return c, true
}

// refLess is the documented precedence.
func refLess(a, b refCandidate) bool {
	if a.hostClass != b.hostClass {
		return a.hostClass < b.hostClass
	}
	if a.hostLen != b.hostLen {
		return a.hostLen > b.hostLen
	}
	if a.kind != b.kind {
		return a.kind < b.kind
	}
	switch a.kind {
	case 1:
		if c := slices.Compare(a.tkinds, b.tkinds); c != 0 {
			return c < 0
		}
	case 2:
		if a.prefixLen != b.prefixLen {
			return a.prefixLen > b.prefixLen
		}
	case 3:
		return a.idx < b.idx
	}
	if a.spec != b.spec {
		return a.spec > b.spec
	}
	return a.idx < b.idx
}

func FuzzMatch(f *testing.F) {
	f.Add(uint64(1), uint8(0), uint8(0), []byte{0, 1}, uint8(0), "q=1")
	f.Add(uint64(2), uint8(1), uint8(1), []byte{0}, uint8(3), "")
	f.Add(uint64(3), uint8(2), uint8(2), []byte{1, 2, 3}, uint8(15), "r=2&q")
	f.Add(uint64(42), uint8(0), uint8(7), []byte{0, 0, 4}, uint8(5), "q=%31;r=1")
	f.Fuzz(func(t *testing.T, seed uint64, method, host uint8, segs []byte, hdrs uint8, query string) {
		tab, routes := compileDropping(t, randomRoutes(seed))
		if len(segs) > 6 {
			segs = segs[:6]
		}
		var p strings.Builder
		for _, s := range segs {
			p.WriteString("/")
			p.WriteString(fuzzSegs[int(s)%len(fuzzSegs)])
		}
		path, err := Normalize("/" + strings.TrimPrefix(p.String(), "/"))
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		if hdrs&1 != 0 {
			h.Set("X-A", []string{"1", "2", "3", ""}[hdrs>>1&3])
		}
		if hdrs&8 != 0 {
			h.Set("X-B", []string{"1", "2", "3", ""}[hdrs>>4&3])
		}
		req := Request{
			Method:   []string{"GET", "POST", "PUT", "DELETE"}[method%4],
			Host:     fuzzReqHosts[int(host)%len(fuzzReqHosts)],
			Path:     path,
			RawQuery: query,
			Header:   h,
		}

		var best *refCandidate
		for i, r := range routes {
			if c, ok := refMatch(r, i, req); ok && (best == nil || refLess(c, *best)) {
				best = &c
			}
		}
		m, ok := tab.Match(req)
		switch {
		case !ok && best == nil:
			return
		case !ok:
			t.Fatalf("%+v: no match, want routes[%d] %+v", req, best.idx, routes[best.idx])
		case best == nil:
			t.Fatalf("%+v: matched routes[%d] %+v, want none", req, m.Index, routes[m.Index])
		case m.Index != best.idx:
			t.Fatalf("%+v: matched routes[%d] %+v, want routes[%d] %+v", req, m.Index, routes[m.Index], best.idx, routes[best.idx])
		}
		if _, ok := refMatch(*m.Route, m.Index, req); !ok {
			t.Fatalf("%+v: matched route %+v does not satisfy its matchers", req, *m.Route)
		}
		if m.Path != req.Path {
			t.Fatalf("%+v: upstream path %q, want %q", req, m.Path, req.Path)
		}
	})
}

// TestMatchAgainstReference runs the FuzzMatch property over many seeds, so
// plain `go test` covers more than the seed corpus.

func TestMatchAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	var segs []byte
	for seed := range uint64(300) {
		tab, routes := compileDropping(t, randomRoutes(seed))
		for range 40 {
			segs = segs[:0]
			for range 1 + rng.IntN(4) {
				segs = append(segs, byte(rng.IntN(len(fuzzSegs))))
			}
			var p strings.Builder
			for _, s := range segs {
				p.WriteString("/")
				p.WriteString(fuzzSegs[s])
			}
			path, _ := Normalize(p.String())
			h := http.Header{}
			if rng.IntN(2) == 0 {
				h.Set("X-A", []string{"1", "2", "3"}[rng.IntN(3)])
			}
			if rng.IntN(2) == 0 {
				h.Set("X-B", []string{"1", "2", "3"}[rng.IntN(3)])
			}
			req := Request{
				Method:   []string{"GET", "POST", "PUT", "DELETE"}[rng.IntN(4)],
				Host:     fuzzReqHosts[rng.IntN(len(fuzzReqHosts))],
				Path:     path,
				RawQuery: []string{"", "q=1", "r=2&q", "q=3&r=1", "r"}[rng.IntN(5)],
				Header:   h,
			}
			var best *refCandidate
			for i, r := range routes {
				if c, ok := refMatch(r, i, req); ok && (best == nil || refLess(c, *best)) {
					best = &c
				}
			}
			m, ok := tab.Match(req)
			want := -1
			if best != nil {
				want = best.idx
			}
			got := -1
			if ok {
				got = m.Index
			}
			if got != want {
				t.Fatalf("seed %d %+v: got routes[%d], want routes[%d]\nroutes: %+v", seed, req, got, want, routes)
			}
		}
	}
}
