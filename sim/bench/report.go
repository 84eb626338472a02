package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Schema names the JSON layout; it changes only when a field changes
// meaning or goes away.
const Schema = "baton.bench/v1"

// Sample is one target measured in one slot.
type Sample struct {
	Round    int     `json:"round"`
	Position int     `json:"position"` // where in the round's order it ran
	Requests int64   `json:"requests"` // answered 200
	Errors   int64   `json:"errors"`   // transport errors and other statuses
	RPS      float64 `json:"rps"`
	P50us    float64 `json:"p50_us"`
	P99us    float64 `json:"p99_us"`
}

// TargetResult is every round of one target.
type TargetResult struct {
	Name   string
	URL    string
	Rounds []Sample
}

// Spread is a median with the range it came from.
type Spread struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// Ratios are a target's medians divided by the baseline's: throughput
// below 1 and latency above 1 are the cost of the hop.
type Ratios struct {
	RPS float64 `json:"rps"`
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
}

// TargetReport is one target's summary.
type TargetReport struct {
	Name     string   `json:"name"`
	URL      string   `json:"url"`
	Requests int64    `json:"requests"`
	Errors   int64    `json:"errors"`
	RPS      Spread   `json:"rps"`
	P50us    Spread   `json:"p50_us"`
	P99us    Spread   `json:"p99_us"`
	Ratio    Ratios   `json:"ratio"`
	Rounds   []Sample `json:"rounds"`
}

// Skip is a target that was asked for (or available by default) but not
// measured, with why.
type Skip struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Gate is a --max-ratio limit on a target's median p50 ratio and how the
// run fared against it.
type Gate struct {
	Target      string  `json:"target"`
	MaxP50Ratio float64 `json:"max_p50_ratio"`
	P50Ratio    float64 `json:"p50_ratio"`
	Measured    bool    `json:"measured"` // false: the target was skipped, the gate not applied
	OK          bool    `json:"ok"`
}

// Report is a whole run, the JSON CI reads.
type Report struct {
	Schema      string         `json:"schema"`
	Baseline    string         `json:"baseline"`
	Duration    string         `json:"duration"` // per slot
	Rounds      int            `json:"rounds"`
	Concurrency int            `json:"concurrency"`
	Targets     []TargetReport `json:"targets"`
	Skipped     []Skip         `json:"skipped"`
	Gates       []Gate         `json:"gates"`
}

// Summarize turns rounds into medians, spreads and ratios to Baseline.
// It is pure: the arithmetic the report stands on is tested exactly.
func Summarize(results []TargetResult) *Report {
	rep := &Report{Schema: Schema, Baseline: Baseline, Targets: []TargetReport{}, Skipped: []Skip{}, Gates: []Gate{}}
	for _, r := range results {
		tr := TargetReport{Name: r.Name, URL: r.URL, Rounds: r.Rounds}
		var rps, p50, p99 []float64
		for _, s := range r.Rounds {
			tr.Requests += s.Requests
			tr.Errors += s.Errors
			rps, p50, p99 = append(rps, s.RPS), append(p50, s.P50us), append(p99, s.P99us)
		}
		tr.RPS, tr.P50us, tr.P99us = SpreadOf(rps), SpreadOf(p50), SpreadOf(p99)
		rep.Targets = append(rep.Targets, tr)
	}
	var base *TargetReport
	for i := range rep.Targets {
		if rep.Targets[i].Name == Baseline {
			base = &rep.Targets[i]
		}
	}
	if base == nil {
		return rep
	}
	b := *base
	for i := range rep.Targets {
		t := &rep.Targets[i]
		t.Ratio = Ratios{
			RPS: Ratio(t.RPS.Median, b.RPS.Median),
			P50: Ratio(t.P50us.Median, b.P50us.Median),
			P99: Ratio(t.P99us.Median, b.P99us.Median),
		}
	}
	return rep
}

// SpreadOf is the median, min and max of xs; the median of an even count is
// the mean of the middle two. Zero for no values.
func SpreadOf(xs []float64) Spread {
	if len(xs) == 0 {
		return Spread{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return Spread{Median: med, Min: s[0], Max: s[n-1]}
}

// Ratio is x/base, and 0 when base is 0 (JSON has no NaN or Inf; Measure
// never reports a target without requests, so this is only a guard).
func Ratio(x, base float64) float64 {
	if base == 0 {
		return 0
	}
	return x / base
}

// ParseGate parses a --max-ratio value, "target=ratio".
func ParseGate(s string) (target string, max float64, err error) {
	name, val, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return "", 0, fmt.Errorf("bench: max-ratio %q: want target=ratio, e.g. gateway=2.5", s)
	}
	max, err = strconv.ParseFloat(strings.TrimSpace(val), 64)
	if err != nil || !(max > 0) || max > 1e6 {
		return "", 0, fmt.Errorf("bench: max-ratio %q: ratio must be a positive number", s)
	}
	return name, max, nil
}

// ApplyGates checks each target's median p50 ratio against its limit, in
// the order given, records the outcome in the report and says whether
// every measured target passed. A gate on a skipped target is recorded as
// not measured and does not fail the run.
func (r *Report) ApplyGates(gates []Gate) bool {
	ok := true
	for _, g := range gates {
		g.Measured, g.OK, g.P50Ratio = false, true, 0
		for _, t := range r.Targets {
			if t.Name == g.Target {
				g.Measured, g.P50Ratio = true, t.Ratio.P50
				g.OK = t.Ratio.P50 <= g.MaxP50Ratio
			}
		}
		ok = ok && g.OK
		r.Gates = append(r.Gates, g)
	}
	return ok
}

// WriteJSON writes the report as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report as a table: medians with their range across
// rounds, then the ratios to the baseline.
func WriteText(w io.Writer, r *Report) error {
	fmt.Fprintf(w, "%d rounds × %s per target, %d concurrent, ratios to %s (medians across rounds; min..max)\n\n",
		r.Rounds, r.Duration, r.Concurrency, r.Baseline)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tREQ/S\tP50\tP99\tREQ/S ×\tP50 ×\tP99 ×\tERRORS")
	for _, t := range r.Targets {
		fmt.Fprintf(tw, "%s\t%.0f (%.0f..%.0f)\t%s (%s..%s)\t%s (%s..%s)\t%.2f\t%.2f\t%.2f\t%d\n", t.Name,
			t.RPS.Median, t.RPS.Min, t.RPS.Max,
			us(t.P50us.Median), us(t.P50us.Min), us(t.P50us.Max),
			us(t.P99us.Median), us(t.P99us.Min), us(t.P99us.Max),
			t.Ratio.RPS, t.Ratio.P50, t.Ratio.P99, t.Errors)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(w, "skipped %s: %s\n", s.Name, s.Reason)
	}
	for _, g := range r.Gates {
		switch {
		case !g.Measured:
			fmt.Fprintf(w, "gate %s p50 × <= %g: not measured\n", g.Target, g.MaxP50Ratio)
		case g.OK:
			fmt.Fprintf(w, "gate %s p50 × <= %g: ok (%.2f)\n", g.Target, g.MaxP50Ratio, g.P50Ratio)
		default:
			fmt.Fprintf(w, "gate %s p50 × <= %g: FAILED (%.2f)\n", g.Target, g.MaxP50Ratio, g.P50Ratio)
		}
	}
	return nil
}

// us formats microseconds compactly: 312µs, 1.25ms.
func us(v float64) string {
	if v >= 1000 {
		return strconv.FormatFloat(v/1000, 'f', 2, 64) + "ms"
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + "µs"
}
