// Package host measures the machine a run goes on while it goes: the Go
// scheduler's latency (runtime/metrics /sched/latencies:seconds) and the
// process's CPU time, read at a fixed interval by a Sampler. Every part of
// a live run — load driver, gateway, mesh, replicas — shares these cores,
// so these figures say when a run stopped measuring the scenario and
// started measuring the host (reports.JudgeHost decides).
//
// The arithmetic works on explicit Readings, so it is tested without a
// clock; only Sampler reads the runtime and the time.
package host

import (
	"math"
	"time"
)

// Reading is the process's cumulative counters at one instant.
type Reading struct {
	// At is the reading's offset from the sampler's epoch.
	At time.Duration
	// CPU is the user and system CPU time the process has used so far;
	// CPUKnown is false where the platform does not say.
	CPU      time.Duration
	CPUKnown bool
	// Sched is the cumulative scheduler-latency histogram.
	Sched Histogram
}

// Histogram is a cumulative histogram as runtime/metrics gives it:
// Counts[i] values fell in [Buckets[i], Buckets[i+1]), in seconds; the
// outer bounds may be infinite.
type Histogram struct {
	Counts  []uint64
	Buckets []float64
}

// Sub is h minus an earlier reading of the same histogram: what was
// recorded in between. An earlier reading with other buckets (there is
// none in practice) counts as empty.
func (h Histogram) Sub(earlier Histogram) Histogram {
	d := Histogram{Counts: make([]uint64, len(h.Counts)), Buckets: h.Buckets}
	copy(d.Counts, h.Counts)
	if len(earlier.Counts) != len(h.Counts) {
		return d
	}
	for i, c := range earlier.Counts {
		d.Counts[i] -= min(c, d.Counts[i])
	}
	return d
}

// Quantile is the value at quantile q in (0, 1], in seconds, linearly
// interpolated inside the bucket that holds the rank (as Prometheus's
// histogram_quantile does): a bucket's bound alone would be up to a
// quarter off at runtime/metrics' resolution, enough to flip a verdict
// near a threshold. An infinite bound is replaced by the finite one. 0
// for an empty histogram.
func (h Histogram) Quantile(q float64) float64 {
	var total uint64
	for _, c := range h.Counts {
		total += c
	}
	if total == 0 || len(h.Buckets) != len(h.Counts)+1 {
		return 0
	}
	rank := q * float64(total)
	var seen float64
	for i, c := range h.Counts {
		if c == 0 {
			continue
		}
		if seen+float64(c) >= rank {
			lo, hi := h.Buckets[i], h.Buckets[i+1]
			switch {
			case math.IsInf(lo, -1):
				return max(hi, 0)
			case math.IsInf(hi, 1):
				return lo
			}
			return lo + (hi-lo)*(rank-seen)/float64(c)
		}
		seen += float64(c)
	}
	return 0 // not reached: the ranks add up to total
}

// Interval is what the host went through between two readings.
type Interval struct {
	From, To time.Duration
	// SchedP99 is the scheduler latency p99 of the goroutines scheduled
	// in the interval.
	SchedP99 time.Duration
	// CPU is the CPU time used over the wall time times cores: 1 is
	// every core busy. 0 when unknown.
	CPU float64
}

// Between is the interval from reading a to the later reading b on a
// process with the given number of cores.
func Between(a, b Reading, cores int) Interval {
	iv := Interval{From: a.At, To: b.At}
	iv.SchedP99 = time.Duration(b.Sched.Sub(a.Sched).Quantile(0.99) * float64(time.Second))
	wall := b.At - a.At
	if a.CPUKnown && b.CPUKnown && wall > 0 && cores > 0 {
		iv.CPU = max(float64(b.CPU-a.CPU), 0) / (float64(wall) * float64(cores))
	}
	return iv
}
