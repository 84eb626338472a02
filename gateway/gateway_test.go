package gateway

import (
	"net/http"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/baton-sim/baton/scenarios"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestDecideLongestWholeSegmentPrefix(t *testing.T) {
	gw, err := New(scenarios.Gateway{Routes: []scenarios.Route{
		{Name: "root", Prefix: "/", Service: "web"},
		{Name: "api", Prefix: "/api", Service: "frontend"},
		{Name: "api-v2", Prefix: "/api/v2", Service: "frontend-v2"},
		{Name: "static", Prefix: "/static/", Service: "cdn"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, route, service string
	}{
		{"/", "root", "web"},
		{"/api", "api", "frontend"},
		{"/api/items", "api", "frontend"},
		{"/apix", "root", "web"}, // whole segments only
		{"/api/v2", "api-v2", "frontend-v2"},
		{"/api/v2/x", "api-v2", "frontend-v2"},
		{"/api/v22", "api", "frontend"},
		{"/static/app.js", "static", "cdn"},
		{"/static", "root", "web"},
	}
	for _, tt := range tests {
		d := gw.Decide(Request{Method: http.MethodGet, Path: tt.path}, time.Time{})
		if d.Route != tt.route || d.Service != tt.service || d.Status != 0 {
			t.Errorf("Decide(%q) = %+v, want route %q service %q", tt.path, d, tt.route, tt.service)
		}
	}
}

func TestDecideNoRoute(t *testing.T) {
	gw, err := New(scenarios.Gateway{Routes: []scenarios.Route{{Name: "api", Prefix: "/api", Service: "frontend"}}})
	if err != nil {
		t.Fatal(err)
	}
	d := gw.Decide(Request{Method: http.MethodGet, Path: "/other"}, time.Time{})
	if d.Status != http.StatusNotFound || d.Service != "" {
		t.Errorf("Decide(/other) = %+v, want a local 404", d)
	}
}
