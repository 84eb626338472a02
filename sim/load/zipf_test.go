package load_test

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/baton-sim/baton/sim/load"
)

// TestZipfFrequencies draws 300000 ranks and checks the exact counts of
// the first ranks for the seed, and that the counts in doubling buckets of
// ranks (1, 2, 3-4, 5-8, ...) are within 2 % of their probability wherever
// a bucket expects enough draws for 2 % to be well outside the noise.
func TestZipfFrequencies(t *testing.T) {
	tests := []struct {
		s    float64
		n    uint64
		want []int // counts of ranks 1..5, seed 11
	}{
		{1.1, 10000, []int{45399, 20930, 13603, 9947, 7639}},
		{0.99, 1000, []int{38707, 19353, 13067, 9823, 7965}},
		{2, 100, []int{183385, 46066, 20282, 11444, 7433}},
		{0.5, 10, []int{59409, 42310, 34687, 30109, 26538}},
	}
	const draws = 300000
	for _, tc := range tests {
		z := must(load.NewZipf(tc.s, tc.n))
		r := newRand(11)
		counts := make([]int, tc.n+1)
		for range draws {
			k := z.Sample(r)
			if k < 1 || k > tc.n {
				t.Fatalf("%v: rank %d outside 1..%d", z, k, tc.n)
			}
			counts[k]++
		}
		if got := counts[1:6]; !slices.Equal(got, tc.want) {
			t.Errorf("%v: ranks 1-5 drawn %v times, want %v", z, got, tc.want)
		}
		p1 := z.Prob(1) // Prob sums the normaliser: once, not per rank
		checked := 0
		for lo := uint64(1); lo <= tc.n; lo *= 2 {
			hi := min(2*lo-1, tc.n)
			var got, exp float64
			for k := lo; k <= hi; k++ {
				got += float64(counts[k])
				exp += p1 * math.Pow(float64(k), -tc.s) * draws
			}
			if exp < 20000 {
				continue // sd above 0.7 %: 2 % is too close to the noise
			}
			checked++
			if math.Abs(got-exp) > 0.02*exp {
				t.Errorf("%v: ranks %d-%d drawn %.0f times, expected %.0f: off by more than 2 %%", z, lo, hi, got, exp)
			}
		}
		if checked < 3 {
			t.Errorf("%v: only %d buckets checked", z, checked)
		}
	}
}

func TestZipfEdges(t *testing.T) {
	one := must(load.NewZipf(1.1, 1))
	if got := one.Sample(newRand(1)); got != 1 {
		t.Errorf("n=1: rank %d, want 1", got)
	}
	if got := one.Prob(1); got != 1 {
		t.Errorf("n=1: Prob(1) = %v, want 1", got)
	}
	z := must(load.NewZipf(1, 3)) // 1, 1/2, 1/3 over 11/6
	for k, want := range []float64{0, 6.0 / 11, 3.0 / 11, 2.0 / 11, 0} {
		if got := z.Prob(uint64(k)); math.Abs(got-want) > 1e-15 {
			t.Errorf("Prob(%d) = %v, want %v", k, got, want)
		}
	}
	if got, want := z.String(), "zipf(s=1, n=3)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	for _, bad := range []struct {
		s float64
		n uint64
	}{{0, 10}, {-1, 10}, {math.NaN(), 10}, {101, 10}, {1, 0}, {1, 1<<53 + 1}} {
		if _, err := load.NewZipf(bad.s, bad.n); !errors.Is(err, load.ErrZipf) {
			t.Errorf("NewZipf(%v, %d) = %v, want ErrZipf", bad.s, bad.n, err)
		}
	}
}
