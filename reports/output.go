package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/baton-sim/baton/scenarios"
)

// Run is the run record written at the end of a run.
type Run struct {
	Summary Summary  `json:"summary"`
	Windows []Window `json:"windows"`
	// Events is the log of what policies did, in order (attempts are
	// only counted); EventsDropped counts those past MaxLoggedEvents.
	Events        []LoggedEvent `json:"events,omitempty"`
	EventsDropped int64         `json:"events_dropped,omitempty"`
	Scenario      any           `json:"scenario"`
}

// WriteJSON writes v as indented JSON with a final newline. Struct fields
// keep their order and map keys are sorted, so equal values give equal
// bytes. HTML escaping is off: rules such as "p99 < 150ms" stay readable.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("reports: write json: %w", err)
	}
	return nil
}

// WriteText writes s as an aligned plain-text report: totals, whether the
// host kept up, latency percentiles, status counts, routes, services with
// each replica's share of their requests, and SLO verdicts.
func WriteText(w io.Writer, s Summary) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "baton run: %s, engine %s, %ss\n\n", s.Scenario, s.Engine, num(s.DurationS))

	fmt.Fprintf(&b, "requests %d, errors %d (%s), achieved %.1f rps\n\n",
		s.Requests, s.Errors, pct(s.Errors, s.Requests), s.AchievedRPS)
	if s.Host != nil {
		// Before any figure: when the host was the bottleneck, the
		// figures below describe it rather than the scenario.
		fmt.Fprintf(&b, "%s\n\n", s.Host.Line())
	}

	var t table
	t.row("latency ms", "p50", "p90", "p99", "p99.9", "max", "mean")
	l := s.Latency
	t.row("client", ms(l.P50), ms(l.P90), ms(l.P99), ms(l.P999), ms(l.Max), ms(l.Mean))
	g := s.ScheduleLag
	t.row("schedule lag", ms(g.P50), "", ms(g.P99), "", ms(g.Max), "")
	t.write(&b, true)

	if len(s.ByStatus) > 0 {
		t = table{}
		t.row("status", "requests", "share")
		for _, st := range sortedStatuses(s.ByStatus) {
			label := st
			if st == "0" {
				label = "0 (transport)"
			}
			t.row(label, strconv.FormatInt(s.ByStatus[st], 10), pct(s.ByStatus[st], s.Requests))
		}
		t.write(&b, true)
	}

	if len(s.Routes) > 0 {
		t = table{}
		t.row("route", "requests", "errors", "p50", "p90", "p99", "max", "other statuses")
		for _, r := range s.Routes {
			t.row(r.Name, strconv.FormatInt(r.Requests, 10), strconv.FormatInt(r.Errors, 10),
				ms(r.Latency.P50), ms(r.Latency.P90), ms(r.Latency.P99), ms(r.Latency.Max), otherStatuses(r.ByStatus))
		}
		t.write(&b, true)
	}

	if len(s.Services) > 0 {
		t = table{}
		t.row("service", "requests", "errors", "share", "p50", "p90", "p99", "max")
		for _, sv := range s.Services {
			t.row(sv.Name, strconv.FormatInt(sv.Requests, 10), strconv.FormatInt(sv.Errors, 10), "",
				ms(sv.Latency.P50), ms(sv.Latency.P90), ms(sv.Latency.P99), ms(sv.Latency.Max))
			for _, rep := range sv.Replicas {
				t.row("  "+rep.Name, strconv.FormatInt(rep.Requests, 10), strconv.FormatInt(rep.Errors, 10),
					pct(rep.Requests, sv.Requests))
			}
		}
		t.write(&b, true)
	}

	if len(s.Events) > 0 {
		// What the mesh policies did, per destination service: calls,
		// attempts (and their ratio, the retry amplification) and every
		// other event kind seen in the run.
		var kinds []string
		for k := range s.Events {
			if k != EventCall && k != EventAttempt {
				kinds = append(kinds, k)
			}
		}
		slices.Sort(kinds)
		t = table{}
		t.row(append([]string{"mesh", "calls", "attempts", "amplif."}, kinds...)...)
		for _, sv := range s.Services {
			if len(sv.Events) == 0 {
				continue
			}
			row := []string{sv.Name, strconv.FormatInt(sv.Events[EventCall], 10),
				strconv.FormatInt(sv.Events[EventAttempt], 10), fmt.Sprintf("%.3f", sv.Amplification())}
			for _, k := range kinds {
				row = append(row, strconv.FormatInt(sv.Events[k], 10))
			}
			t.row(row...)
		}
		t.write(&b, true)
	}

	writeSLO(&b, s.SLO)

	out := append(bytes.TrimRight(b.Bytes(), "\n"), '\n')
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("reports: write text: %w", err)
	}
	return nil
}

