// Package fault is Baton's fault timeline: which faults are active when,
// at what intensity, and what each request suffers. It decides; engines
// apply.
//
// A Timeline is built from a scenario's `faults:` list (scenarios.Fault)
// and a seed. Like every Baton policy it is a deterministic state machine
// with explicit time: every method takes now (time since the start of the
// load), nothing reads the clock, sleeps or starts a goroutine. The live
// engine passes wall-clock offsets, the virtual engine its event clock.
//
// # Windows and intensity
//
// A fault is active in [At, At+For): at At it is active, at At+For it is
// not. A crash without restart never ends. Ramp makes the intensity grow
// linearly from 0 at At to 1 at At+Ramp (so exactly at At a ramped fault
// is active with intensity 0); without a ramp it is 1 throughout. The
// intensity scales a latency fault's delay, and the probability of being
// hit for the other per-request kinds (a brownout that spreads).
//
// # Reproducible decisions
//
// Decide draws no number from a shared generator. The randomness of a
// decision is a pure function of (seed, fault id, target, n), where target
// is the request's (caller, service, replica) and n counts the requests
// that fault has matched for that target so far: the n-th output of a
// splitmix64 stream keyed by the first three. The n-th request to a
// replica therefore meets the same fate in every run with the same seed,
// however goroutines interleave requests to other replicas, and adding a
// fault (or injecting one at run time) shifts no other fault's decisions.
// FirstN is counted per fault over all targets.
//
// # Combining faults
//
// Decide applies every active fault that matches the request, in id
// order, and combines them into one Effect:
//
//   - ConnectFail (crash, partition) means the request never reaches the
//     replica; every other field is then zero.
//   - Otherwise the terminal outcome is the most severe that hit: Reset
//     (reset, drop), then Hang, then Status (error; the lowest-id error
//     fault that hit sets it). Exactly one of them, or none, is set.
//   - AddLatency is the sum of every latency fault that hit; it is kept
//     with Reset and Status (delay, then abort, as Envoy does) and dropped
//     with Hang.
//   - BandwidthBps is the lowest rate of the slow_body faults that hit; it
//     is dropped with Reset and Hang, kept with Status (the error's body is
//     slow too).
//
// Every matching fault draws its decision whether or not another fault
// already decided the outcome, so the decisions of one fault never depend
// on the others.
//
// # Hook points
//
// Istio applies HTTP faults in the calling sidecar, and Baton does the
// same: one Decide per attempt, in the mesh client (mesh.Client.try, after
// the balancer's Pick, where caller, destination service, replica and
// headers are all known; the gateway's first hop also knows route and
// consumer). There the engine applies the Effect:
//
//   - ConnectFail: fail the attempt as a dial error (*net.OpError with Op
//     "dial"), which mesh's classify reads as connect-failure;
//   - AddLatency: sleep, honouring the attempt's context, before sending;
//   - Reset: fail the attempt as a connection reset (or send it and Reset
//     the connection); Hang: wait for the attempt's context to end;
//   - Status: answer with it without sending (Envoy's abort);
//   - BandwidthBps: read the response body through a BandwidthWriter.
//
// Replica-level faults come from Transitions, called by the engine's
// ticker: a crash Start closes the replica's listener and Resets its
// in-flight connections (real RSTs, via Reset), its Stop listens again on
// the same address; a discovery_loss Start removes the replica from every
// caller's registry view while its server keeps serving, its Stop adds it
// back. Decide also reports ConnectFail for a crashed replica, for engines
// without sockets.
package fault
