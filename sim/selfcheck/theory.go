package selfcheck

import (
	"math"
	"time"
)

// The queueing results the checks hold the engine to. All of them are
// computed here from the scenario's own rate, service time and workers,
// never pasted in as constants.

// ErlangC is the probability that an arrival waits in an M/M/c queue with
// offered load a = λ·S erlangs (a < c), by the Erlang B recursion, which
// stays stable for large c.
func ErlangC(c int, a float64) float64 {
	b := 1.0 // Erlang B with 0 servers
	for k := 1; k <= c; k++ {
		b = a * b / (float64(k) + a*b)
	}
	rho := a / float64(c)
	return b / (1 - rho*(1-b))
}

// MMc is an M/M/c queue: Poisson arrivals at Lambda per second,
// exponential service with mean S, C workers, FCFS, unbounded queue.
type MMc struct {
	Lambda float64
	S      time.Duration
	C      int
}

// Rho is the utilisation λ·S/c.
func (q MMc) Rho() float64 { return q.Lambda * q.S.Seconds() / float64(q.C) }

// MeanSojourn is the mean time in system, W = S + C(c, a)·S/(c − a).
func (q MMc) MeanSojourn() time.Duration {
	s := q.S.Seconds()
	a := q.Lambda * s
	w := s + ErlangC(q.C, a)*s/(float64(q.C)-a)
	return seconds(w)
}

// Survival is P(T > t) for the sojourn time T = Wq + S, where the waiting
// time Wq is 0 with probability 1 − C and otherwise exponential with rate
// cμ − λ, independent of the service time (rate μ).
func (q MMc) Survival(t time.Duration) float64 {
	mu := 1 / q.S.Seconds()
	x := t.Seconds()
	if x <= 0 {
		return 1
	}
	pc := ErlangC(q.C, q.Lambda/mu)
	theta := float64(q.C)*mu - q.Lambda
	es := math.Exp(-mu * x)
	if math.Abs(theta-mu) < 1e-9*mu {
		// The two rates coincide: the convolution is mu·x·e^(−μx).
		return es + pc*mu*x*es
	}
	return es + pc*mu/(theta-mu)*(es-math.Exp(-theta*x))
}

// Quantile is the sojourn time below which a fraction p of requests stay.
func (q MMc) Quantile(p float64) time.Duration {
	return quantile(q.Survival, p, 1000*q.MeanSojourn())
}

// quantile inverts a survival function by bisection on [0, hi].
func quantile(surv func(time.Duration) float64, p float64, hi time.Duration) time.Duration {
	lo := time.Duration(0)
	for hi-lo > time.Microsecond {
		mid := lo + (hi-lo)/2
		if surv(mid) > 1-p {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + (hi-lo)/2
}

// ErlangKM1 is the E_k/M/1 queue: one exponential server (mean S) whose
// arrivals come every k-th event of a Poisson stream, so interarrival
// times are Erlang(k) with rate Lambda. It is what each of k replicas
// sees under round robin over a Poisson stream of k·Lambda.
type ErlangKM1 struct {
	Lambda float64
	S      time.Duration
	K      int
}

// sigma solves the GI/M/1 fixed point σ = A*(μ(1−σ)), where A* is the
// Laplace transform of the interarrival time, (kλ/(kλ+s))^k for Erlang(k).
func (q ErlangKM1) sigma() float64 {
	mu := 1 / q.S.Seconds()
	k := float64(q.K)
	lst := func(s float64) float64 { return math.Pow(k*q.Lambda/(k*q.Lambda+s), k) }
	// σ − A*(μ(1−σ)) is negative just above 0 and positive just below 1
	// when ρ < 1; the root between is unique.
	lo, hi := 0.0, 1-1e-12
	for range 200 {
		mid := (lo + hi) / 2
		if mid-lst(mu*(1-mid)) < 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// MeanSojourn is 1/(μ(1−σ)).
func (q ErlangKM1) MeanSojourn() time.Duration {
	return seconds(q.S.Seconds() / (1 - q.sigma()))
}

// Quantile: the GI/M/1 sojourn time is exponential with rate μ(1−σ).
func (q ErlangKM1) Quantile(p float64) time.Duration {
	return seconds(-math.Log(1-p) * q.S.Seconds() / (1 - q.sigma()))
}

// Supermarket is the mean sojourn of the supermarket model (Mitzenmacher;
// Vvedenskaya, Dobrushin and Karpelevich): each Poisson arrival joins the
// shorter of d queues chosen at random among many exponential servers at
// utilisation rho. As the number of servers grows the mean time in system
// tends to S·Σ_{i≥1} ρ^((d^i − d)/(d − 1)); with 20 servers it sits a few
// percent above that.
func Supermarket(rho float64, d int, s time.Duration) time.Duration {
	if d <= 1 {
		return seconds(s.Seconds() / (1 - rho)) // one choice: M/M/1
	}
	sum := 0.0
	di := float64(d)
	for i := 1; i < 64; i++ {
		term := math.Pow(rho, (di-float64(d))/float64(d-1))
		sum += term
		if term < 1e-12 {
			break
		}
		di *= float64(d)
	}
	return seconds(sum * s.Seconds())
}

// MM1MeanSpread is the relative standard error of the mean sojourn
// measured over n customers of an M/M/1 queue at utilisation rho, from
// the asymptotic variance of its waiting times (Daley 1968; Whitt,
// "Planning queueing simulations", 1989): σ² = ρ(2 + 5ρ − 4ρ² + ρ³)/(1−ρ)⁴
// in units of the service time squared. Near saturation the waiting times
// of successive customers are so correlated that this is far above the
// naive σ/√n: a 16 s run at ρ = 0.9 pins the mean only to about ±50 %.
func MM1MeanSpread(rho float64, n int) float64 {
	if n <= 0 || rho >= 1 {
		return math.Inf(1)
	}
	v := rho * (2 + 5*rho - 4*rho*rho + rho*rho*rho) / math.Pow(1-rho, 4)
	w := 1 / (1 - rho) // the mean sojourn, in service times
	return math.Sqrt(v/float64(n)) / w
}

func seconds(x float64) time.Duration { return time.Duration(x * float64(time.Second)) }
