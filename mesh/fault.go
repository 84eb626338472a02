package mesh

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/baton-sim/baton/internal/waitctx"
)

// Faults decides what injected faults do to one attempt. Faults are applied
// in the calling client, after the balancer's pick, as Istio applies HTTP
// faults in the calling sidecar: caller, destination, replica and headers
// are all known there. The engine adapts its fault timeline to this.
type Faults interface {
	Decide(now time.Time, caller, service, replica string, h http.Header) FaultEffect
}

// FaultEffect is what faults do to one attempt; the zero value is nothing.
// At most one of ConnectFail, Reset, Hang and Status is set.
type FaultEffect struct {
	Delay        time.Duration // wait before sending
	Status       int           // answer with this instead of sending (Envoy's abort)
	Hang         bool          // never answer: the attempt's deadline ends it
	Reset        bool          // the connection is reset
	ConnectFail  bool          // the replica cannot be reached
	BandwidthBps int64         // the response body trickles at this rate
}

// errInjectedReset and errInjectedRefused read like the network errors they
// stand for, so classify and the callers treat them the same way.
var (
	errInjectedReset   = &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	errInjectedRefused = &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
)

// injected applies effect e before an attempt is sent. It returns a
// synthesized response or error when the fault answers instead of the
// upstream; send is false then.
func injected(ctx context.Context, e FaultEffect) (resp *http.Response, err error, send bool) {
	if e.Delay > 0 && !waitctx.Sleep(ctx, e.Delay) {
		return nil, ctx.Err(), false
	}
	switch {
	case e.ConnectFail:
		return nil, errInjectedRefused, false
	case e.Reset:
		return nil, errInjectedReset, false
	case e.Hang:
		<-ctx.Done()
		return nil, ctx.Err(), false
	case e.Status != 0:
		return &http.Response{
			StatusCode: e.Status,
			Status:     strconv.Itoa(e.Status) + " " + http.StatusText(e.Status),
			Header:     http.Header{"X-Baton-Fault": {"abort"}},
			Body:       http.NoBody,
		}, nil, false
	}
	return nil, nil, true
}

// slowBody limits reads of a response body to bps bytes per second.
type slowBody struct {
	io.ReadCloser
	ctx   context.Context
	bps   int64
	start time.Time
	read  int64
}

func (b *slowBody) Read(p []byte) (int, error) {
	// Read at most a tenth of a second's worth at a time, then wait until
	// the total is due.
	if max := max(b.bps/10, 1); int64(len(p)) > max {
		p = p[:max]
	}
	n, err := b.ReadCloser.Read(p)
	b.read += int64(n)
	due := b.start.Add(time.Duration(float64(b.read) / float64(b.bps) * float64(time.Second)))
	if wait := time.Until(due); wait > 0 && !waitctx.Sleep(b.ctx, wait) {
		return n, errors.Join(err, b.ctx.Err())
	}
	return n, err
}
