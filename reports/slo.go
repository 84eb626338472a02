package reports

import (
	"fmt"
	"math"
	"strconv"

	"github.com/baton-sim/baton/scenarios"
)

// SLOResult is the verdict on one SLO rule.
type SLOResult struct {
	Rule string `json:"rule"`
	OK   bool   `json:"ok"`
	// Value is the measured value in the rule's unit: milliseconds for
	// latency metrics, a fraction for error_rate, requests per second for
	// rps. It is rounded as the summary rounds it (error_rate to 6
	// decimals), and the rule is judged on the rounded value, so the shown
	// value and the verdict always agree.
	Value float64 `json:"value"`
	// Reason says why a rule could not be judged; OK is then false.
	Reason string `json:"reason,omitempty"`

	metric string // for formatting; lost in JSON
}

// SLOOK reports whether every SLO rule passed (true when there are none).
func (s Summary) SLOOK() bool {
	for _, r := range s.SLO {
		if !r.OK {
			return false
		}
	}
	return true
}

// EvaluateSLO judges rules against s and stores the verdicts in s.SLO.
//
// A latency rule (pNN, mean, max) on a run without requests has nothing to
// judge: it fails with Reason "no requests" and Value 0, so a CI gate never
// passes a run that measured nothing. error_rate is 0 and rps is the
// achieved rate in that case, judged as usual. On a Summary built by
// Recorder.Summary any quantile can be judged; on one read back from JSON
// only p50, p90, p99, p99.9 and p100 (the max) can.
func EvaluateSLO(s *Summary, rules []scenarios.SLO) {
	s.SLO = make([]SLOResult, 0, len(rules))
	for _, rule := range rules {
		s.SLO = append(s.SLO, evaluate(s, rule))
	}
}

func evaluate(s *Summary, rule scenarios.SLO) SLOResult {
	res := SLOResult{Rule: rule.Rule, metric: rule.Metric}
	if res.Rule == "" {
		res.Rule = ruleText(rule)
	}
	switch rule.Metric {
	case scenarios.MetricErrorRate:
		res.Value = round(s.ErrorRate(), 6)
	case scenarios.MetricRPS:
		res.Value = s.AchievedRPS
	case scenarios.MetricMean, scenarios.MetricMax, scenarios.MetricPercentile:
		if s.Requests == 0 {
			res.Reason = "no requests"
			return res
		}
		v, reason := latencyValue(s, rule)
		if reason != "" {
			res.Reason = reason
			return res
		}
		res.Value = v
	default:
		res.Reason = fmt.Sprintf("unknown metric %q", rule.Metric)
		return res
	}
	switch rule.Op {
	case "<":
		res.OK = res.Value < rule.Threshold
	case "<=":
		res.OK = res.Value <= rule.Threshold
	case ">":
		res.OK = res.Value > rule.Threshold
	case ">=":
		res.OK = res.Value >= rule.Threshold
	default:
		res.Reason = fmt.Sprintf("unknown operator %q", rule.Op)
	}
	return res
}

// latencyValue returns the rule's latency metric in milliseconds, or why it
// cannot.
func latencyValue(s *Summary, rule scenarios.SLO) (float64, string) {
	switch rule.Metric {
	case scenarios.MetricMean:
		return s.Latency.Mean, ""
	case scenarios.MetricMax:
		return s.Latency.Max, ""
	}
	q := rule.Quantile
	if !(q > 0 && q <= 1) {
		return 0, fmt.Sprintf("quantile %v outside (0, 1]", q)
	}
	if s.latency != nil {
		return usToMs(quantileUs(s.latency.h, q, s.latency.maxUs)), ""
	}
	for _, f := range []struct {
		q, v float64
	}{{0.5, s.Latency.P50}, {0.9, s.Latency.P90}, {0.99, s.Latency.P99}, {0.999, s.Latency.P999}, {1, s.Latency.Max}} {
		if math.Abs(q-f.q) < 1e-9 {
			return f.v, ""
		}
	}
	return 0, fmt.Sprintf("%s is not in the summary", percentileName(q))
}

// percentileName writes quantile q as the scenario files do (0.999: p99.9).
func percentileName(q float64) string {
	return "p" + strconv.FormatFloat(round(q*100, 6), 'f', -1, 64)
}

// ruleText writes a rule that came without its text.
func ruleText(rule scenarios.SLO) string {
	th := strconv.FormatFloat(rule.Threshold, 'f', -1, 64)
	switch rule.Metric {
	case scenarios.MetricPercentile:
		return fmt.Sprintf("%s %s %sms", percentileName(rule.Quantile), rule.Op, th)
	case scenarios.MetricMean, scenarios.MetricMax:
		return fmt.Sprintf("%s %s %sms", rule.Metric, rule.Op, th)
	case scenarios.MetricErrorRate:
		return fmt.Sprintf("%s %s %s%%", rule.Metric, rule.Op, strconv.FormatFloat(round(rule.Threshold*100, 6), 'f', -1, 64))
	}
	return fmt.Sprintf("%s %s %s", rule.Metric, rule.Op, th)
}
