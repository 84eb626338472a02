package scenarios

import (
	"strings"
	"testing"
)

func TestParseSLO(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want SLO
	}{
		{"p99 < 150ms", SLO{Rule: "p99 < 150ms", Metric: MetricPercentile, Quantile: 0.99, Op: "<", Threshold: 150}},
		{"error_rate<1%", SLO{Rule: "error_rate < 1%", Metric: MetricErrorRate, Op: "<", Threshold: 0.01}},
		{"rps >= 100", SLO{Rule: "rps >= 100", Metric: MetricRPS, Op: ">=", Threshold: 100}},
	} {
		got, err := ParseSLO(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseSLO(%q): got %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	if _, err := ParseSLO("p99 is fast"); err == nil || !strings.Contains(err.Error(), "METRIC OP VALUE") {
		t.Errorf("ParseSLO(bad): got %v, want an error saying how to write a rule", err)
	}
}
