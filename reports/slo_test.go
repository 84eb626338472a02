package reports

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/baton-sim/baton/scenarios"
)

// sloRecorder holds 1000 requests of 1..1000 ms over 10 s (100 rps), the
// first ten of them failed (error_rate 0.01). Its latencies are those of
// TestSummaryPercentiles: p50 500.223, p90 900.095, p99 990.207,
// p99.9 999.423, max 1000, mean 500.5.
func sloRecorder() *Recorder {
	r := NewRecorder(t0, 0)
	for i := range 1000 {
		status := 200
		if i < 10 {
			status = 500
		}
		r.RecordRequest(Request{Intended: t0, Latency: time.Duration(i+1) * time.Millisecond, Status: status})
	}
	return r
}

func pRule(q float64, op string, th float64) scenarios.SLO {
	return scenarios.SLO{Metric: scenarios.MetricPercentile, Quantile: q, Op: op, Threshold: th}
}

func rule(metric, op string, th float64) scenarios.SLO {
	return scenarios.SLO{Metric: metric, Op: op, Threshold: th}
}

func TestEvaluateSLO(t *testing.T) {
	const (
		pct = scenarios.MetricPercentile
		er  = scenarios.MetricErrorRate
		rps = scenarios.MetricRPS
	)
	tests := []struct {
		rule scenarios.SLO
		want SLOResult
	}{
		{pRule(0.99, "<", 1000), SLOResult{Rule: "p99 < 1000ms", OK: true, Value: 990.207}},
		{pRule(0.99, "<", 990), SLOResult{Rule: "p99 < 990ms", Value: 990.207}},
		{pRule(0.99, "<", 990.207), SLOResult{Rule: "p99 < 990.207ms", Value: 990.207}},
		{pRule(0.99, "<=", 990.207), SLOResult{Rule: "p99 <= 990.207ms", OK: true, Value: 990.207}},
		{pRule(0.99, "<=", 990.206), SLOResult{Rule: "p99 <= 990.206ms", Value: 990.207}},
		{pRule(0.5, ">", 500), SLOResult{Rule: "p50 > 500ms", OK: true, Value: 500.223}},
		{pRule(0.5, ">", 500.223), SLOResult{Rule: "p50 > 500.223ms", Value: 500.223}},
		{pRule(0.5, ">=", 500.223), SLOResult{Rule: "p50 >= 500.223ms", OK: true, Value: 500.223}},
		{pRule(0.5, ">=", 501), SLOResult{Rule: "p50 >= 501ms", Value: 500.223}},
		{pRule(0.9, "<", 901), SLOResult{Rule: "p90 < 901ms", OK: true, Value: 900.095}},
		{pRule(0.999, "<", 999), SLOResult{Rule: "p99.9 < 999ms", Value: 999.423}},
		// Any quantile: 950000 µs is in a 512-wide bucket, 1855·512+511.
		{pRule(0.95, "<", 951), SLOResult{Rule: "p95 < 951ms", OK: true, Value: 950.271}},
		{pRule(1, "<=", 1000), SLOResult{Rule: "p100 <= 1000ms", OK: true, Value: 1000}},
		{rule(scenarios.MetricMean, "<", 500.5), SLOResult{Rule: "mean < 500.5ms", Value: 500.5}},
		{rule(scenarios.MetricMean, "<=", 500.5), SLOResult{Rule: "mean <= 500.5ms", OK: true, Value: 500.5}},
		{rule(scenarios.MetricMax, "<", 1000), SLOResult{Rule: "max < 1000ms", Value: 1000}},
		{rule(scenarios.MetricMax, "<", 1000.001), SLOResult{Rule: "max < 1000.001ms", OK: true, Value: 1000}},
		{rule(er, "<", 0.01), SLOResult{Rule: "error_rate < 1%", Value: 0.01}},
		{rule(er, "<=", 0.01), SLOResult{Rule: "error_rate <= 1%", OK: true, Value: 0.01}},
		{rule(er, "<", 0.05), SLOResult{Rule: "error_rate < 5%", OK: true, Value: 0.01}},
		{rule(er, ">", 0), SLOResult{Rule: "error_rate > 0%", OK: true, Value: 0.01}},
		{rule(rps, ">=", 100), SLOResult{Rule: "rps >= 100", OK: true, Value: 100}},
		{rule(rps, ">", 100), SLOResult{Rule: "rps > 100", Value: 100}},
		{rule(rps, "<", 150), SLOResult{Rule: "rps < 150", OK: true, Value: 100}},
		{rule(rps, "<=", 99.9), SLOResult{Rule: "rps <= 99.9", Value: 100}},
		// The rule's own text is kept.
		{scenarios.SLO{Rule: "p99 < 1s", Metric: pct, Quantile: 0.99, Op: "<", Threshold: 1000}, SLOResult{Rule: "p99 < 1s", OK: true, Value: 990.207}},
		{rule("p42", "<", 1), SLOResult{Rule: "p42 < 1", Reason: `unknown metric "p42"`}},
		{rule(rps, "==", 100), SLOResult{Rule: "rps == 100", Value: 100, Reason: `unknown operator "=="`}},
		{pRule(0, "<", 1), SLOResult{Rule: "p0 < 1ms", Reason: "quantile 0 outside (0, 1]"}},
		{pRule(1.5, "<", 1), SLOResult{Rule: "p150 < 1ms", Reason: "quantile 1.5 outside (0, 1]"}},
		{pRule(0.99, "<", math.NaN()), SLOResult{Rule: "p99 < NaNms", Value: 990.207}},
	}
	s := sloRecorder().Summary(Meta{Duration: 10 * time.Second})
	for _, tt := range tests {
		t.Run(tt.want.Rule, func(t *testing.T) {
			EvaluateSLO(&s, []scenarios.SLO{tt.rule})
			tt.want.metric = tt.rule.Metric
			if len(s.SLO) != 1 || s.SLO[0] != tt.want {
				t.Errorf("got %+v, want %+v", s.SLO, tt.want)
			}
			if s.SLOOK() != tt.want.OK {
				t.Errorf("SLOOK: got %v, want %v", s.SLOOK(), tt.want.OK)
			}
		})
	}
}

