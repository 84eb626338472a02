package bench

import (
	"context"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram range: 1µs to 60s in nanoseconds, 3 significant figures.
const (
	histMin = 1_000
	histMax = 60_000_000_000
	histSig = 3
)

// slot runs a closed loop against url for d with n workers over c's pooled
// connections: each worker sends its next request when the last one
// answered. Workers record into their own histogram, merged once at the end
// (no shared lock on the hot path).
func slot(ctx context.Context, c *http.Client, url string, d time.Duration, n int) (Sample, error) {
	type tally struct {
		h        *hdrhistogram.Histogram
		ok, errs int64
	}
	tallies := make([]tally, n)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range tallies {
		tallies[w].h = hdrhistogram.New(histMin, histMax, histSig)
		// One request per worker: reused sequentially, never shared.
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return Sample{}, err
		}
		wg.Add(1)
		go func(t *tally) {
			defer wg.Done()
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(deadline) {
					return
				}
				resp, err := c.Do(req)
				if err != nil {
					t.errs++
					continue
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat := time.Since(t0)
				if err != nil || resp.StatusCode != http.StatusOK {
					t.errs++
					continue
				}
				t.ok++
				_ = t.h.RecordValue(int64(lat)) // above histMax: clamped out, counted in ok
			}
		}(&tallies[w])
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := ctx.Err(); err != nil {
		return Sample{}, err
	}
	h := hdrhistogram.New(histMin, histMax, histSig)
	var s Sample
	for _, t := range tallies {
		h.Merge(t.h)
		s.Requests += t.ok
		s.Errors += t.errs
	}
	s.RPS = float64(s.Requests) / elapsed.Seconds()
	s.P50us = float64(h.ValueAtQuantile(50)) / 1e3
	s.P99us = float64(h.ValueAtQuantile(99)) / 1e3
	return s, nil
}
