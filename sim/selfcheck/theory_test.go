package selfcheck

import (
	"math"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const S = 10 * time.Millisecond

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.6g, want %.6g (±%g)", what, got, want, tol)
	}
}

func TestErlangC(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		c    int
		a    float64
		want float64
	}{
		{1, 0.5, 0.5}, // one server: P(wait) = ρ
		{1, 0.9, 0.9},
		{2, 1, 1.0 / 3},   // (a²/2)/(1−ρ) / (1 + a + (a²/2)/(1−ρ)) = 1/3
		{4, 3.6, 0.78775}, // by hand: 69.984/(18.856 + 69.984), M/M/4 at ρ = 0.9
	} {
		near(t, "ErlangC", ErlangC(tt.c, tt.a), tt.want, 5e-4)
	}
}

func TestMMc(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		q         MMc
		mean, p99 time.Duration
	}{
		// M/M/1: the sojourn is exponential with mean S/(1−ρ).
		{MMc{50, S, 1}, 20 * time.Millisecond, time.Duration(-math.Log(0.01) * 20e6)},
		{MMc{90, S, 1}, 100 * time.Millisecond, time.Duration(-math.Log(0.01) * 100e6)},
		// The M/M/4 at 360 rps: 29.7 ms.
		{MMc{360, S, 4}, 29694 * time.Microsecond, 0},
	} {
		near(t, "mean sojourn", float64(tt.q.MeanSojourn()), float64(tt.mean), float64(10*time.Microsecond))
		if tt.p99 > 0 {
			near(t, "p99 sojourn", float64(tt.q.Quantile(0.99)), float64(tt.p99), float64(10*time.Microsecond))
		}
		// The survival function's mean (its integral) is the mean.
		var integral float64
		step := time.Millisecond / 10
		for x := time.Duration(0); x < 100*tt.q.MeanSojourn(); x += step {
			integral += tt.q.Survival(x+step/2) * float64(step)
		}
		near(t, "∫ survival", integral, float64(tt.q.MeanSojourn()), float64(tt.q.MeanSojourn())*1e-3)
	}
}

func TestErlangKM1(t *testing.T) {
	t.Parallel()
	// k = 1 is M/M/1.
	near(t, "E1/M/1 mean", float64(ErlangKM1{90, S, 1}.MeanSojourn()), float64(100*time.Millisecond), 1e4)
	// Round robin over 20 replicas at ρ = 0.9: about 5.4 S.
	near(t, "E20/M/1 mean in S", float64(ErlangKM1{90, S, 20}.MeanSojourn())/float64(S), 5.42, 0.01)
	// More regular arrivals queue less.
	if a, b := (ErlangKM1{90, S, 2}).MeanSojourn(), (ErlangKM1{90, S, 20}).MeanSojourn(); b >= a {
		t.Errorf("E20/M/1 mean %v >= E2/M/1 mean %v", b, a)
	}
}

func TestSupermarket(t *testing.T) {
	t.Parallel()
	// d = 1 is M/M/1: Σ ρ^(i−1) = 1/(1−ρ).
	near(t, "d=1", float64(Supermarket(0.9, 1, S)), float64(100*time.Millisecond), 1e5)
	// d = 2 at ρ = 0.9: Mitzenmacher's 2.61 S.
	near(t, "d=2 in S", float64(Supermarket(0.9, 2, S))/float64(S), 2.614, 0.001)
}

func TestMM1MeanSpread(t *testing.T) {
	t.Parallel()
	// 16 s at 90/s and ρ = 0.9: about ±50 %.
	near(t, "spread", MM1MeanSpread(0.9, 1440), 0.499, 0.01)
	if !math.IsInf(MM1MeanSpread(1, 100), 1) {
		t.Error("spread at ρ = 1 is finite, want +Inf")
	}
}

func TestIdealSojourns(t *testing.T) {
	t.Parallel()
	at := func(ms int) time.Time { return time.Unix(0, 0).Add(time.Duration(ms) * time.Millisecond) }
	d := func(ms int) time.Duration { return time.Duration(ms) * time.Millisecond }
	got := idealSojourns(2, []time.Time{at(0), at(1), at(2), at(3), at(20)}, []time.Duration{d(10), d(3), d(1), d(5), d(1)})
	// Worker A: 0–10; worker B: 1–4, then 4–5 (arrived 2), then 5–10
	// (arrived 3); the last finds both idle.
	want := []time.Duration{d(10), d(3), d(3), d(7), d(1)}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d: sojourn %v, want %v", i, got[i], want[i])
		}
	}
}

func TestTokenBucketAllowed(t *testing.T) {
	t.Parallel()
	uniform := func(rate float64, d time.Duration) []time.Duration {
		var out []time.Duration
		for i := 0; float64(i) < rate*d.Seconds(); i++ {
			out = append(out, time.Duration(float64(i)/rate*1e9))
		}
		return out
	}
	for _, tt := range []struct {
		rate  float64
		burst int
		offer float64
		want  int
	}{
		// The last of 2 000 arrivals is at 9.995 s: 20 + 999 tokens.
		{100, 20, 200, 1019},
		// Offered less than the rate: everything passes.
		{100, 20, 50, 500},
		// 300/s against 100/s burst 20 for 10 s.
		{100, 20, 300, 1019},
	} {
		if got := tokenBucketAllowed(tt.rate, tt.burst, uniform(tt.offer, 10*time.Second)); got != tt.want {
			t.Errorf("bucket %v/s burst %d offered %v/s: allowed %d, want %d", tt.rate, tt.burst, tt.offer, got, tt.want)
		}
	}
}

func TestQuantileAndBatchSE(t *testing.T) {
	t.Parallel()
	xs := make([]time.Duration, 100)
	for i := range xs {
		xs[i] = time.Duration(100 - i)
	}
	if got := quantileOf(xs, 0.99); got != 99 {
		t.Errorf("p99 of 1..100 = %v, want 99", got)
	}
	// Constant batches have no spread.
	flat := make([]time.Duration, 100)
	for i := range flat {
		flat[i] = 5
	}
	if got := batchSE(flat, 10, mean); got != 0 {
		t.Errorf("batch SE of a constant = %v, want 0", got)
	}
}
