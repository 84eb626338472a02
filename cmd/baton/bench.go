package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/baton-sim/baton/sim/bench"
)

type benchFlags struct {
	duration    time.Duration
	rounds      int
	concurrency int
	targets     string
	maxRatio    []string
	format      string
	out         string
}

func newBenchCmd(stdout, stderr io.Writer) *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure the gateway's and mesh's overhead against a direct call and peer proxies",
		Long: `Measure what Baton's gateway and mesh cost per request. The same upstream
replica is reached directly, through the gateway (proxyless and with sidecars)
and through nginx, HAProxy and Caddy when they are on PATH, each in rounds
that interleave the targets, and reported as ratios to the direct call.

Targets: ` + strings.Join(bench.Names(), ", ") + `. Exit codes: 0 ok,
1 a --max-ratio gate failed, 2 bad flags, 3 the run failed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runBench(cmd, f, stdout, stderr) },
	}
	fl := cmd.Flags()
	fl.DurationVar(&f.duration, "duration", 2*time.Second, "how long each target is measured per round")
	fl.IntVar(&f.rounds, "rounds", 5, "rounds; each runs every target once, in a rotated order")
	fl.IntVar(&f.concurrency, "concurrency", 16, "closed-loop client workers")
	fl.StringVar(&f.targets, "targets", "", "comma-separated targets (default all; direct is always measured)")
	fl.StringArrayVar(&f.maxRatio, "max-ratio", nil, "fail (exit 1) when a target's median p50 ratio to direct exceeds this, e.g. gateway=2.5 (repeatable)")
	fl.StringVar(&f.format, "format", "text", "report format on stdout: text or json")
	fl.StringVar(&f.out, "out", "", "directory to write bench.json into")
	return cmd
}

func runBench(cmd *cobra.Command, f benchFlags, stdout, stderr io.Writer) error {
	if f.format != "text" && f.format != "json" {
		return badInput(fmt.Errorf("--format %q: want text or json", f.format))
	}
	// Zero means "default" to bench.Options; on the command line it is a
	// mistake, since the flags already show their defaults.
	if f.duration <= 0 || f.rounds < 1 || f.concurrency < 1 {
		return badInput(errors.New("--duration, --rounds and --concurrency must be positive"))
	}
	opts, err := bench.Options{Duration: f.duration, Rounds: f.rounds, Concurrency: f.concurrency}.Normalize()
	if err != nil {
		return badInput(err)
	}
	names, err := bench.ParseTargets(f.targets)
	if err != nil {
		return badInput(err)
	}
	var gates []bench.Gate
	for _, s := range f.maxRatio {
		target, limit, err := bench.ParseGate(s)
		if err != nil {
			return badInput(err)
		}
		if !slices.Contains(names, target) {
			return badInput(fmt.Errorf("--max-ratio %s: %q is not among the targets (%s)", s, target, strings.Join(names, ", ")))
		}
		gates = append(gates, bench.Gate{Target: target, MaxP50Ratio: limit})
	}

	ctx := cmd.Context()
	setup, err := bench.Start(ctx, names)
	if err != nil {
		return runFailed(err)
	}
	slots := time.Duration(opts.Rounds*len(setup.Targets)) * opts.Duration
	fmt.Fprintf(stderr, "bench: %d targets × %d rounds × %s (about %s)\n", len(setup.Targets), opts.Rounds, opts.Duration, slots)
	rep, err := bench.Measure(ctx, setup.Targets, opts)
	if cerr := setup.Close(); cerr != nil {
		// A stray peer process is worth a loud note, not a lost report.
		fmt.Fprintln(stderr, "baton: bench: stopping targets:", cerr)
	}
	if err != nil {
		return runFailed(err)
	}
	rep.Skipped = append(rep.Skipped, setup.Skipped...)
	pass := rep.ApplyGates(gates)

	if f.out != "" {
		if err := writeBench(f.out, rep); err != nil {
			return runFailed(err)
		}
	}
	if f.format == "json" {
		err = bench.WriteJSON(stdout, rep)
	} else {
		err = bench.WriteText(stdout, rep)
	}
	if err != nil {
		return runFailed(err)
	}
	if !pass {
		for _, g := range rep.Gates {
			if !g.OK {
				fmt.Fprintf(stderr, "baton: bench: %s p50 ratio %.2f exceeds --max-ratio %g\n", g.Target, g.P50Ratio, g.MaxP50Ratio)
			}
		}
		return &exitError{code: exitSLOFailed, err: errors.New("a --max-ratio gate failed")}
	}
	return nil
}

func writeBench(dir string, rep *bench.Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write bench report: %w", err)
	}
	path := filepath.Join(dir, "bench.json")
	fh, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write bench report: %w", err)
	}
	if err := bench.WriteJSON(fh, rep); err != nil {
		fh.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return fh.Close()
}
