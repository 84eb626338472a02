package transform_test

import (
	"fmt"
	"net/http"

	"github.com/baton-sim/baton/gateway/transform"
)

func ExampleTransformer_Response() {
	tr, err := transform.Compile(transform.Config{Response: transform.ResponseConfig{
		Headers: transform.HeaderOps{
			Remove: []string{"Server"},
			Add:    []transform.HeaderValue{{Name: "Via", Value: "1.1 baton"}},
		},
		JSON: []transform.JSONOp{
			{Remove: "user.password_hash"},
			{Rename: &transform.Rename{From: "user.mail", To: "email"}},
			{Move: &transform.Move{From: "internal.trace", To: "meta.trace"}},
		},
		StatusMap: map[int]int{502: 503},
	}})
	if err != nil {
		panic(err)
	}
	h := http.Header{"Server": {"upstream/1.0"}, "Content-Type": {"application/json"}}
	status, body, err := tr.Response(200, h,
		[]byte(`{"user":{"id":7,"mail":"ann@example.com","password_hash":"x"},"internal":{"trace":"abc"}}`))
	fmt.Println(status, err)
	fmt.Println(string(body))
	fmt.Println(h)
	status, _, _ = tr.Response(502, http.Header{}, nil)
	fmt.Println(status)
	// Output:
	// 200 <nil>
	// {"internal":{},"meta":{"trace":"abc"},"user":{"email":"ann@example.com","id":7}}
	// map[Content-Type:[application/json] Via:[1.1 baton]]
	// 503
}

func ExampleMerge() {
	cfg := transform.Aggregation{Backends: []transform.Backend{
		{Service: "users", Path: "/users/7", Deny: []string{"password_hash"}},
		{Service: "orders", Path: "/orders?user=7", Group: "orders", ReturnErrorDetails: "orders"},
		{Service: "tags", Path: "/tags/7"},
	}}
	status, h, body := transform.Merge(cfg, []transform.BackendResult{
		{Status: 200, Body: []byte(`{"id":7,"name":"Ann","password_hash":"x"}`)},
		{TimedOut: true},
		{Status: 200, Body: []byte(`["gold","beta"]`)},
	})
	fmt.Println(status, h.Get(transform.CompletedHeader))
	fmt.Println(string(body))
	// Output:
	// 200 false
	// {"error_orders":{"error":"timed out"},"id":7,"name":"Ann","tags":["gold","beta"]}
}
