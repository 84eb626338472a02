package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/baton-sim/baton/reports"
	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim"
	"github.com/baton-sim/baton/sim/live"
)

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "baton",
		Short: "Run API traffic scenarios through a real gateway and service mesh",
		Long: `Baton runs a scenario — a synthetic service topology behind an API gateway and a
service mesh, a load profile and SLOs — on real sockets, and reports latency,
errors and routing as text or JSON that CI can gate on.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newRunCmd(stdout, stderr), newScenariosCmd(stdout), newValidateCmd(stdout), newServeCmd(stderr))
	root.AddCommand(newBenchCmd(stdout, stderr), newSelfcheckCmd(stdout, stderr))
	return root
}

type runFlags struct {
	duration time.Duration
	rate     string
	seed     uint64
	sets     []string
	engine   string
	out      string
	format   string
	noTUI    bool
	control  string
}

func newRunCmd(stdout, stderr io.Writer) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run [SCENARIO]",
		Short: "Run a scenario (an embedded name or a file; default quickstart)",
		Long: `Run a scenario and print its summary.

SCENARIO is the name of an embedded scenario (see 'baton scenarios') or the
path of a scenario file; the default is quickstart. Exit codes: 0 ok, 1 an SLO
failed, 2 bad input, 3 the run failed.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := "quickstart"
			if len(args) == 1 {
				name = args[0]
			}
			return runScenario(cmd, name, f, stdout, stderr)
		},
	}
	fl := cmd.Flags()
	fl.DurationVar(&f.duration, "duration", 0, "override the scenario's duration (e.g. 10s)")
	fl.StringVar(&f.rate, "rate", "", "override the load rate (e.g. 500/s)")
	fl.Uint64Var(&f.seed, "seed", 0, "override the scenario's seed")
	fl.StringArrayVar(&f.sets, "set", nil, "set a scenario field by dotted path, e.g. services.cart.replicas=4 (repeatable)")
	fl.StringVar(&f.engine, "engine", "live", "engine to run on: live")
	fl.StringVar(&f.out, "out", "", "directory to write run.json (the full run record) into")
	fl.StringVar(&f.format, "format", "text", "summary format on stdout: text or json")
	fl.BoolVar(&f.noTUI, "no-tui", false, "plain output even on a terminal")
	fl.StringVar(&f.control, "control", "", "serve the control API (set the rate, inject and clear faults) on this address, e.g. 127.0.0.1:7070")
	return cmd
}

func runScenario(cmd *cobra.Command, name string, f runFlags, stdout, stderr io.Writer) error {
	if f.format != "text" && f.format != "json" {
		return badInput(fmt.Errorf("--format %q: want text or json", f.format))
	}
	if f.engine != "live" {
		return badInput(fmt.Errorf("--engine %q: want live (the only engine so far)", f.engine))
	}
	sets, err := overrides(cmd, f)
	if err != nil {
		return badInput(err)
	}
	sc, err := scenarios.Open(name, sets...)
	if err != nil {
		return badInput(err)
	}

	ctx := cmd.Context()
	prog := newProgress(stderr, sc.Duration)
	opts := sim.Options{OnStart: prog.start}
	if f.control != "" {
		ctl, err := newControlServer(f.control, stderr)
		if err != nil {
			return badInput(err)
		}
		defer ctl.close()
		opts.OnControl = ctl.serve
	}
	run, err := sim.Run(ctx, sc, live.New(live.Options{}), opts)
	prog.stop()
	if err != nil {
		return runFailed(err)
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "baton: interrupted; the summary covers the part that ran")
	}
	if f.out != "" {
		if err := writeRun(f.out, run); err != nil {
			return runFailed(err)
		}
	}
	if f.format == "json" {
		err = reports.WriteJSON(stdout, run.Summary)
	} else {
		err = reports.WriteText(stdout, run.Summary)
	}
	if err != nil {
		return runFailed(err)
	}
	if ctx.Err() != nil {
		return runFailed(ctx.Err())
	}
	if !run.Summary.SLOOK() {
		return &exitError{code: exitSLOFailed, err: errors.New("an SLO failed")}
	}
	return nil
}

