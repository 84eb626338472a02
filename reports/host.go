package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Host says whether the machine running the simulation kept up with it.
// Everything — load driver, gateway, mesh and replicas — shares the same
// cores, so past some rate a run measures the host rather than the
// scenario; this section says so, and from which rate. JudgeHost builds
// it from what sim/host measured; sim.Run fills it, and a Summary built
// without it has none.
type Host struct {
	// Saturated is true when any figure passed its threshold; Reasons
	// then says which, with the measured value and the threshold
	// ("send lag p99 46 ms > 10 ms"). Reasons is empty when not saturated.
	Saturated bool     `json:"saturated"`
	Reasons   []string `json:"reasons"`
	// SendLag is the run's schedule lag (as ScheduleLag): how late the
	// load driver sent.
	SendLag Lag `json:"send_lag_ms"`
	// SchedLatency is the Go scheduler's latency over the load: how long
	// runnable goroutines waited for a core.
	SchedLatency SchedLatency `json:"sched_latency_ms"`
	// CPUUtilisation is the process's user and system CPU time over the
	// load, as a fraction of Cores; absent where the platform does not
	// report process CPU time.
	CPUUtilisation float64 `json:"cpu_utilisation,omitempty"`
	// Cores is the number of cores the process could use: GOMAXPROCS,
	// at most the machine's CPUs.
	Cores int `json:"cores"`
	// SaturatedAboveRPS is, when saturated, the lowest offered rate of a
	// time window in which a figure passed its threshold: figures for
	// rates above it describe this machine. Absent when not saturated or
	// when no single window passed.
	SaturatedAboveRPS float64 `json:"saturated_above_rps,omitempty"`
	// Thresholds are the limits the run was judged by.
	Thresholds HostThresholds `json:"thresholds"`
}

// SchedLatency is scheduler latency in milliseconds.
type SchedLatency struct {
	P99 float64 `json:"p99"`
}

// HostThresholds are the limits of Host: a figure above its limit means
// the host was saturated. The zero value means the defaults.
type HostThresholds struct {
	SendLagP99Ms      float64 `json:"send_lag_p99_ms"`
	SchedLatencyP99Ms float64 `json:"sched_latency_p99_ms"`
	CPUUtilisation    float64 `json:"cpu_utilisation"`
}

// Default host thresholds.
const (
	// DefaultSendLagP99Ms: an idle machine sends within a millisecond or
	// two of schedule (Go timers, the pacer's sleep; p99 ≈ 2 ms at
	// 100 rps on two shared cores). Latency is measured from the
	// intended send, so lag goes straight into every figure: at 10 ms
	// the slowest 1 % of requests carry ten times the timer slack, as
	// much as a few modelled hops, and only a driver that has fallen
	// behind its schedule gets there.
	DefaultSendLagP99Ms = 10
	// DefaultSchedLatencyP99Ms: a runnable goroutine normally gets a
	// core within tens of microseconds, and Go preempts a goroutine
	// after a 10 ms slice. A p99 of 5 ms means one wake-up in a hundred
	// waits half a slice: there is more runnable work than cores, and
	// each request pays that wait at every hop (driver, gateway, mesh,
	// replica).
	DefaultSchedLatencyP99Ms = 5
	// DefaultCPUUtilisation: at 90 % of the cores there is no headroom
	// left for GC, timers and the driver beside the request path, and
	// queueing grows steeply (an M/M/1 queue waits ρ/(1−ρ) service
	// times: 9 at 0.9).
	DefaultCPUUtilisation = 0.9
)

func (t HostThresholds) withDefaults() HostThresholds {
	if t.SendLagP99Ms <= 0 {
		t.SendLagP99Ms = DefaultSendLagP99Ms
	}
	if t.SchedLatencyP99Ms <= 0 {
		t.SchedLatencyP99Ms = DefaultSchedLatencyP99Ms
	}
	if t.CPUUtilisation <= 0 {
		t.CPUUtilisation = DefaultCPUUtilisation
	}
	return t
}

// HostEvidence is what JudgeHost judges: the host's figures over the load
// and per sampling interval, and the run's windows for their offered
// rates and send lag.
type HostEvidence struct {
	// SendLag is the run's schedule lag (Summary.ScheduleLag).
	SendLag Lag
	// SchedP99Ms is the scheduler latency p99 over the load.
	SchedP99Ms float64
	// CPU is the process's CPU utilisation over the load, a fraction of
	// Cores; 0 when unknown.
	CPU   float64
	Cores int
	// Intervals are the sampler's intervals, in order.
	Intervals []HostInterval
	// Windows are the run's windows (Recorder.Windows).
	Windows []Window
	// DurationS is the run's length, so a last, partial window's rate is
	// over the part that ran.
	DurationS float64
}

