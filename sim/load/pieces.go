package load

import "time"

// pieces is a piecewise-linear cumulative: contiguous segments, each
// spreading count expected arrivals evenly over its length. A segment of
// length 0 is a jump (several arrivals at one instant, as duplicate
// timestamps in a trace). After the last segment the rate is 0 until d.
// Step, spike and replay stages are built on it, so they share one exact
// inverse.
type pieces struct {
	start  []time.Duration
	length []time.Duration
	count  []float64
	cum    []float64 // arrivals before each segment; len(start)+1
	d      time.Duration
}

// add appends a segment of length l holding count arrivals.
func (p *pieces) add(l time.Duration, count float64) {
	at := time.Duration(0)
	if n := len(p.start); n > 0 {
		at = p.start[n-1] + p.length[n-1]
	}
	if len(p.cum) == 0 {
		p.cum = append(p.cum, 0)
	}
	p.start = append(p.start, at)
	p.length = append(p.length, l)
	p.count = append(p.count, count)
	p.cum = append(p.cum, p.cum[len(p.cum)-1]+count)
}

func (p *pieces) total() float64 {
	if len(p.cum) == 0 {
		return 0
	}
	return p.cum[len(p.cum)-1]
}

// last is the index of the last segment starting at or before t, or -1.
func (p *pieces) last(t time.Duration) int {
	lo, hi := 0, len(p.start)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if p.start[mid] <= t {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo - 1
}

func (p *pieces) rate(t time.Duration) float64 {
	if t < 0 || t >= p.d {
		return 0
	}
	j := p.last(t)
	if j < 0 || t >= p.start[j]+p.length[j] || p.length[j] == 0 {
		return 0
	}
	return p.count[j] / seconds(p.length[j])
}

func (p *pieces) cumulative(t time.Duration) float64 {
	if t <= 0 {
		// Jumps at 0 count at 0: the cumulative is right-continuous.
		t = 0
	}
	j := p.last(min(t, p.d))
	if j < 0 {
		return 0
	}
	dt := t - p.start[j]
	if dt >= p.length[j] {
		return p.cum[j+1]
	}
	// Multiply before dividing so that whole seconds of integral rates
	// give whole requests.
	return p.cum[j] + p.count[j]*float64(dt)/float64(p.length[j])
}

func (p *pieces) invert(x float64) time.Duration {
	if !(x >= 0) {
		x = 0
	}
	if x >= p.total() {
		return p.d
	}
	// The first segment whose end passes x; it holds arrivals because the
	// one before it ended at or below x. Pauses are skipped this way.
	lo := segment(p.cum, x, len(p.start))
	if p.length[lo] == 0 {
		return p.start[lo]
	}
	ns := (x - p.cum[lo]) * float64(p.length[lo]) / p.count[lo]
	return p.start[lo] + fromSeconds(ns/1e9, p.length[lo])
}