// A summary read back from JSON has no histogram: it answers the quantiles
// it stores and refuses the others.
func TestEvaluateSLOFromJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, sloRecorder().Summary(Meta{Duration: 10 * time.Second})); err != nil {
		t.Fatal(err)
	}
	var s Summary
	if err := json.Unmarshal(buf.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		rule scenarios.SLO
		want SLOResult
	}{
		{pRule(0.5, "<", 600), SLOResult{Rule: "p50 < 600ms", OK: true, Value: 500.223}},
		{pRule(0.9, "<", 600), SLOResult{Rule: "p90 < 600ms", Value: 900.095}},
		{pRule(0.99, "<", 1000), SLOResult{Rule: "p99 < 1000ms", OK: true, Value: 990.207}},
		// 99.9/100 is not exactly 0.999.
		{pRule(99.9/100, "<", 1000), SLOResult{Rule: "p99.9 < 1000ms", OK: true, Value: 999.423}},
		{pRule(1, "<", 1000), SLOResult{Rule: "p100 < 1000ms", Value: 1000}},
		{pRule(0.95, "<", 1000), SLOResult{Rule: "p95 < 1000ms", Reason: "p95 is not in the summary"}},
		{rule(scenarios.MetricErrorRate, "<=", 0.01), SLOResult{Rule: "error_rate <= 1%", OK: true, Value: 0.01}},
	}
	for _, tt := range tests {
		EvaluateSLO(&s, []scenarios.SLO{tt.rule})
		tt.want.metric = tt.rule.Metric
		if len(s.SLO) != 1 || s.SLO[0] != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.want.Rule, s.SLO, tt.want)
		}
	}
}

// With no requests a latency rule has nothing to judge and fails; the error
// rate is 0 and the rate is 0, judged as usual.
func TestEvaluateSLONoRequests(t *testing.T) {
	rules := []scenarios.SLO{
		pRule(0.99, "<", 150),
		rule(scenarios.MetricMean, "<", 150),
		rule(scenarios.MetricMax, "<", 150),
		rule(scenarios.MetricErrorRate, "<", 0.01),
		rule(scenarios.MetricRPS, ">=", 1),
	}
	s := NewRecorder(t0, 0).Summary(Meta{Duration: time.Second, SLO: rules})
	want := []SLOResult{
		{Rule: "p99 < 150ms", Reason: "no requests", metric: scenarios.MetricPercentile},
		{Rule: "mean < 150ms", Reason: "no requests", metric: scenarios.MetricMean},
		{Rule: "max < 150ms", Reason: "no requests", metric: scenarios.MetricMax},
		{Rule: "error_rate < 1%", OK: true, metric: scenarios.MetricErrorRate},
		{Rule: "rps >= 1", metric: scenarios.MetricRPS},
	}
	if len(s.SLO) != len(want) {
		t.Fatalf("got %d results, want %d", len(s.SLO), len(want))
	}
	for i := range want {
		if s.SLO[i] != want[i] {
			t.Errorf("%d: got %+v, want %+v", i, s.SLO[i], want[i])
		}
	}
	if s.SLOOK() {
		t.Errorf("SLOOK: got true, want false")
	}
}

func TestSLOOK(t *testing.T) {
	tests := []struct {
		slo  []SLOResult
		want bool
	}{
		{nil, true},
		{[]SLOResult{{OK: true}}, true},
		{[]SLOResult{{OK: true}, {OK: false}}, false},
	}
	for _, tt := range tests {
		if got := (Summary{SLO: tt.slo}).SLOOK(); got != tt.want {
			t.Errorf("SLOOK(%+v): got %v, want %v", tt.slo, got, tt.want)
		}
	}
}