// writeSLO writes the SLO verdicts as a table and a closing line; nothing
// when there are none.
func writeSLO(b *bytes.Buffer, rs []SLOResult) {
	if len(rs) == 0 {
		return
	}
	t := table{left: 2}
	t.row("slo", "rule", "value")
	failed := 0
	for _, r := range rs {
		mark := "PASS"
		if !r.OK {
			mark = "FAIL"
			failed++
		}
		value := sloValue(r)
		if r.Reason != "" {
			value = "(" + r.Reason + ")"
		}
		t.row(mark, r.Rule, value)
	}
	t.write(b, true)
	if failed == 0 {
		fmt.Fprintf(b, "SLO: PASS (%d of %d met)\n", len(rs), len(rs))
	} else {
		fmt.Fprintf(b, "SLO: FAIL (%d of %d failed)\n", failed, len(rs))
	}
}

func sloValue(r SLOResult) string {
	switch r.metric {
	case scenarios.MetricPercentile, scenarios.MetricMean, scenarios.MetricMax:
		return ms(r.Value) + "ms"
	case scenarios.MetricErrorRate:
		return strconv.FormatFloat(100*r.Value, 'f', 2, 64) + "%"
	case scenarios.MetricRPS:
		return strconv.FormatFloat(r.Value, 'f', 1, 64) + " rps"
	}
	return num(r.Value) // the unit is lost once read back from JSON
}

func ms(v float64) string  { return strconv.FormatFloat(v, 'f', 3, 64) }
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// pct is n as a percentage of total, with two decimals.
func pct(n, total int64) string {
	if total == 0 {
		return "0.00%"
	}
	return strconv.FormatFloat(100*float64(n)/float64(total), 'f', 2, 64) + "%"
}

// table aligns rows of cells, two spaces apart: text columns (the first
// left ones, at least one) to the left, number columns to the right.
type table struct {
	rows [][]string
	left int
}

func (t *table) row(cells ...string) { t.rows = append(t.rows, cells) }

// write writes the table and a blank line after it; with header set, a
// rule under the first row.
func (t *table) write(b *bytes.Buffer, header bool) {
	var width []int
	for _, r := range t.rows {
		for i, c := range r {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], len(c))
		}
	}
	for n, r := range t.rows {
		var line strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-len(c))
			if i > 0 {
				line.WriteString("  ")
			}
			if i < max(t.left, 1) {
				line.WriteString(c + pad)
			} else {
				line.WriteString(pad + c)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
		if header && n == 0 {
			total := 0
			for i, wd := range width {
				if i > 0 {
					total += 2
				}
				total += wd
			}
			b.WriteString(strings.Repeat("-", total) + "\n")
		}
	}
	b.WriteString("\n")
}

// otherStatuses lists a route's answers other than 200, in status order:
// "401:56 429:173".
func otherStatuses(by map[string]int64) string {
	var parts []string
	for _, c := range sortedStatuses(by) {
		if c != "200" && by[c] > 0 {
			parts = append(parts, c+":"+strconv.FormatInt(by[c], 10))
		}
	}
	return strings.Join(parts, " ")
}

// sortedStatuses orders status codes numerically.
func sortedStatuses(by map[string]int64) []string {
	return slices.SortedFunc(maps.Keys(by), func(a, b string) int {
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		return x - y
	})
}
