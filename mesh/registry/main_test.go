package registry_test

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/baton-sim/baton/mesh/balance"
	"github.com/baton-sim/baton/mesh/registry"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func newRegistry(t testing.TB, opts registry.Options) *registry.Registry {
	t.Helper()
	r, err := registry.New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

// register adds endpoints "<zone>-<i>" to service at t0.
func register(t testing.TB, r *registry.Registry, service string, ids ...string) map[string]*balance.Endpoint {
	t.Helper()
	eps := make(map[string]*balance.Endpoint, len(ids))
	for _, id := range ids {
		zone := ""
		for i := range len(id) {
			if id[i] == '-' {
				zone = id[:i]
				break
			}
		}
		ep := &balance.Endpoint{ID: id, Addr: "127.0.0.1:1", Zone: zone}
		if err := r.Register(service, ep, t0); err != nil {
			t.Fatalf("Register(%s): %v", id, err)
		}
		eps[id] = ep
	}
	return eps
}

func ids(eps []*balance.Endpoint) []string {
	out := make([]string, len(eps))
	for i, ep := range eps {
		out[i] = ep.ID
	}
	return out
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
