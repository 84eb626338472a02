package load

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Zipf draws ranks 1..n with probability proportional to 1/k^s: a few hot
// keys and a long tail, as real user, item and tenant popularity is. It
// uses rejection-inversion (Hörmann and Derflinger, 1996; the sampler in
// Apache Commons RNG), which needs O(1) memory for any n and, unlike
// math/rand's Zipf, accepts any exponent s > 0, including the s < 1 of
// YCSB-style workloads.
//
// Zipf is immutable and safe for concurrent use.
type Zipf struct {
	s, n      float64
	hX1       float64 // H(1.5) - 1
	hN        float64 // H(n + 0.5)
	squeeze   float64 // accept without evaluating H when k - x <= squeeze
	ranks     uint64
	oneMinusS float64
}

// maxZipfS bounds the exponent: beyond it rank 1 takes all but a
// vanishing share and the tail computations underflow.
const maxZipfS = 100

// NewZipf draws ranks 1..n with exponent s in (0, 100].
func NewZipf(s float64, n uint64) (*Zipf, error) {
	if math.IsNaN(s) || s <= 0 || s > maxZipfS {
		return nil, fmt.Errorf("%w: zipf: exponent s is %v, want 0 < s <= %d", ErrZipf, s, maxZipfS)
	}
	if n < 1 || n > 1<<53 {
		return nil, fmt.Errorf("%w: zipf: n is %d, want 1 to 2^53", ErrZipf, n)
	}
	z := &Zipf{s: s, n: float64(n), ranks: n, oneMinusS: 1 - s}
	z.hX1 = z.hIntegral(1.5) - 1
	z.hN = z.hIntegral(z.n + 0.5)
	z.squeeze = 2 - z.hIntegralInverse(z.hIntegral(2.5)-z.h(2))
	return z, nil
}

// Sample draws one rank in [1, n].
func (z *Zipf) Sample(r *rand.Rand) uint64 {
	if z.ranks == 1 {
		return 1
	}
	for {
		u := z.hN + r.Float64()*(z.hX1-z.hN)
		x := z.hIntegralInverse(u)
		k := math.Floor(x + 0.5)
		if k < 1 {
			k = 1
		} else if k > z.n {
			k = z.n
		}
		if k-x <= z.squeeze || u >= z.hIntegral(k+0.5)-z.h(k) {
			return uint64(k)
		}
	}
}

// Prob is the exact probability of rank k, for tests and reports; it sums
// the normalising constant, so it costs O(n).
func (z *Zipf) Prob(k uint64) float64 {
	if k < 1 || k > z.ranks {
		return 0
	}
	var norm float64
	for i := z.ranks; i >= 1; i-- { // smallest terms first
		norm += math.Pow(float64(i), -z.s)
	}
	return math.Pow(float64(k), -z.s) / norm
}

func (z *Zipf) String() string { return fmt.Sprintf("zipf(s=%g, n=%d)", z.s, z.ranks) }

// h is the unnormalised density 1/x^s.
func (z *Zipf) h(x float64) float64 { return math.Exp(-z.s * math.Log(x)) }

// hIntegral is ∫ h from 1 to x, written to stay accurate as s nears 1.
func (z *Zipf) hIntegral(x float64) float64 {
	lx := math.Log(x)
	return helper2(z.oneMinusS*lx) * lx
}

// hIntegralInverse inverts hIntegral.
func (z *Zipf) hIntegralInverse(x float64) float64 {
	t := x * z.oneMinusS
	if t < -1 {
		t = -1 // rounding at the lower end; -1 maps to rank 1
	}
	return math.Exp(helper1(t) * x)
}

// helper1 is log1p(x)/x, with its series near 0.
func helper1(x float64) float64 {
	if math.Abs(x) > 1e-8 {
		return math.Log1p(x) / x
	}
	return 1 - x*(0.5-x*(1.0/3-0.25*x))
}

// helper2 is expm1(x)/x, with its series near 0.
func helper2(x float64) float64 {
	if math.Abs(x) > 1e-8 {
		return math.Expm1(x) / x
	}
	return 1 + x*0.5*(1+x/3*(1+0.25*x))
}
