package reports

import (
	"reflect"
	"strings"
	"testing"
)

// win is a 1 s window at start with n requests and a lag p99.
func win(start float64, n int64, lagP99 float64) Window {
	return Window{Start: start, Length: 1, Requests: n, LagP99: lagP99}
}

func TestJudgeHost(t *testing.T) {
	calm := []Window{win(0, 100, 1), win(1, 100, 1.2)}
	// A ramp: 1000, 2000, 3000 rps; lag passes 10 ms in the last window,
	// and the scheduler's interval in the middle one.
	ramp := []Window{win(0, 1000, 2), win(1, 2000, 4), win(2, 3000, 40)}
	rampIntervals := []HostInterval{
		{FromS: 0, ToS: 1.01, SchedP99Ms: 0.2, CPU: 0.4},
		{FromS: 1.01, ToS: 2.02, SchedP99Ms: 6, CPU: 0.7},
		{FromS: 2.02, ToS: 3, SchedP99Ms: 9, CPU: 0.95},
	}
	for _, tc := range []struct {
		name      string
		e         HostEvidence
		th        HostThresholds
		saturated bool
		reasons   []string
		above     float64
	}{
		{
			name: "calm",
			e:    HostEvidence{SendLag: Lag{P50: 0.5, P99: 1.2, Max: 3}, SchedP99Ms: 0.2, CPU: 0.3, Cores: 2, Windows: calm},
		},
		{
			name: "at every threshold is not over it",
			e:    HostEvidence{SendLag: Lag{P99: 10}, SchedP99Ms: 5, CPU: 0.9, Cores: 2, Windows: calm},
		},
		{
			name:      "send lag",
			e:         HostEvidence{SendLag: Lag{P99: 46.2}, SchedP99Ms: 1, CPU: 0.5, Cores: 2, Windows: []Window{win(0, 2400, 46.2)}},
			saturated: true, reasons: []string{"send lag p99 46 ms > 10 ms"}, above: 2400,
		},
		{
			name:      "scheduler",
			e:         HostEvidence{SendLag: Lag{P99: 3}, SchedP99Ms: 7.25, Cores: 2, Windows: calm},
			saturated: true, reasons: []string{"scheduler latency p99 7.2 ms > 5.0 ms"},
		},
		{
			name:      "cpu",
			e:         HostEvidence{SchedP99Ms: 1, CPU: 0.97, Cores: 2, Windows: calm},
			saturated: true, reasons: []string{"cpu 97% of 2 cores > 90%"},
		},
		{
			name: "all three, located by the scheduler's interval",
			e: HostEvidence{SendLag: Lag{P99: 35}, SchedP99Ms: 8, CPU: 0.91, Cores: 2,
				Windows: ramp, Intervals: rampIntervals},
			saturated: true,
			reasons:   []string{"send lag p99 35 ms > 10 ms", "scheduler latency p99 8.0 ms > 5.0 ms", "cpu 91% of 2 cores > 90%"},
			above:     2000,
		},
		{
			name: "stricter thresholds find an earlier window",
			e: HostEvidence{SendLag: Lag{P99: 35}, SchedP99Ms: 8, CPU: 0.6, Cores: 2,
				Windows: ramp, Intervals: rampIntervals},
			th:        HostThresholds{SendLagP99Ms: 1},
			saturated: true,
			reasons:   []string{"send lag p99 35 ms > 1.0 ms", "scheduler latency p99 8.0 ms > 5.0 ms"},
			above:     1000,
		},
		{
			// Lag passed over the run, but no single window did: the
			// run is saturated with no rate to name.
			name:      "no window passes on its own",
			e:         HostEvidence{SendLag: Lag{P99: 12}, Cores: 2, Windows: calm},
			saturated: true, reasons: []string{"send lag p99 12 ms > 10 ms"},
		},
		{
			// The run lasted 2.5 s: the last window's 500 requests were
			// offered in half a second, 1000 rps; the window after the
			// load (late hops only) has no rate.
			name: "partial last window",
			e: HostEvidence{SendLag: Lag{P99: 20}, Cores: 2, DurationS: 2.5,
				Windows: []Window{win(0, 2000, 5), win(1, 2000, 5), win(2, 500, 20), win(3, 0, 0)}},
			saturated: true, reasons: []string{"send lag p99 20 ms > 10 ms"}, above: 1000,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := JudgeHost(tc.e, tc.th)
			want := tc.reasons
			if want == nil {
				want = []string{}
			}
			if h.Saturated != tc.saturated || !reflect.DeepEqual(h.Reasons, want) || h.SaturatedAboveRPS != tc.above {
				t.Errorf("got saturated %v, reasons %q, above %v rps; want %v, %q, %v",
					h.Saturated, h.Reasons, h.SaturatedAboveRPS, tc.saturated, want, tc.above)
			}
			if h.SendLag != tc.e.SendLag || h.Cores != tc.e.Cores {
				t.Errorf("figures: got send lag %+v, cores %d; want %+v, %d", h.SendLag, h.Cores, tc.e.SendLag, tc.e.Cores)
			}
		})
	}
}

