package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/baton-sim/baton/reports"
	"github.com/baton-sim/baton/sim/selfcheck"
)

func newSelfcheckCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		duration time.Duration
		only     []string
		format   string
	)
	cmd := &cobra.Command{
		Use:   "selfcheck",
		Short: "Check this machine's numbers against queueing theory (M/M/1, M/M/c, supermarket, token bucket)",
		Long: `Run small embedded scenarios whose answers queueing theory knows, on the live
engine, and print theory, measured and error for each. Each run is also
compared with an ideal FCFS queue fed the very same arrivals and service
draws: that difference is the engine's own error, free of sampling noise, and
must stay within 3 % on mean and p99. Exit codes: 0 all passed, 1 a check
failed, 2 bad input, 3 a run failed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return badInput(fmt.Errorf("--format %q: want text or json", format))
			}
			if duration < 0 {
				return badInput(fmt.Errorf("--duration %v: want a positive duration such as 20s", duration))
			}
			checks, err := pick(selfcheck.Checks(), only)
			if err != nil {
				return badInput(err)
			}
			opts := selfcheck.Options{Duration: duration, Progress: func(c selfcheck.Check) {
				fmt.Fprintf(stderr, "selfcheck: %s (%s)\n", c.Name, c.Title)
			}}
			rs, err := selfcheck.Run(cmd.Context(), checks, opts)
			if err != nil {
				return runFailed(err)
			}
			if format == "json" {
				err = reports.WriteJSON(stdout, map[string]any{"ok": selfcheck.OK(rs), "checks": rs})
			} else {
				err = selfcheck.WriteText(stdout, rs)
			}
			if err != nil {
				return runFailed(err)
			}
			if !selfcheck.OK(rs) {
				return &exitError{code: exitSLOFailed, err: fmt.Errorf("a selfcheck failed")}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.DurationVar(&duration, "duration", 0, "run each check for this long instead of its own duration (shorter is noisier)")
	fl.StringSliceVar(&only, "only", nil, "run only these checks (comma-separated names, see --help of the table)")
	fl.StringVar(&format, "format", "text", "output: text or json")
	return cmd
}

// pick keeps the checks named in only, in their own order; none named
// means all.
func pick(all []selfcheck.Check, only []string) ([]selfcheck.Check, error) {
	if len(only) == 0 {
		return all, nil
	}
	var names []string
	byName := map[string]selfcheck.Check{}
	for _, c := range all {
		names = append(names, c.Name)
		byName[c.Name] = c
	}
	var out []selfcheck.Check
	for _, n := range only {
		c, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("--only %q: no such check (want one of %s)", n, strings.Join(names, ", "))
		}
		out = append(out, c)
	}
	return out, nil
}
