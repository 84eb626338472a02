// Package load turns a scenario's load section into arrival times and
// requests: rate profiles built from stages (constant, ramp, step, sine,
// spike, replay of a recorded trace), open-model schedules that are
// vegeta pacers, a closed model of virtual users with think time, and a
// client mix that fills in each request's method, path, headers, body,
// credentials and routing key.
//
// It is pure: no I/O, no clock, no goroutines, no global random source.
// Time is an argument (an offset from the start of the load) and every
// random choice takes an explicit *rand.Rand or seed, so the live engine
// (vegeta on sockets) and the virtual engine (an event clock) see the same
// arrivals and the same requests from the same seed.
//
// A Profile is a rate function r(t) in requests per second together with
// its integral, the expected arrivals by t, and that integral's inverse.
// Arrivals are drawn by inverting the integral: request n is sent at
// Invert(n) for uniform arrivals and at Invert(E1+...+En), with unit
// exponentials Ei, for Poisson arrivals (time-rescaling of a
// non-homogeneous Poisson process). Both are exact for any profile and
// cost one inversion per request, with no thinning and no rejected draws.
package load
