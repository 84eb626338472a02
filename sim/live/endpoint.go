package live

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/baton-sim/baton/sim/fault"
)

// endpoint is a replica's address as the mesh knows it. The server behind
// it can crash — its listener closes and every open connection is reset
// with a real TCP RST — and restart on the same address, which is what a
// crash fault does.
type endpoint struct {
	name  string
	addr  string
	mount func(net.Listener) (net.Listener, http.Handler) // adds mTLS and authz, if any

	mu    sync.Mutex
	srv   *http.Server
	conns map[net.Conn]struct{}
	down  bool
	wg    sync.WaitGroup
}

// start serves on ln.
func (e *endpoint) start(ln net.Listener) {
	ln, h := e.mount(ln)
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          discardLogger(),
		ConnState:         e.track,
	}
	e.mu.Lock()
	e.srv, e.down = srv, false
	if e.conns == nil {
		e.conns = make(map[net.Conn]struct{})
	}
	e.mu.Unlock()
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		_ = srv.Serve(ln) // ends with ErrServerClosed on crash and shutdown
	}()
}

func (e *endpoint) track(c net.Conn, s http.ConnState) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch s {
	case http.StateNew:
		e.conns[c] = struct{}{}
	case http.StateClosed, http.StateHijacked:
		delete(e.conns, c)
	}
}

// crash resets every open connection and closes the listener.
func (e *endpoint) crash() {
	e.mu.Lock()
	if e.down {
		e.mu.Unlock()
		return
	}
	e.down = true
	srv := e.srv
	for c := range e.conns {
		_ = fault.Reset(c)
		delete(e.conns, c)
	}
	e.mu.Unlock()
	_ = srv.Close()
}

// restart listens on the same address again.
func (e *endpoint) restart(ctx context.Context) error {
	e.mu.Lock()
	down := e.down
	e.mu.Unlock()
	if !down {
		return nil
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", e.addr)
	if err != nil {
		return fmt.Errorf("live: restart %s: %w", e.name, err)
	}
	e.start(ln)
	return nil
}

// shutdown stops serving, letting in-flight requests finish.
func (e *endpoint) shutdown(ctx context.Context) error {
	e.mu.Lock()
	srv, down := e.srv, e.down
	e.down = true
	e.mu.Unlock()
	var err error
	if !down {
		if err = srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
	}
	e.wg.Wait()
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("live: shutdown %s: %w", e.name, err)
	}
	return err
}