func TestJudgeHostDefaults(t *testing.T) {
	h := JudgeHost(HostEvidence{}, HostThresholds{})
	want := HostThresholds{SendLagP99Ms: 10, SchedLatencyP99Ms: 5, CPUUtilisation: 0.9}
	if h.Thresholds != want {
		t.Errorf("thresholds: got %+v, want %+v", h.Thresholds, want)
	}
}

func TestHostLine(t *testing.T) {
	for _, tc := range []struct {
		h    Host
		want string
	}{
		{
			Host{Saturated: true, Reasons: []string{"send lag p99 46 ms > 10 ms"}, SaturatedAboveRPS: 2400},
			"host saturated: send lag p99 46 ms > 10 ms; figures above 2 400 rps describe this machine",
		},
		{
			Host{Saturated: true, Reasons: []string{"cpu 97% of 2 cores > 90%", "scheduler latency p99 7.2 ms > 5.0 ms"}},
			"host saturated: cpu 97% of 2 cores > 90%, scheduler latency p99 7.2 ms > 5.0 ms; its figures describe this machine, not the scenario",
		},
		{
			Host{CPUUtilisation: 0.35, Cores: 2, SendLag: Lag{P99: 0.43}, SchedLatency: SchedLatency{P99: 0.12}},
			"host: ok (cpu 35% of 2 cores, send lag p99 0.43 ms, scheduler p99 0.12 ms)",
		},
		{
			Host{Cores: 2, SendLag: Lag{P99: 1.25}}, // cpu unknown
			"host: ok (send lag p99 1.2 ms, scheduler p99 0 ms)",
		},
	} {
		if got := tc.h.Line(); got != tc.want {
			t.Errorf("Line:\ngot  %q\nwant %q", got, tc.want)
		}
	}
}

func TestGroupDigits(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 999: "999", 2400: "2 400", 31250.4: "31 250", 1234567: "1 234 567", -5: "0"} {
		if got := groupDigits(v); got != want {
			t.Errorf("groupDigits(%v): got %q, want %q", v, got, want)
		}
	}
}

func TestWriteTextHostLine(t *testing.T) {
	s := Summary{Scenario: "x", Engine: "live", Host: &Host{Saturated: true, Reasons: []string{"cpu 97% of 2 cores > 90%"}, SaturatedAboveRPS: 50}}
	var b strings.Builder
	if err := WriteText(&b, s); err != nil {
		t.Fatal(err)
	}
	if want := "\nhost saturated: cpu 97% of 2 cores > 90%; figures above 50 rps describe this machine\n"; !strings.Contains(b.String(), want) {
		t.Errorf("text:\n%s\nwant a line %q", b.String(), want)
	}
}
