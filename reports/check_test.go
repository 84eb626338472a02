package reports

import (
	"reflect"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	pass := SLOResult{Rule: "error_rate < 1%", OK: true}
	fail := SLOResult{Rule: "p99 < 1ms", Value: 12.5}
	unjudged := SLOResult{Rule: "p99.5 < 1s", Reason: "p99.5 is not in the summary"}
	busy := &Host{Saturated: true, Reasons: []string{"cpu 97% of 2 cores > 90%"}, SaturatedAboveRPS: 300}
	calm := &Host{Cores: 2}
	for _, tc := range []struct {
		name string
		s    Summary
		g    Gate
		want []string
	}{
		{"all pass", Summary{SLO: []SLOResult{pass}, Host: busy}, Gate{}, []string{}},
		{"no rules", Summary{}, Gate{}, []string{}},
		{"slo fails", Summary{SLO: []SLOResult{pass, fail, unjudged}}, Gate{},
			[]string{"slo p99 < 1ms: 12.5", "slo p99.5 < 1s: p99.5 is not in the summary"}},
		{"host gated, calm", Summary{SLO: []SLOResult{pass}, Host: calm}, Gate{HostSaturated: true}, []string{}},
		{"host gated, saturated", Summary{Host: busy}, Gate{HostSaturated: true},
			[]string{"host saturated: cpu 97% of 2 cores > 90%; figures above 300 rps describe this machine"}},
		{"host gated, not measured", Summary{}, Gate{HostSaturated: true},
			[]string{"host: not measured (the summary has no host section)"}},
	} {
		v := Check(tc.s, tc.g)
		if !reflect.DeepEqual(v.Failures, tc.want) || v.OK != (len(tc.want) == 0) {
			t.Errorf("%s: got ok %v, failures %q; want %q", tc.name, v.OK, v.Failures, tc.want)
		}
	}
}

func TestWriteCheckText(t *testing.T) {
	v := Check(Summary{SLO: []SLOResult{{Rule: "p99 < 1ms", Value: 12.5}}, Host: &Host{Saturated: true, Reasons: []string{"send lag p99 46 ms > 10 ms"}}},
		Gate{HostSaturated: true})
	var b strings.Builder
	if err := WriteCheckText(&b, v); err != nil {
		t.Fatal(err)
	}
	want := `host saturated: send lag p99 46 ms > 10 ms; its figures describe this machine, not the scenario

slo   rule       value
----------------------
FAIL  p99 < 1ms   12.5

SLO: FAIL (1 of 1 failed)

check: FAIL (2 failures)
  slo p99 < 1ms: 12.5
  host saturated: send lag p99 46 ms > 10 ms; its figures describe this machine, not the scenario
`
	if got := b.String(); got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}
}