// HostInterval is the host's figures over one sampling interval.
type HostInterval struct {
	// FromS and ToS are offsets from the run start in seconds.
	FromS, ToS float64
	SchedP99Ms float64
	// CPU is a fraction of the cores; 0 when unknown.
	CPU float64
}

// JudgeHost decides whether the host was saturated. It is over the load
// as a whole: the send lag p99, the scheduler latency p99 or the CPU
// utilisation passed its threshold. Then SaturatedAboveRPS is the lowest
// offered rate of a window that passed one on its own: its send lag p99,
// or the scheduler latency p99 or CPU of a sampling interval centred in
// it. A window's offered rate is its requests by intended send time over
// its length, so it is the schedule's rate even when the driver fell
// behind.
func JudgeHost(e HostEvidence, th HostThresholds) Host {
	th = th.withDefaults()
	h := Host{
		Reasons:        []string{},
		SendLag:        e.SendLag,
		SchedLatency:   SchedLatency{P99: round(e.SchedP99Ms, 3)},
		CPUUtilisation: round(e.CPU, 3),
		Cores:          e.Cores,
		Thresholds:     th,
	}
	if e.SendLag.P99 > th.SendLagP99Ms {
		h.Reasons = append(h.Reasons, fmt.Sprintf("send lag p99 %s > %s", millis(e.SendLag.P99), millis(th.SendLagP99Ms)))
	}
	if e.SchedP99Ms > th.SchedLatencyP99Ms {
		h.Reasons = append(h.Reasons, fmt.Sprintf("scheduler latency p99 %s > %s", millis(e.SchedP99Ms), millis(th.SchedLatencyP99Ms)))
	}
	if e.CPU > th.CPUUtilisation {
		h.Reasons = append(h.Reasons, fmt.Sprintf("cpu %s of %d cores > %s", percent(e.CPU), e.Cores, percent(th.CPUUtilisation)))
	}
	h.Saturated = len(h.Reasons) > 0
	if !h.Saturated {
		return h
	}
	lowest := math.Inf(1)
	for _, w := range e.Windows {
		length := w.Length
		if e.DurationS > 0 {
			length = min(length, e.DurationS-w.Start)
		}
		if w.Requests == 0 || length <= 0 {
			continue // past the load: only late answers or hops
		}
		over := w.LagP99 > th.SendLagP99Ms
		for _, iv := range e.Intervals {
			if mid := (iv.FromS + iv.ToS) / 2; mid >= w.Start && mid < w.Start+w.Length {
				over = over || iv.SchedP99Ms > th.SchedLatencyP99Ms || iv.CPU > th.CPUUtilisation
			}
		}
		if over {
			lowest = min(lowest, float64(w.Requests)/length)
		}
	}
	if !math.IsInf(lowest, 1) {
		h.SaturatedAboveRPS = round(lowest, 1)
	}
	return h
}

// Line is Host as one plain line of text:
//
//	host saturated: send lag p99 46 ms > 10 ms; figures above 2 400 rps describe this machine
//	host: ok (cpu 35% of 2 cores, send lag p99 0.43 ms, scheduler p99 0.12 ms)
func (h Host) Line() string {
	if !h.Saturated {
		cpu := ""
		if h.CPUUtilisation > 0 {
			cpu = "cpu " + percent(h.CPUUtilisation) + " of " + strconv.Itoa(h.Cores) + " cores, "
		}
		return "host: ok (" + cpu + "send lag p99 " + millis(h.SendLag.P99) + ", scheduler p99 " + millis(h.SchedLatency.P99) + ")"
	}
	line := "host saturated: " + strings.Join(h.Reasons, ", ") + "; "
	if h.SaturatedAboveRPS > 0 {
		return line + "figures above " + groupDigits(h.SaturatedAboveRPS) + " rps describe this machine"
	}
	return line + "its figures describe this machine, not the scenario"
}

// millis writes milliseconds for a sentence: whole ones from 10 ms, one
// decimal from 1 ms, two significant digits below ("46 ms", "4.6 ms",
// "0.43 ms").
func millis(ms float64) string {
	switch {
	case ms >= 10:
		return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
	case ms >= 1:
		return strconv.FormatFloat(ms, 'f', 1, 64) + " ms"
	case ms <= 0:
		return "0 ms"
	}
	return strconv.FormatFloat(ms, 'g', 2, 64) + " ms"
}

// percent writes a fraction as a whole percentage ("97%").
func percent(f float64) string {
	return strconv.FormatFloat(100*f, 'f', 0, 64) + "%"
}

// groupDigits writes a non-negative number rounded to a whole one, its
// thousands set apart by spaces ("2 400", "31 250").
func groupDigits(v float64) string {
	s := strconv.FormatFloat(max(v, 0), 'f', 0, 64)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}
