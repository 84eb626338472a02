package load_test

import (
	"math"
	"testing"
	"time"

	"github.com/baton-sim/baton/sim/load"
)

// k6-style: ramp up, hold, spike, ramp down.
func journey(t testing.TB) *load.Profile {
	return profile(t,
		must(load.NewRamp(0, 100, 10*s)),             // 500
		must(load.NewConstant(100, 20*s)),            // 2000
		must(load.NewSpike(100, 1000, 5*s, s, 10*s)), // 900 + 1000
		must(load.NewRamp(100, 0, 10*s)),             // 500
	)
}

func TestProfileComposition(t *testing.T) {
	p := journey(t)
	if got, want := p.Duration(), 50*s; got != want {
		t.Errorf("Duration() = %v, want %v", got, want)
	}
	if got, want := p.Total(), 4900.0; got != want {
		t.Errorf("Total() = %v, want %v", got, want)
	}
	rates := []struct {
		t    time.Duration
		want float64
	}{
		{-1, 0},
		{0, 0},
		{5 * s, 50},
		{10 * s, 100}, // the second stage starts
		{29 * s, 100},
		{35 * s, 1000},
		{36 * s, 100},
		{45 * s, 50},
		{50 * s, 0},
	}
	for _, tc := range rates {
		if got := p.Rate(tc.t); got != tc.want {
			t.Errorf("Rate(%v) = %v, want %v", tc.t, got, tc.want)
		}
	}
	cums := []struct {
		t    time.Duration
		want float64
	}{
		{-s, 0},
		{10 * s, 500},
		{20 * s, 1500},
		{35 * s, 3000},
		{35500 * ms, 3500},
		{36 * s, 4000},
		{40 * s, 4400},
		{45 * s, 4775},
		{50 * s, 4900},
		{time.Hour, 4900},
	}
	for _, tc := range cums {
		if got := p.Cumulative(tc.t); got != tc.want {
			t.Errorf("Cumulative(%v) = %v, want %v", tc.t, got, tc.want)
		}
		if tc.t > 0 && tc.t < p.Duration() {
			if got := p.Invert(tc.want); got != tc.t {
				t.Errorf("Invert(%v) = %v, want %v", tc.want, got, tc.t)
			}
		}
	}
	if got := p.Invert(4900); got != 50*s {
		t.Errorf("Invert(Total()) = %v, want the end", got)
	}
	if got, want := p.String(), "ramp(0/s->100/s, 10s) + constant(100/s, 20s) + spike(100/s, 1000/s at 5s for 1s, 10s) + ramp(100/s->0/s, 10s)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := len(p.Stages()); got != 4 {
		t.Errorf("len(Stages()) = %d, want 4", got)
	}
}

func TestProfileCut(t *testing.T) {
	p := journey(t)
	tests := []struct {
		d      time.Duration
		total  float64
		stages int
		str    string
	}{
		{time.Hour, 4900, 4, ""},
		{0, 4900, 4, ""},
		{10 * s, 500, 1, "ramp(0/s->100/s, 10s)"},
		{15 * s, 1000, 2, "ramp(0/s->100/s, 10s) + constant(100/s, 20s) cut at 15s"},
		{5 * s, 125, 1, "ramp(0/s->100/s, 10s) cut at 5s"},
		{35500 * ms, 3500, 3, ""},
	}
	for _, tc := range tests {
		c := p.Cut(tc.d)
		if got := c.Total(); got != tc.total {
			t.Errorf("Cut(%v).Total() = %v, want %v", tc.d, got, tc.total)
		}
		if got := len(c.Stages()); got != tc.stages {
			t.Errorf("Cut(%v) has %d stages, want %d", tc.d, got, tc.stages)
		}
		if want := min(tc.d, p.Duration()); tc.d > 0 && c.Duration() != want {
			t.Errorf("Cut(%v).Duration() = %v, want %v", tc.d, c.Duration(), want)
		}
		if tc.str != "" && c.String() != tc.str {
			t.Errorf("Cut(%v).String() = %q, want %q", tc.d, c.String(), tc.str)
		}
		if got := c.Invert(tc.total); got != c.Duration() {
			t.Errorf("Cut(%v).Invert(total) = %v, want the end", tc.d, got)
		}
		if got := c.Rate(c.Duration()); got != 0 {
			t.Errorf("Cut(%v).Rate(end) = %v, want 0", tc.d, got)
		}
	}
	// Cutting leaves the original alone.
	if p.Total() != 4900 || p.Duration() != 50*s {
		t.Errorf("Cut changed the profile: %v", p)
	}
}

func TestProfileTooLong(t *testing.T) {
	long := must(load.NewConstant(1, math.MaxInt64/2+1))
	if _, err := load.NewProfile(long, long); err == nil {
		t.Errorf("NewProfile of two half-eternities: no error")
	}
}
