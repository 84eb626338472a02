package transform

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func compileHeadersOnly(b *testing.B, ops HeaderOps) *Transformer {
	b.Helper()
	tr, err := Compile(Config{Request: RequestConfig{Headers: ops}})
	if err != nil {
		b.Fatal(err)
	}
	return tr
}

// BenchmarkHeaderSet sets headers the request already has: no allocation.
func BenchmarkHeaderSet(b *testing.B) {
	tr := compileHeadersOnly(b, HeaderOps{Set: []HeaderValue{{"X-Gateway", "baton"}, {"Accept", "application/json"}}})
	h := http.Header{"X-Gateway": {"old"}, "Accept": {"*/*", "text/html"}, "User-Agent": {"bench"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.Request(h, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHeaderRemove removes headers the request has. Putting them back
// is part of the loop (a map store of an existing slice: no allocation).
func BenchmarkHeaderRemove(b *testing.B) {
	tr := compileHeadersOnly(b, HeaderOps{Remove: []string{"Cookie", "X-Internal"}})
	h := http.Header{"Cookie": {"a=1"}, "X-Internal": {"1"}, "User-Agent": {"bench"}}
	cookie, internal := h["Cookie"], h["X-Internal"]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.Request(h, nil); err != nil {
			b.Fatal(err)
		}
		h["Cookie"], h["X-Internal"] = cookie, internal
	}
}

// BenchmarkHeaderMixed runs every header op kind; add appends, so its
// header is reset each time and the cost includes that allocation.
func BenchmarkHeaderMixed(b *testing.B) {
	tr := compileHeadersOnly(b, HeaderOps{
		Remove: []string{"Cookie"},
		Rename: []Rename{{"X-Old", "X-New"}},
		Set:    []HeaderValue{{"X-Gateway", "baton"}},
		Add:    []HeaderValue{{"Via", "1.1 baton"}},
	})
	h := http.Header{"X-Gateway": {"old"}, "User-Agent": {"bench"}}
	b.ReportAllocs()
	for b.Loop() {
		h["X-Old"] = h["X-New"]
		h["Via"] = nil
		if _, err := tr.Request(h, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// body2K is a 2048-byte JSON object: metadata and a list of items, padded
// to size with a note.
func body2K() []byte {
	var sb strings.Builder
	sb.WriteString(`{"id":"ord-42","user":{"id":7,"name":"Ann Example","email":"ann@example.com","password_hash":"$2a$10$abcdefghijklmnopqrstuv"},"items":[`)
	for i := 0; sb.Len() < 1850; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"sku":"SKU-%04d","qty":%d,"price":%d.99,"tags":["a","b"]}`, i, i%5+1, 10+i)
	}
	const tail = `],"total":1234.56,"currency":"EUR","internal":{"shard":3},"note":""}`
	sb.WriteString(tail[:len(tail)-2])
	sb.WriteString(strings.Repeat("n", 2048-sb.Len()-2))
	sb.WriteString(`"}`)
	return []byte(sb.String())
}

func BenchmarkResponseJSON(b *testing.B) {
	tr := compileResponse(b, remove("user.password_hash"), rename("user.email", "contact"), set("meta.gateway", "baton"))
	body := body2K()
	if len(body) != 2048 {
		b.Fatalf("body is %d bytes, want 2048", len(body))
	}
	h := http.Header{"Content-Type": {"application/json"}, "Content-Length": {fmt.Sprint(len(body))}}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := tr.Response(200, h, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResponsePassThrough is the common path: header edits, no body
// operations, the body returned as is.
func BenchmarkResponsePassThrough(b *testing.B) {
	tr, err := Compile(Config{Response: ResponseConfig{
		Headers:   HeaderOps{Set: []HeaderValue{{"X-Gateway", "baton"}}, Remove: []string{"Server"}},
		StatusMap: map[int]int{502: 503},
	}})
	if err != nil {
		b.Fatal(err)
	}
	body := body2K()
	h := http.Header{"Content-Type": {"application/json"}, "X-Gateway": {"x"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := tr.Response(200, h, body); err != nil {
			b.Fatal(err)
		}
	}
}

func benchAggregation() (Aggregation, []BackendResult) {
	cfg := Aggregation{Backends: []Backend{
		{Service: "users", Path: "/users/7", Deny: []string{"password_hash"}},
		{Service: "orders", Path: "/orders?user=7", Group: "orders"},
		{Service: "recommendations", Path: "/recs/7", Allow: []string{"items"}, Mapping: map[string]string{"items": "recommended"}},
	}}
	results := []BackendResult{
		ok(`{"id":7,"name":"Ann Example","email":"ann@example.com","password_hash":"x","tier":"gold"}`),
		ok(`[{"id":"ord-1","total":12.5},{"id":"ord-2","total":99.99},{"id":"ord-3","total":5}]`),
		ok(`{"items":[{"sku":"A","score":0.93},{"sku":"B","score":0.81}],"model":"v3","debug":{"ms":12}}`),
	}
	return cfg, results
}

func BenchmarkMerge(b *testing.B) {
	cfg, results := benchAggregation()
	a, err := NewAggregator(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("aggregator", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if st, _, _ := a.Merge(results); st != 200 {
				b.Fatal(st)
			}
		}
	})
	b.Run("config", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if st, _, _ := Merge(cfg, results); st != 200 {
				b.Fatal(st)
			}
		}
	})
}

// TestHeaderOpsAllocs pins the allocation-free promise outside benchmarks.
func TestHeaderOpsAllocs(t *testing.T) {
	tr, err := Compile(Config{
		Request:  RequestConfig{Headers: HeaderOps{Set: []HeaderValue{{"X-Gateway", "baton"}}, Remove: []string{"Cookie"}}},
		Response: ResponseConfig{Headers: HeaderOps{Set: []HeaderValue{{"X-Gateway", "baton"}}, Rename: []Rename{{"X-A", "X-B"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"X-Gateway": {"old"}, "Cookie": {"a=1"}}
	cookie := h["Cookie"]
	body := []byte(`{"a":1}`)
	allocs := testing.AllocsPerRun(100, func() {
		h["Cookie"] = cookie
		if _, err := tr.Request(h, body); err != nil {
			t.Fatal(err)
		}
		h["X-A"] = cookie
		if _, _, err := tr.Response(200, h, body); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("got %v allocs per request and response, want 0", allocs)
	}
}
