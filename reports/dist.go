package reports

import (
	"math"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram geometry. Values are recorded in microseconds: the summary
// reports milliseconds with three decimals, so finer units would only spend
// buckets on digits nobody sees.
const (
	// maxTrackableUs is the largest recordable latency (1 h). Longer values
	// are clamped into the top bucket; the exact maximum is tracked apart.
	maxTrackableUs = int64(time.Hour / time.Microsecond)
	// totalSigFigs is the precision of whole-run series (0.1 %).
	totalSigFigs = 3
	// windowSigFigs is the precision of per-window series (1 %): plenty for
	// a time-series plot, and it keeps a dense window histogram at 26 KB
	// instead of 188 KB.
	windowSigFigs = 2
)

// micros converts a latency to the histogram unit, truncating to whole
// microseconds and clamping into the trackable range.
func micros(d time.Duration) int64 {
	us := int64(d / time.Microsecond)
	switch {
	case us < 0:
		return 0
	case us > maxTrackableUs:
		return maxTrackableUs
	}
	return us
}

// usToMs turns microseconds into milliseconds; exact at three decimals.
func usToMs(us int64) float64 { return float64(us) / 1000 }

// round rounds x to the given number of decimals.
func round(x float64, decimals int) float64 {
	p := math.Pow10(decimals)
	return math.Round(x*p) / p
}

// percentiler is what both hdr.Histogram and hdr.PackedHistogram offer.
type percentiler interface {
	ValueAtPercentile(percentile float64) int64
}

// dist is one latency distribution: an HDR histogram for the quantiles and
// exact count, sum and maximum beside it, because the histogram only knows
// bucket bounds (its Max is the top of the last bucket, not the value).
type dist struct {
	h     *hdr.Histogram
	count int64
	sumUs int64
	maxUs int64
}

func newDist() dist {
	return dist{h: hdr.New(1, maxTrackableUs, totalSigFigs)}
}

func (d *dist) record(lat time.Duration) {
	us := micros(lat)
	d.count++
	d.sumUs += us
	if us > d.maxUs {
		d.maxUs = us
	}
	// Cannot fail: us is clamped into the histogram's range.
	_ = d.h.RecordValue(us)
}

// quantileUs returns the value at quantile q in (0, 1] in microseconds.
// HDR answers with the highest value equivalent to the bucket, which can lie
// above the largest value actually seen; a percentile never exceeds the
// maximum, so it is clamped to it.
func quantileUs(h percentiler, q float64, maxUs int64) int64 {
	return min(h.ValueAtPercentile(q*100), maxUs)
}

// latency summarises d in milliseconds.
func (d *dist) latency() Latency {
	if d.count == 0 {
		return Latency{}
	}
	return Latency{
		P50:  usToMs(quantileUs(d.h, 0.50, d.maxUs)),
		P90:  usToMs(quantileUs(d.h, 0.90, d.maxUs)),
		P99:  usToMs(quantileUs(d.h, 0.99, d.maxUs)),
		P999: usToMs(quantileUs(d.h, 0.999, d.maxUs)),
		Max:  usToMs(d.maxUs),
		Mean: round(float64(d.sumUs)/float64(d.count)/1000, 3),
	}
}

// snapshot copies d so a Summary can answer arbitrary quantiles later
// without holding a lock of the Recorder.
func (d *dist) snapshot() *dist {
	c := *d
	c.h = d.h.Clone()
	return &c
}
