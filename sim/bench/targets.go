package bench

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"

	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim/live"
)

// Target names, in report order.
const (
	Direct         = Baseline
	Gateway        = "gateway"
	GatewaySidecar = "gateway+sidecar"
)

// Names lists every target bench knows, in report order.
func Names() []string {
	names := []string{Direct, Gateway, GatewaySidecar}
	for _, p := range peers() {
		names = append(names, p.name)
	}
	return names
}

// ParseTargets checks a --targets list against Names and returns it in
// report order; Baseline is added when missing, since every ratio needs it.
// Empty means every target.
func ParseTargets(list string) ([]string, error) {
	if strings.TrimSpace(list) == "" {
		return Names(), nil
	}
	want := map[string]bool{Baseline: true}
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		if !slices.Contains(Names(), n) {
			return nil, fmt.Errorf("bench: unknown target %q: want one of %s", n, strings.Join(Names(), ", "))
		}
		want[n] = true
	}
	var out []string
	for _, n := range Names() {
		if want[n] {
			out = append(out, n)
		}
	}
	return out, nil
}

// topology is one service behind the gateway with no synthetic latency and
// a small response: everything measured is the path, not the work. Its
// capacity exceeds any client concurrency bench allows, so it never sheds.
const topology = `baton: v1
name: bench
services:
  echo:
    concurrency: 2048
    queue: 1024
    latency: 0s
    response_bytes: 64
gateway:
  routes:
    - {prefix: /echo, service: echo, name: echo}
load:
  rate: 1/s
`

// Setup is the running targets: the live topologies and any peer proxies.
type Setup struct {
	Targets []Target
	Skipped []Skip
	closers []func() error
}

// Start brings up the named targets on 127.0.0.1: a proxyless topology
// (direct, gateway and the peers' upstream), a sidecar one when asked for,
// and each peer whose binary is on PATH, with a generated config in its own
// temporary directory. Peers missing from PATH are skipped, not errors.
// Close stops everything, also after an error.
func Start(ctx context.Context, names []string) (s *Setup, err error) {
	s = &Setup{}
	defer func() {
		if err != nil {
			s.Close()
			s = nil
		}
	}()
	want := func(n string) bool { return slices.Contains(names, n) }
	plain, err := startTopology(ctx, scenarios.ModeProxyless)
	if err != nil {
		return s, err
	}
	s.closers = append(s.closers, plain.Close)
	upstream := plain.ReplicaURL("echo-0")
	s.Targets = append(s.Targets, Target{Direct, upstream + "/"})
	if want(Gateway) {
		s.Targets = append(s.Targets, Target{Gateway, plain.GatewayURL() + "/echo"})
	}
	if want(GatewaySidecar) {
		side, err := startTopology(ctx, scenarios.ModeSidecar)
		if err != nil {
			return s, err
		}
		s.closers = append(s.closers, side.Close)
		s.Targets = append(s.Targets, Target{GatewaySidecar, side.GatewayURL() + "/echo"})
	}
	for _, p := range peers() {
		if !want(p.name) {
			continue
		}
		bin, err := exec.LookPath(p.bin)
		if err != nil {
			s.Skipped = append(s.Skipped, Skip{Name: p.name, Reason: p.bin + " not on PATH"})
			continue
		}
		proc, err := startPeer(ctx, p, bin, strings.TrimPrefix(upstream, "http://"))
		if err != nil {
			return s, err
		}
		s.closers = append(s.closers, proc.stop)
		s.Targets = append(s.Targets, Target{p.name, proc.url})
	}
	return s, nil
}

func startTopology(ctx context.Context, mode string) (*live.Instance, error) {
	sc, err := scenarios.Parse("bench.yaml", []byte(topology))
	if err != nil {
		return nil, fmt.Errorf("bench: topology: %w", err)
	}
	sc.Mesh.Mode = mode
	inst, err := live.New(live.Options{}).Start(ctx, sc)
	if err != nil {
		return nil, fmt.Errorf("bench: start %s topology: %w", mode, err)
	}
	return inst.(*live.Instance), nil
}

// Close stops the peers, then the topologies, in reverse start order.
func (s *Setup) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	s.closers = nil
	return errors.Join(errs...)
}
