package route

import (
	"fmt"
	"testing"
)

// benchRoutes builds n routes of mixed kinds; route i serves service i.
func benchRoutes(n int) []Route {
	rs := make([]Route, n)
	for i := range rs {
		r := Route{Name: fmt.Sprint(i), Backends: []Backend{{Service: fmt.Sprint("svc", i)}}}
		switch i % 5 {
		case 0:
			r.Path = fmt.Sprintf("/svc%d/health", i)
		case 1:
			r.Template = fmt.Sprintf("/svc%d/users/{id}/orders/{order}", i)
		case 2:
			r.Prefix = fmt.Sprintf("/svc%d/static/", i)
		case 3:
			r.Host, r.Prefix = fmt.Sprintf("svc%d.example.com", i), "/"
		case 4:
			r.Host, r.Prefix = fmt.Sprintf("*.z%d.example.com", i), "/api"
		}
		rs[i] = r
	}
	return rs
}

// benchTarget returns the index of a route of kind k near the middle.
func benchTarget(n, k int) int { return n/2 - n/2%5 + k }

func BenchmarkMatch(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		tab, err := Compile(benchRoutes(n))
		if err != nil {
			b.Fatal(err)
		}
		reqs := []struct {
			name string
			req  Request
		}{
			{"exact", Request{Method: "GET", Host: "gw.test", Path: fmt.Sprintf("/svc%d/health", benchTarget(n, 0))}},
			{"template", Request{Method: "GET", Host: "gw.test", Path: fmt.Sprintf("/svc%d/users/42/orders/7", benchTarget(n, 1))}},
			{"prefix", Request{Method: "GET", Host: "gw.test", Path: fmt.Sprintf("/svc%d/static/css/site.css", benchTarget(n, 2))}},
			{"host", Request{Method: "GET", Host: fmt.Sprintf("svc%d.example.com:8080", benchTarget(n, 3)), Path: "/a/b"}},
			{"wildcard-host", Request{Method: "GET", Host: fmt.Sprintf("eu.z%d.example.com", benchTarget(n, 4)), Path: "/api/x"}},
			{"miss", Request{Method: "GET", Host: "gw.test", Path: "/nothing/here"}},
		}
		for _, r := range reqs {
			b.Run(fmt.Sprintf("%s/routes=%d", r.name, n), func(b *testing.B) {
				b.ReportAllocs()
				_, want := tab.Match(r.req)
				for b.Loop() {
					if _, ok := tab.Match(r.req); ok != want {
						b.Fatal("match changed")
					}
				}
			})
		}
	}
}

func BenchmarkNormalize(b *testing.B) {
	for _, p := range []struct{ name, path string }{
		{"clean", "/api/v1/users/42/orders/7"},
		{"dirty", "/api//v1/./users/%34%32/../42/orders/%37"},
	} {
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Normalize(p.path); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
