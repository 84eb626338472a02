// Package gateway is Baton's API gateway: the edge in front of a topology.
//
// Every decision is made by explicit-time policy code (Decide) so it runs
// unchanged in virtual time; Handler is the thin http.Handler around it that
// the live engine serves on a socket.
package gateway

import (
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/baton-sim/baton/mesh"
	"github.com/baton-sim/baton/scenarios"
)

// RouteHeader names the response header in which the gateway says which
// route matched; load drivers use it to attribute a request to a route.
const RouteHeader = "X-Baton-Route"

// Gateway holds the compiled edge configuration. It is immutable; a reload
// builds a new one.
type Gateway struct {
	// routes sorted by descending prefix length, so the first match is the
	// longest prefix.
	routes []scenarios.Route
}

// New compiles the gateway section of a scenario.
func New(cfg scenarios.Gateway) (*Gateway, error) {
	if len(cfg.Routes) == 0 {
		return nil, errors.New("gateway: no routes")
	}
	rs := append([]scenarios.Route(nil), cfg.Routes...)
	// Stable, so routes with equal prefixes keep declaration order.
	sort.SliceStable(rs, func(i, j int) bool { return len(rs[i].Prefix) > len(rs[j].Prefix) })
	return &Gateway{routes: rs}, nil
}

// Request is what the gateway decides on.
type Request struct {
	Method string
	Path   string
}

// Decision is what the gateway does with one request: forward it to Service
// along Route, or answer it locally with Status.
type Decision struct {
	Route   string
	Service string
	// Status is non-zero when the gateway answers by itself.
	Status int
	Reason string
}

// Decide routes one request. now is unused until rate limits arrive but is
// part of the contract: every edge decision happens at an explicit time.
func (g *Gateway) Decide(r Request, now time.Time) Decision {
	_ = now
	for _, rt := range g.routes {
		if hasPathPrefix(r.Path, rt.Prefix) {
			return Decision{Route: rt.Name, Service: rt.Service}
		}
	}
	return Decision{Status: http.StatusNotFound, Reason: "no route"}
}

// Route reports the name of the route a path would take, or "" if none.
func (g *Gateway) Route(path string) string {
	return g.Decide(Request{Method: http.MethodGet, Path: path}, time.Time{}).Route
}

// hasPathPrefix matches whole path segments: /api matches /api and /api/x
// but not /apix.
func hasPathPrefix(path, prefix string) bool {
	if !strings.HasPrefix(path, prefix) {
		return false
	}
	return len(path) == len(prefix) || strings.HasSuffix(prefix, "/") || path[len(prefix)] == '/'
}

// Handler serves the gateway on HTTP, forwarding through a mesh client.
type Handler struct {
	gw     *Gateway
	client *mesh.Client
	now    func() time.Time
}

// NewHandler returns the HTTP face of gw. now is the engine's clock.
func NewHandler(gw *Gateway, client *mesh.Client, now func() time.Time) *Handler {
	return &Handler{gw: gw, client: client, now: now}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d := h.gw.Decide(Request{Method: r.Method, Path: r.URL.Path}, h.now())
	if d.Status != 0 {
		http.Error(w, d.Reason, d.Status)
		return
	}
	w.Header().Set(RouteHeader, d.Route)
	mesh.Forward(w, r, h.client, d.Service)
}
