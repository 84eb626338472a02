package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/baton-sim/baton/scenarios"
)

// Control steers a running scenario: change the offered rate, inject and
// clear faults. The TUI and the control API drive a run through it; an
// engine's Instance implements it where it can.
type Control interface {
	// SetRate replaces the rest of the load profile with a constant rate
	// (requests per second) from now on.
	SetRate(rps float64) error
	// InjectFault adds a fault whose At counts from now, returning its id.
	InjectFault(f scenarios.Fault) (int, error)
	// ClearFault ends fault id now.
	ClearFault(id int) error
}

// ErrNotSteerable is returned by control calls an engine or a load model
// cannot honour (the closed model has no rate to set).
var ErrNotSteerable = errors.New("sim: not steerable")

// maxControlBody bounds a control request's body.
const maxControlBody = 64 << 10

// NewControlHandler serves Control over HTTP, for steering a run from a
// script or another terminal:
//
//	POST   /rate?rps=500     set the offered rate
//	POST   /faults           inject the fault in the body (YAML or JSON,
//	                         the scenario's fault syntax); answers {"id": N}
//	DELETE /faults/{id}      clear a fault
func NewControlHandler(c Control) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /rate", func(w http.ResponseWriter, r *http.Request) {
		rps, err := strconv.ParseFloat(r.URL.Query().Get("rps"), 64)
		if err != nil {
			http.Error(w, "rps: want a number of requests per second, such as /rate?rps=500", http.StatusBadRequest)
			return
		}
		if err := c.SetRate(rps); err != nil {
			http.Error(w, err.Error(), statusOf(err))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /faults", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxControlBody))
		if err != nil {
			http.Error(w, "body: "+err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		var f scenarios.Fault
		dec := yaml.NewDecoder(bytes.NewReader(body))
		dec.KnownFields(true)
		if err := dec.Decode(&f); err != nil {
			http.Error(w, "fault: "+err.Error(), http.StatusBadRequest)
			return
		}
		id, err := c.InjectFault(f)
		if err != nil {
			http.Error(w, err.Error(), statusOf(err))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]int{"id": id})
	})
	mux.HandleFunc("DELETE /faults/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.Atoi(r.PathValue("id"))
		if err != nil {
			http.Error(w, fmt.Sprintf("fault id %q: want a number", r.PathValue("id")), http.StatusBadRequest)
			return
		}
		if err := c.ClearFault(id); err != nil {
			http.Error(w, err.Error(), statusOf(err))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

func statusOf(err error) int {
	if errors.Is(err, ErrNotSteerable) {
		return http.StatusConflict
	}
	return http.StatusBadRequest
}
