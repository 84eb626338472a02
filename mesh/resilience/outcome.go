package resilience

import "strconv"

// Outcome is how one attempt ended, as the retry policy, the breaker, the
// outlier detector and hedging see it.
type Outcome struct {
	// Status is the HTTP status of the response, 0 when there was none.
	Status int
	// Reset is true when the stream or connection was reset (or closed)
	// after the request was sent, before a complete response.
	Reset bool
	// ConnectFailure is true when no connection could be made, so the
	// request never reached the upstream.
	ConnectFailure bool
	// Timeout is true when the per-try timeout fired before a response.
	Timeout bool
}

// local reports a failure that happened below HTTP: no status was received.
func (o Outcome) local() bool { return o.Reset || o.ConnectFailure || o.Timeout }

// effectiveStatus maps local failures to the status a proxy would answer
// with, the way Envoy does for its 5xx accounting: a per-try timeout is a
// 504, a reset or connect failure a 503.
func (o Outcome) effectiveStatus() int {
	switch {
	case o.Status != 0:
		return o.Status
	case o.Timeout:
		return 504
	case o.Reset || o.ConnectFailure:
		return 503
	}
	return 0
}

// Failed reports whether the attempt is a server-side failure: a 5xx, a
// reset, a connect failure or a timeout. 4xx answers are the caller's fault
// and count as successes, as in Envoy's outlier detection and gRPC
// hedging.
func (o Outcome) Failed() bool { return o.local() || o.Status >= 500 }

// GatewayError reports a 502, 503 or 504 or a local failure (which a proxy
// would have turned into one of those).
func (o Outcome) GatewayError() bool {
	s := o.effectiveStatus()
	return s == 502 || s == 503 || s == 504
}

// String names the outcome for event logs: "503", "reset",
// "connect-failure" or "timeout".
func (o Outcome) String() string {
	switch {
	case o.Timeout:
		return "timeout"
	case o.ConnectFailure:
		return "connect-failure"
	case o.Reset:
		return "reset"
	}
	return strconv.Itoa(o.Status)
}
