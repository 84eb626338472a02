// Package bench measures what Baton's gateway and mesh cost per request:
// the same upstream replica reached directly, through the gateway
// (proxyless and with sidecars) and through peer proxies (nginx, HAProxy,
// Caddy), measured in interleaved rounds and reported as ratios to the
// direct call, so a noisy machine shifts every target alike and CI can gate
// on numbers that mean something across machines.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Baseline is the target every ratio is relative to.
const Baseline = "direct"

// Bounds keep a run short and its memory small whatever the flags say.
const (
	MaxDuration    = time.Minute
	MinDuration    = 10 * time.Millisecond
	MaxRounds      = 100
	MaxConcurrency = 1024
)

// Options tune a measurement. The zero value means the defaults.
type Options struct {
	// Duration is one slot: one target measured once; default 2s.
	Duration time.Duration
	// Rounds is how many times every target is measured; default 5.
	Rounds int
	// Concurrency is the closed-loop client's number of workers; default 16.
	Concurrency int
}

// Normalize fills the defaults and checks the bounds.
func (o Options) Normalize() (Options, error) {
	if o.Duration == 0 {
		o.Duration = 2 * time.Second
	}
	if o.Rounds == 0 {
		o.Rounds = 5
	}
	if o.Concurrency == 0 {
		o.Concurrency = 16
	}
	switch {
	case o.Duration < MinDuration || o.Duration > MaxDuration:
		return o, fmt.Errorf("bench: duration %s: want %s..%s", o.Duration, MinDuration, MaxDuration)
	case o.Rounds < 1 || o.Rounds > MaxRounds:
		return o, fmt.Errorf("bench: rounds %d: want 1..%d", o.Rounds, MaxRounds)
	case o.Concurrency < 1 || o.Concurrency > MaxConcurrency:
		return o, fmt.Errorf("bench: concurrency %d: want 1..%d", o.Concurrency, MaxConcurrency)
	}
	return o, nil
}

// Target is one URL in front of the upstream replica.
type Target struct {
	Name string
	URL  string
}

// ErrNoRequests means a target answered no request in a slot: there is no
// rate or latency to report for it.
var ErrNoRequests = errors.New("bench: no successful request")

// Order is the order targets run in during round r: the list rotated by r,
// so over n rounds each target runs once in every position and drift in
// the machine (thermal, other load) does not favour whoever runs first.
func Order(n, round int) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = (i + round) % n
	}
	return order
}

// Measure runs every target once per round, in the rotated order, and
// summarizes the rounds. targets must include Baseline.
func Measure(ctx context.Context, targets []Target, opts Options) (*Report, error) {
	opts, err := opts.Normalize()
	if err != nil {
		return nil, err
	}
	hasBaseline := false
	for _, t := range targets {
		hasBaseline = hasBaseline || t.Name == Baseline
	}
	if !hasBaseline {
		return nil, fmt.Errorf("bench: targets must include %q, the baseline", Baseline)
	}
	// One pool per target, kept across rounds: every slot measures warm
	// keep-alive connections, not dialling.
	clients := make([]*http.Client, len(targets))
	for i := range targets {
		tr := &http.Transport{MaxIdleConnsPerHost: opts.Concurrency, MaxConnsPerHost: opts.Concurrency, DisableCompression: true}
		defer tr.CloseIdleConnections()
		clients[i] = &http.Client{Transport: tr, Timeout: 10 * time.Second}
		if err := probe(ctx, clients[i], targets[i]); err != nil {
			return nil, err
		}
	}
	results := make([]TargetResult, len(targets))
	for i, t := range targets {
		results[i] = TargetResult{Name: t.Name, URL: t.URL}
	}
	for r := range opts.Rounds {
		for pos, i := range Order(len(targets), r) {
			s, err := slot(ctx, clients[i], targets[i].URL, opts.Duration, opts.Concurrency)
			if err != nil {
				return nil, err
			}
			if s.Requests == 0 {
				return nil, fmt.Errorf("%w: %s in round %d (%d errors)", ErrNoRequests, targets[i].Name, r, s.Errors)
			}
			s.Round, s.Position = r, pos
			results[i].Rounds = append(results[i].Rounds, s)
		}
	}
	rep := Summarize(results)
	rep.Duration, rep.Rounds, rep.Concurrency = opts.Duration.String(), opts.Rounds, opts.Concurrency
	return rep, nil
}

// probe fails fast, with the target's name, when it does not answer 200.
func probe(ctx context.Context, c *http.Client, t Target) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL, nil)
	if err != nil {
		return fmt.Errorf("bench: %s: %w", t.Name, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("bench: %s: %w", t.Name, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("bench: %s: %s answered %d, want 200", t.Name, t.URL, resp.StatusCode)
	}
	return nil
}
