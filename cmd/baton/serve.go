package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"os"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/baton-sim/baton/gateway"
	"github.com/baton-sim/baton/gateway/config"
	"github.com/baton-sim/baton/mesh"
	"github.com/baton-sim/baton/mesh/balance"
	"github.com/baton-sim/baton/scenarios"
)

func newServeCmd(stderr io.Writer) *cobra.Command {
	serve := &cobra.Command{
		Use:   "serve",
		Short: "Run one Baton component as a long-lived process",
		Long: `Run one Baton component as a long-lived process, so a topology can leave one
machine: the container engine and 'baton export' run the same binary.`,
		Args: cobra.NoArgs,
	}
	var path string
	gw := &cobra.Command{
		Use:   "gateway --config FILE",
		Short: "Serve the API gateway from a config file, reloading it on SIGHUP and on change",
		Long: `Serve the API gateway described by FILE: a gateway block (the scenario's
gateway schema), the address to listen on and the static endpoints of each
upstream service:

  listen: 127.0.0.1:8080
  seed: 1                     # optional: splits, mirroring, request ids
  upstreams:
    frontend: [127.0.0.1:9001, 127.0.0.1:9002]
  gateway:
    routes:
      - {name: api, prefix: /api, service: frontend}

The file is read again on SIGHUP and when its modification time or size
changes (checked every 500ms). A new configuration is compiled whole and
replaces the old one only if it is valid; otherwise the reason is logged and
the old one keeps serving. Requests in flight finish on the configuration
they started with. The listen address and server timeouts apply at start.
SIGINT or SIGTERM drain requests in flight and exit 0. Exit codes: 2 the
file is invalid at start, 3 the server failed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if path == "" {
				return badInput(errors.New("serve gateway: --config FILE is required"))
			}
			hup := make(chan os.Signal, 1)
			signal.Notify(hup, syscall.SIGHUP)
			defer signal.Stop(hup)
			return serveGateway(cmd.Context(), serveOptions{path: path, stderr: stderr, hup: hup})
		},
	}
	gw.Flags().StringVar(&path, "config", "", "the gateway config file (YAML)")
	serve.AddCommand(gw)
	return serve
}

// serveFile is what `baton serve gateway` reads.
type serveFile struct {
	Listen    string              `yaml:"listen"`
	Seed      uint64              `yaml:"seed"`
	Upstreams map[string][]string `yaml:"upstreams"`
	// Gateway is read from GatewayNode by the scenarios package's decoder,
	// so it means what a scenario's gateway block means.
	Gateway     config.Gateway `yaml:"-"`
	GatewayNode yaml.Node      `yaml:"gateway"`
}

// defaultListen is the address served when the file names none.
const defaultListen = "127.0.0.1:8080"

// decodeServeFile reads the file strictly: an unknown field is an error.
// The gateway block is read by the scenario's own decoder
// (scenarios.ParseGateway), so its problems are located
// (FILE:LINE:COL: gateway.FIELD: problem, with did-you-mean) and its
// defaults are a scenario's.
func decodeServeFile(path string, data []byte) (*serveFile, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f serveFile
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty file: want listen, upstreams and gateway", path)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if f.Listen == "" {
		f.Listen = defaultListen
	}
	var errs []error
	if _, _, err := net.SplitHostPort(f.Listen); err != nil {
		errs = append(errs, fmt.Errorf("%s: listen: %q is not host:port", path, f.Listen))
	}
	for _, name := range slices.Sorted(maps.Keys(f.Upstreams)) {
		for i, addr := range f.Upstreams[name] {
			if _, _, err := net.SplitHostPort(addr); err != nil {
				errs = append(errs, fmt.Errorf("%s: upstreams.%s[%d]: %q is not host:port", path, name, i, addr))
			}
		}
	}
	var block *yaml.Node
	if f.GatewayNode.Kind != 0 {
		block = &f.GatewayNode
	}
	g, err := scenarios.ParseGateway(path, block)
	if err != nil {
		errs = append(errs, flattenErr(err)...)
	} else {
		f.Gateway = *g
		for _, s := range f.Gateway.Services() {
			if len(f.Upstreams[s]) == 0 {
				errs = append(errs, fmt.Errorf("%s: upstreams.%s: the gateway sends to %q; give its addresses", path, s, s))
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &f, nil
}

func flattenErr(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func readServeFile(path string) (*serveFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decodeServeFile(path, data)
}

// serveOptions is serveGateway's wiring; tests fill it in directly.
type serveOptions struct {
	path   string
	stderr io.Writer
	// hup delivers reload requests (SIGHUP).
	hup <-chan os.Signal
	// poll is how often the file is checked for changes; default 500ms.
	poll time.Duration
	// ready, if set, is called with the listening address.
	ready func(addr string)
}

// lockedWriter serialises the log lines of the main loop and net/http.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// serveGateway runs the gateway until ctx ends, then drains it.
func serveGateway(ctx context.Context, o serveOptions) error {
	if o.poll == 0 {
		o.poll = 500 * time.Millisecond
	}
	logw := &lockedWriter{w: o.stderr}
	logf := func(format string, args ...any) { fmt.Fprintf(logw, "baton: "+format+"\n", args...) }

	st, _ := os.Stat(o.path)
	f, err := readServeFile(o.path)
	if err != nil {
		return badInput(err)
	}
	opts := gateway.Options{Seed: f.Seed}
	rl, err := gateway.NewReloader(f.Gateway, opts)
	if err != nil {
		return badInput(fmt.Errorf("%s: %w", o.path, err))
	}
	client, err := upstreamClient(f.Upstreams, nil, f.Seed)
	if err != nil {
		return badInput(fmt.Errorf("%s: %w", o.path, err))
	}
	clients := []*mesh.Client{client}
	h := gateway.NewHandler(rl, 0, client, time.Now)
	defer func() {
		h.Close()
		for _, c := range clients {
			c.Close()
		}
	}()

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", f.Listen)
	if err != nil {
		return runFailed(fmt.Errorf("serve gateway: %w", err))
	}
	// With a tls block the listener terminates TLS; its certificates
	// follow reloads (each handshake asks the current configuration), but
	// whether it speaks TLS at all is fixed at start.
	so := rl.ServerOptions()
	srv := gateway.NewServer(h, so, log.New(logw, "baton: http: ", 0))
	served := make(chan error, 1)
	go func() { served <- srv.Serve(gateway.Listener(ln, so)) }()
	addr := ln.Addr().String()
	scheme := "http"
	if so.TLS != nil {
		scheme = "https"
	}
	logf("gateway serving on %s://%s (%d routes) from %s", scheme, addr, len(f.Gateway.Routes), o.path)
	if o.ready != nil {
		o.ready(addr)
	}

	reload := func(why string) {
		next, err := readServeFile(o.path)
		if err == nil {
			// Compiled here and again by Reload, so that nothing is
			// swapped, not even the upstreams, unless all of it is good.
			if _, cerr := gateway.New(next.Gateway, opts); cerr != nil {
				err = fmt.Errorf("%s: %w", o.path, cerr)
			}
		}
		if err != nil {
			logf("reload (%s) rejected, still serving the previous configuration: %v", why, err)
			return
		}
		if next.Listen != f.Listen {
			logf("reload (%s): listen %s needs a restart; still listening on %s", why, next.Listen, addr)
		}
		if (next.Gateway.TLS == nil) != (so.TLS == nil) {
			logf("reload (%s): turning tls on or off needs a restart; still serving %s", why, scheme)
		}
		if next.Seed != f.Seed {
			logf("reload (%s): a new seed needs a restart; keeping %d", why, f.Seed)
		}
		if !sameUpstreams(next.Upstreams, f.Upstreams) {
			// The new client also knows the services only the old
			// configuration uses, so the instant between the two swaps
			// cannot send a request to a service the client lacks.
			c, err := upstreamClient(next.Upstreams, f.Upstreams, next.Seed)
			if err != nil {
				logf("reload (%s) rejected, still serving the previous configuration: %s: %v", why, o.path, err)
				return
			}
			clients = append(clients, c)
			h.SetClient(c)
		}
		if err := rl.Reload(next.Gateway); err != nil {
			logf("reload (%s) rejected, still serving the previous configuration: %s: %v", why, o.path, err)
			return
		}
		f = next
		logf("reloaded %s (%s): %d routes", o.path, why, len(next.Gateway.Routes))
	}

	tick := time.NewTicker(o.poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			logf("shutting down: draining requests in flight")
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := srv.Shutdown(sctx)
			cancel()
			if err != nil {
				srv.Close()
			}
			<-served
			logf("stopped")
			return nil
		case err := <-served:
			return runFailed(fmt.Errorf("serve gateway: %w", err))
		case <-o.hup:
			reload("SIGHUP")
			st, _ = os.Stat(o.path)
		case <-tick.C:
			now, err := os.Stat(o.path)
			if err != nil || (st != nil && now.ModTime().Equal(st.ModTime()) && now.Size() == st.Size()) {
				continue
			}
			st = now
			reload("file changed")
		}
	}
}

// upstreamClient builds the gateway's mesh client over static endpoints:
// upstreams, plus the services of also that upstreams does not list.
func upstreamClient(upstreams, also map[string][]string, seed uint64) (*mesh.Client, error) {
	all := maps.Clone(upstreams)
	for name, addrs := range also {
		if _, ok := all[name]; !ok {
			if all == nil {
				all = map[string][]string{}
			}
			all[name] = addrs
		}
	}
	dests := make(map[string]mesh.Destination, len(all))
	for name, addrs := range all {
		eps := make([]*balance.Endpoint, len(addrs))
		for i, a := range addrs {
			eps[i] = &balance.Endpoint{ID: fmt.Sprintf("%s-%d", name, i), Addr: a}
		}
		dests[name] = mesh.Destination{Endpoints: eps}
	}
	return mesh.NewClient(mesh.ClientOptions{Caller: "gateway", Destinations: dests, Seed: seed})
}

func sameUpstreams(a, b map[string][]string) bool {
	return maps.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}