// overrides turns the convenience flags into --set paths, so they go through
// the same validation (and errors) as the file.
func overrides(cmd *cobra.Command, f runFlags) ([]scenarios.Set, error) {
	var sets []scenarios.Set
	if cmd.Flags().Changed("duration") {
		sets = append(sets, scenarios.Set{Path: "duration", Value: f.duration.String()})
	}
	if f.rate != "" {
		sets = append(sets, scenarios.Set{Path: "load.rate", Value: f.rate})
	}
	if cmd.Flags().Changed("seed") {
		sets = append(sets, scenarios.Set{Path: "seed", Value: fmt.Sprint(f.seed)})
	}
	for _, arg := range f.sets {
		s, err := scenarios.ParseSet(arg)
		if err != nil {
			return nil, err
		}
		sets = append(sets, s)
	}
	return sets, nil
}

func writeRun(dir string, run *reports.Run) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write run record: %w", err)
	}
	path := filepath.Join(dir, "run.json")
	fh, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write run record: %w", err)
	}
	if err := reports.WriteJSON(fh, run); err != nil {
		fh.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return fh.Close()
}

func newScenariosCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "scenarios",
		Short: "List the embedded scenarios",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			for _, e := range scenarios.Library() {
				fmt.Fprintf(tw, "%s\t%s\n", e.Name, firstSentence(e.Description))
			}
			return tw.Flush()
		},
	}
}

// firstSentence keeps a listing to one line per scenario.
func firstSentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

func newValidateCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check scenario files and report every problem with its position",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			var errs []error
			for _, path := range args {
				if _, err := scenarios.Open(path); err != nil {
					errs = append(errs, err)
					continue
				}
				fmt.Fprintf(stdout, "%s: ok\n", path)
			}
			if len(errs) > 0 {
				return badInput(errors.Join(errs...))
			}
			return nil
		},
	}
}

// progress prints one status line a second while a run goes: rewritten in
// place on a terminal, every five seconds as plain lines otherwise (CI logs).
type progress struct {
	w        io.Writer
	tty      bool
	total    time.Duration
	started  bool
	done     chan struct{}
	finished chan struct{}
}

func newProgress(w io.Writer, total time.Duration) *progress {
	tty := false
	if fh, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(fh.Fd()))
	}
	return &progress{w: w, tty: tty, total: total, done: make(chan struct{}), finished: make(chan struct{})}
}

func (p *progress) start(rec *reports.Recorder) {
	p.started = true
	go func() {
		defer close(p.finished)
		every := time.Second
		if !p.tty {
			every = 5 * time.Second
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-p.done:
				if p.tty {
					fmt.Fprint(p.w, "\r\033[K")
				}
				return
			case now := <-t.C:
				line := rec.Progress(now).Line() + fmt.Sprintf("  (of %s)", p.total)
				if p.tty {
					fmt.Fprint(p.w, "\r\033[K"+line)
				} else {
					fmt.Fprintln(p.w, line)
				}
			}
		}
	}()
}

// stop ends the progress line; safe when start was never called. It runs
// on the goroutine that called sim.Run, after start, so started needs no lock.
func (p *progress) stop() {
	close(p.done)
	if p.started {
		<-p.finished
	}
}

// controlServer serves a run's control API while it goes.
type controlServer struct {
	ln  net.Listener
	srv *http.Server
	out io.Writer
}

func newControlServer(addr string, out io.Writer) (*controlServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--control %s: %w", addr, err)
	}
	return &controlServer{ln: ln, out: out}, nil
}

func (c *controlServer) serve(ctl sim.Control) {
	c.srv = &http.Server{Handler: sim.NewControlHandler(ctl), ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(c.out, "control API on http://%s (POST /rate?rps=N, POST /faults, DELETE /faults/{id})\n", c.ln.Addr())
	go func() { _ = c.srv.Serve(c.ln) }()
}

func (c *controlServer) close() {
	if c.srv != nil {
		_ = c.srv.Close()
		return
	}
	_ = c.ln.Close()
}
