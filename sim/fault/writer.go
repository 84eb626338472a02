package fault

import (
	"io"
	"math/bits"
	"time"
)

// BandwidthWriter writes to an underlying writer at no more than a given
// number of bytes per second, as toxiproxy's bandwidth toxic does: it
// sleeps before each chunk until the link would have carried it, then
// writes and flushes it. It is for one response and not safe for
// concurrent use; it starts no goroutine.
//
// Its timing is exact: after n bytes it has slept exactly n/bps seconds in
// total (to the nanosecond, rounded down), however the writes are split,
// so a test with a fake sleep can check every step.
type BandwidthWriter struct {
	w     io.Writer
	bps   uint64
	chunk int
	sleep func(time.Duration) error

	written uint64        // bytes written so far
	slept   time.Duration // sleep owed for them, all of it taken
}

// NewBandwidthWriter limits w to bps bytes per second (no limit if bps
// <= 0). sleep waits (time.Sleep under a context, or a fake clock in
// tests); when it returns an error, Write stops and returns it. If w has
// a Flush method (http.Flusher) it is called after every chunk, so the
// bytes leave at the rate rather than sitting in a buffer.
func NewBandwidthWriter(w io.Writer, bps int64, sleep func(time.Duration) error) *BandwidthWriter {
	b := &BandwidthWriter{w: w, sleep: sleep}
	if bps > 0 {
		b.bps = uint64(bps)
		// Tenth-of-a-second chunks: smooth enough for a latency
		// histogram, few enough syscalls for a fast link.
		b.chunk = int(min(max(bps/10, 1), 32<<10))
	}
	return b
}

// Write writes p in chunks at the writer's rate.
func (b *BandwidthWriter) Write(p []byte) (int, error) {
	if b.bps == 0 {
		return b.w.Write(p)
	}
	total := 0
	for len(p) > 0 {
		n := min(len(p), b.chunk)
		due := b.due(b.written + uint64(n))
		if d := due - b.slept; d > 0 {
			if err := b.sleep(d); err != nil {
				return total, err
			}
		}
		b.slept = due
		m, err := b.w.Write(p[:n])
		total += m
		b.written += uint64(m)
		if err != nil {
			return total, err
		}
		if f, ok := b.w.(interface{ Flush() }); ok {
			f.Flush()
		}
		p = p[n:]
	}
	return total, nil
}

// due is when the link has carried n bytes: n * 1e9 / bps nanoseconds,
// computed in 128 bits so that no size overflows.
func (b *BandwidthWriter) due(n uint64) time.Duration {
	hi, lo := bits.Mul64(n, uint64(time.Second))
	if hi >= b.bps {
		return Forever
	}
	q, _ := bits.Div64(hi, lo, b.bps)
	if q > uint64(Forever) {
		return Forever
	}
	return time.Duration(q)
}
