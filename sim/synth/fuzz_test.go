package synth

import (
	"math"
	"testing"
	"time"

	"github.com/baton-sim/baton/scenarios"
)

var distKinds = []string{
	scenarios.DistConstant, scenarios.DistUniform, scenarios.DistExponential,
	scenarios.DistNormal, scenarios.DistLognormal, scenarios.DistEmpirical,
}

// FuzzDistribution builds distributions from arbitrary parameters. Either
// NewDistribution rejects them, or the result is a valid inverse CDF:
// non-negative, non-decreasing in q, Mean between Quantile(0) and
// Quantile(1), and samples that never go negative.
func FuzzDistribution(f *testing.F) {
	ms := int64(time.Millisecond)
	f.Add(uint8(0), 7*ms, int64(0), 0.5, 0.9, 0.0)
	f.Add(uint8(1), ms, 5*ms, 0.5, 0.9, 0.0)
	f.Add(uint8(2), 10*ms, int64(0), 0.5, 0.9, 0.0)
	f.Add(uint8(3), 10*ms, 2*ms, 0.5, 0.9, 0.0)
	f.Add(uint8(4), 4*ms, 30*ms, 0.5, 0.9, 0.0)
	f.Add(uint8(5), 4*ms, 30*ms, 0.5, 0.99, 0.0)
	f.Add(uint8(5), ms, 10*ms, 0.0, 1.0, 0.0)
	f.Add(uint8(4), int64(1), int64(math.MaxInt64), 0.5, 0.99, 1.0)
	f.Fuzz(func(t *testing.T, kind uint8, a, b int64, qa, qb, seed float64) {
		da, db := time.Duration(a), time.Duration(b)
		l := scenarios.Latency{Dist: distKinds[int(kind)%len(distKinds)]}
		switch l.Dist {
		case scenarios.DistConstant:
			l.Value = da
		case scenarios.DistUniform:
			l.Min, l.Max = da, db
		case scenarios.DistExponential:
			l.Mean = da
		case scenarios.DistNormal:
			l.Mean, l.StdDev = da, db
		case scenarios.DistLognormal:
			l.P50, l.P99 = da, db
		case scenarios.DistEmpirical:
			l.Percentiles = []scenarios.Percentile{{Quantile: qa, Value: da}, {Quantile: qb, Value: db}}
		}
		d, err := NewDistribution(l)
		if err != nil {
			return
		}
		prev := time.Duration(-1)
		for i := 0; i <= 1000; i++ {
			q := float64(i) / 1000
			v := d.Quantile(q)
			if v < 0 || v < prev {
				t.Fatalf("%v: Quantile(%v) = %v after %v", d, q, v, prev)
			}
			prev = v
		}
		if m := d.Mean(); m < d.Quantile(0) || m > d.Quantile(1) {
			t.Fatalf("%v: Mean() = %v outside [%v, %v]", d, m, d.Quantile(0), d.Quantile(1))
		}
		r := newRand(math.Float64bits(seed))
		for range 100 {
			if v := d.Sample(r); v < 0 {
				t.Fatalf("%v: negative sample %v", d, v)
			}
		}
		_ = d.String()
	})
}
