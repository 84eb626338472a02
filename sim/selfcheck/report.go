package selfcheck

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteText prints the results as a table: per check and figure, theory,
// the ideal queue fed the same draws, what the engine measured, the error
// against each with its tolerance, and the verdict; then what the hops
// added end to end.
func WriteText(w io.Writer, rs []Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "check\tfigure\ttheory\tideal\tmeasured\tvs theory\t(spread)\tvs ideal\theld to\t\t")
	for _, r := range rs {
		for i, m := range r.Metrics {
			name := r.Name
			if i > 0 {
				name = ""
			}
			verdict := "ok"
			if !m.OK {
				verdict = "FAIL"
			}
			ideal, engine, spread := "-", "-", ""
			if m.Held == "engine" {
				ideal, engine = num(m.Ideal), signedPct(m.EngineError)
			}
			if m.Spread > 0 {
				spread = "±" + pct(m.Spread)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", name, m.Name, num(m.Theory), ideal,
				num(m.Measured), signedPct(m.TheoryError), spread, engine, m.Held+" ±"+pct(m.Tolerance), verdict)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Sojourns are at the replica (queue + service) in ms, the first 20 % of each run left out.")
	fmt.Fprintln(w, "\"ideal\" is an FCFS queue fed the same arrivals and service draws: \"vs ideal\" is Baton's own")
	fmt.Fprintln(w, "error and is held to 3 %. \"vs theory\" also holds the run's sampling noise (one standard")
	fmt.Fprintln(w, "error in parentheses); the draws themselves are held to 4 standard errors.")
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "check\trequests\treplica answer late (mean ms)\thops add (mean ms)\tof it, send lag p50\t")
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t\n", r.Name, r.Requests, num(r.LateMs), num(r.OverheadMs), num(r.SendLagP50))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	failed := 0
	for _, r := range rs {
		if !r.OK {
			failed++
		}
	}
	if failed == 0 {
		_, err := fmt.Fprintf(w, "selfcheck: all %d checks passed: this machine can be trusted for runs like these.\n", len(rs))
		return err
	}
	_, err := fmt.Fprintf(w, "selfcheck: %d of %d checks FAILED: figures from this machine are off by more than the tolerances.\n", failed, len(rs))
	return err
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func pct(v float64) string {
	s := strconv.FormatFloat(v*100, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0") + "%"
}

func signedPct(v float64) string {
	if v >= 0 {
		return "+" + pct(v)
	}
	return pct(v)
}
