package reports

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// Gate is what fails a check besides a failed SLO rule.
type Gate struct {
	// HostSaturated fails a run whose host was saturated (Summary.Host).
	HostSaturated bool
}

// Verdict is a run judged by its SLO verdicts and a Gate: what CI gates
// on (baton check, baton run --fail-on).
type Verdict struct {
	OK bool `json:"ok"`
	// Failures say what failed, one line each.
	Failures []string    `json:"failures"`
	SLO      []SLOResult `json:"slo"`
	Host     *Host       `json:"host,omitempty"`
}

// Check judges s: every SLO verdict in s.SLO must pass, and a gated host
// must not have been saturated. A gated host that was not measured
// (s.Host nil) fails too: the gate cannot say it held.
func Check(s Summary, g Gate) Verdict {
	v := Verdict{Failures: []string{}, SLO: s.SLO, Host: s.Host}
	if v.SLO == nil {
		v.SLO = []SLOResult{}
	}
	for _, r := range s.SLO {
		if r.OK {
			continue
		}
		value := sloValue(r)
		if r.Reason != "" {
			value = r.Reason
		}
		v.Failures = append(v.Failures, "slo "+r.Rule+": "+value)
	}
	if g.HostSaturated {
		switch {
		case s.Host == nil:
			v.Failures = append(v.Failures, "host: not measured (the summary has no host section)")
		case s.Host.Saturated:
			v.Failures = append(v.Failures, s.Host.Line())
		}
	}
	v.OK = len(v.Failures) == 0
	return v
}

// WriteCheckText writes a verdict as text: the host line, the SLO table,
// then PASS or FAIL with each failure on a line of its own.
func WriteCheckText(w io.Writer, v Verdict) error {
	var b bytes.Buffer
	if v.Host != nil {
		fmt.Fprintf(&b, "%s\n\n", v.Host.Line())
	}
	writeSLO(&b, v.SLO)
	if len(v.SLO) > 0 {
		b.WriteString("\n")
	}
	if v.OK {
		b.WriteString("check: PASS\n")
	} else {
		fmt.Fprintf(&b, "check: FAIL (%s)\n", plural(len(v.Failures), "failure"))
		for _, f := range v.Failures {
			fmt.Fprintf(&b, "  %s\n", f)
		}
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("reports: write check: %w", err)
	}
	return nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
