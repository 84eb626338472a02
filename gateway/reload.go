package gateway

import (
	"crypto/tls"
	"sync"
	"sync/atomic"

	"github.com/baton-sim/baton/gateway/config"
)

// Reloader holds the configuration a running gateway serves and swaps it
// whole. Handlers built on it ask for the current Gateway once per
// request, so a request in flight finishes on the configuration it started
// with while new requests see the new one, without a lock on the request
// path.
//
// A reload compiles the new configuration completely first (validation,
// key files, route table, policies) and swaps only when all of it
// succeeded: an invalid configuration is rejected with its error and the
// old one keeps serving. Rate-limit counters carry over for every named
// limit whose configuration is unchanged (see the package documentation).
type Reloader struct {
	mu   sync.Mutex // serialises reloads, so carry-over reads the latest
	cur  atomic.Pointer[Gateway]
	opts Options
	// initialTLS is the first configuration's TLS: it decides whether the
	// listener is TLS at all.
	initialTLS *tls.Config
}

// NewReloader compiles cfg as the first configuration.
func NewReloader(cfg config.Gateway, opts Options) (*Reloader, error) {
	g, err := New(cfg, opts)
	if err != nil {
		return nil, err
	}
	r := &Reloader{opts: opts, initialTLS: g.tls}
	r.cur.Store(g)
	return r, nil
}

// Current returns the configuration new requests are decided by.
func (r *Reloader) Current() *Gateway { return r.cur.Load() }

// Reload compiles cfg and, if it is valid, makes it current. On error the
// current configuration is untouched.
func (r *Reloader) Reload(cfg config.Gateway) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	g, err := build(cfg, r.opts, r.cur.Load())
	if err != nil {
		return err
	}
	r.cur.Store(g)
	return nil
}
