package route

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

const yamlRoutes = `
- name: users
  host: "*.example.com"
  template: /api/users/{id}/{rest...}
  methods: [GET, PUT]
  headers:
    - {name: X-Canary, present: true}
  query:
    - {name: v, regex: "[12]"}
  backends:
    - {service: users, weight: 95}
    - {service: users-canary, weight: 5}
  mirror: {service: users-shadow, percent: 2.5}
  rewrite: /users/{id}/{rest}
  timeout: 2s
  retries: {attempts: 2, per_try_timeout: 500ms, retry_on: [5xx, reset]}
- name: legacy
  prefix: /old/
  redirect: {status: 308, scheme: https, strip_query: true}
  strip_prefix: true
`

func wantConfigRoutes() []Route {
	return []Route{
		{
			Name:     "users",
			Host:     "*.example.com",
			Template: "/api/users/{id}/{rest...}",
			Methods:  []string{"GET", "PUT"},
			Headers:  []HeaderMatch{{Name: "X-Canary", Present: true}},
			Query:    []QueryMatch{{Name: "v", Regex: "[12]"}},
			Backends: []Backend{{Service: "users", Weight: 95}, {Service: "users-canary", Weight: 5}},
			Mirror:   &Mirror{Service: "users-shadow", Percent: 2.5},
			Rewrite:  "/users/{id}/{rest}",
			Timeout:  2 * time.Second,
			Retries:  &Retries{Attempts: 2, PerTryTimeout: 500 * time.Millisecond, RetryOn: []string{"5xx", "reset"}},
		},
		{
			Name:        "legacy",
			Prefix:      "/old/",
			Redirect:    &Redirect{Status: 308, Scheme: "https", StripQuery: true},
			StripPrefix: true,
		},
	}
}

func TestConfigYAML(t *testing.T) {
	dec := yaml.NewDecoder(bytes.NewReader([]byte(yamlRoutes)))
	dec.KnownFields(true)
	var got []Route
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if want := wantConfigRoutes(); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	tab, err := Compile(got)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := tab.Match(Request{Method: "PUT", Host: "eu.example.com", Path: "/api/users/7/avatar/", RawQuery: "v=2",
		Header: hdr("X-Canary", "1")})
	if !ok || m.Route.Name != "users" || m.Path != "/users/7/avatar/" || m.Backend(divHi(191, 200)).Service != "users-canary" {
		t.Errorf("got %v %q %v, want users /users/7/avatar/ users-canary", ok, m.Path, m.Backend(divHi(191, 200)))
	}
	m, ok = tab.Match(Request{Method: "GET", Host: "a.test:80", Path: "/old/x/y", RawQuery: "a=1"})
	if !ok || m.Status != 308 || m.Location != "https://a.test/x/y" {
		t.Errorf("got %v %d %q, want 308 https://a.test/x/y", ok, m.Status, m.Location)
	}
}

func TestConfigJSON(t *testing.T) {
	want := wantConfigRoutes()
	b, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var got []Route
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip: got %+v, want %+v", got, want)
	}
	var keys []map[string]any
	if err := json.Unmarshal(b, &keys); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"strip_prefix", "redirect"} {
		if _, ok := keys[1][k]; !ok {
			t.Errorf("JSON has no %q key: %s", k, b)
		}
	}
	if _, ok := keys[0]["retries"].(map[string]any)["per_try_timeout"]; !ok {
		t.Errorf("JSON has no per_try_timeout key: %s", b)
	}
}
