// Package synth is Baton's synthetic service model: latency distributions,
// injected errors, capacity (workers and a bounded queue) and the plan of
// downstream calls a service makes for one request.
//
// It is pure: no I/O, no clock, no goroutines, no global random source.
// Every random decision takes an explicit *rand.Rand (math/rand/v2) so the
// live engine (sockets) and the virtual engine (event clock) make the same
// decisions from the same seed.
//
// Each random decision consumes a fixed number of draws that does not depend
// on the configured parameters: Sample draws one uniform, Fault one, Plan one
// per configured call. Changing a service's latency, error rate or call
// probabilities therefore does not shift the random stream seen by the
// decisions that follow (common random numbers), which keeps A/B comparisons
// of two scenarios tight.
package synth
