package reports

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/baton-sim/baton/scenarios"
)

// A run record written by WriteJSON reads back with its summary, host
// section included, and its SLO rules judge the same on what was read.
func TestReadRunRoundTrip(t *testing.T) {
	r, meta := goldenRun()
	meta.SLO = []scenarios.SLO{
		{Rule: "p99 < 50ms", Metric: scenarios.MetricPercentile, Quantile: 0.99, Op: "<", Threshold: 50},
		{Rule: "error_rate < 1%", Metric: scenarios.MetricErrorRate, Op: "<", Threshold: 0.01},
	}
	s := r.Summary(meta)
	s.Host = &Host{Saturated: true, Reasons: []string{"cpu 97% of 2 cores > 90%"}, CPUUtilisation: 0.97, Cores: 2, SaturatedAboveRPS: 100}
	var b bytes.Buffer
	if err := WriteJSON(&b, Run{Summary: s, Windows: r.Windows()}); err != nil {
		t.Fatal(err)
	}
	run, err := ReadRun(&b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(run.Summary.Host, s.Host) {
		t.Errorf("host: got %+v, want %+v", run.Summary.Host, s.Host)
	}
	got := run.Summary
	EvaluateSLO(&got, meta.SLO)
	for i := range s.SLO {
		if got.SLO[i].OK != s.SLO[i].OK || got.SLO[i].Value != s.SLO[i].Value {
			t.Errorf("slo %q: got %+v, want %+v", s.SLO[i].Rule, got.SLO[i], s.SLO[i])
		}
	}
}

func TestReadRunErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "line 1, column 1: unexpected end of JSON input"},
		{"{\n  \"summary\": {\n    \"requests\": \"many\"\n  }\n}", "line 3, column 22: json: cannot unmarshal string"},
		{"{\n  \"summary\": {,}\n}", "line 2, column 15: invalid character ','"},
		{`{"scenario": "quickstart", "requests": 10}`, `not a run record: no "summary" field (this looks like a summary from --format json`},
		{`[1, 2]`, "json: cannot unmarshal array"},
	} {
		_, err := ReadRun(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadRun(%q): got %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
}
