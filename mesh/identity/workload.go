package identity

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// RotationEvent reports one renewal, for telemetry.
type RotationEvent struct {
	At        time.Time // the now Rotate was called with
	Service   string
	Replica   string
	OldSerial uint64
	Serial    uint64
	NotAfter  time.Time // the new certificate's
}

// Workload is one replica's identity: its current certificate, renewed by
// Rotate. Handshakes read the certificate through an atomic pointer, so
// serving never waits for a rotation; Rotate is safe to call concurrently
// with handshakes and with itself.
type Workload struct {
	ca      *CA
	service string
	opts    WorkloadOptions
	// offset is when, after NotBefore, a certificate is due: RotateAt ×
	// lifetime, rounded to the nanosecond once so the due instant is exact.
	offset time.Duration

	mu        sync.Mutex // serialises renewals so one due instant issues once
	cur       atomic.Pointer[installed]
	rotations atomic.Uint64
}

// installed is a certificate with the instant it falls due.
type installed struct {
	cert *Cert
	due  time.Time
}

// NewWorkload issues service's first certificate at now. The first issue
// is not a rotation: it is neither counted nor reported.
func NewWorkload(ca *CA, service string, now time.Time, opts WorkloadOptions) (*Workload, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	lifetime := ca.opts.TTL + ca.opts.ClockSkew
	offset := time.Duration(math.Round(opts.RotateAt * float64(lifetime)))
	// NotBefore is the issue instant minus the skew, so renewal falls
	// offset - skew after issue; under a second it would renew on every
	// tick.
	if offset-ca.opts.ClockSkew < time.Second {
		return nil, fieldErr("WorkloadOptions.RotateAt",
			"%v of lifetime %v falls %v after issue (NotBefore is issue - %v), want at least 1s",
			opts.RotateAt, lifetime, offset-ca.opts.ClockSkew, ca.opts.ClockSkew)
	}
	c, err := ca.Issue(service, now)
	if err != nil {
		return nil, err
	}
	w := &Workload{ca: ca, service: service, opts: opts, offset: offset}
	w.cur.Store(&installed{cert: c, due: c.NotBefore.Add(offset)})
	return w, nil
}

// Service is the workload's service name.
func (w *Workload) Service() string { return w.service }

// ID is the workload's SPIFFE ID.
func (w *Workload) ID() string { return w.ca.ID(w.service) }

// CA is the authority the workload's certificates come from.
func (w *Workload) CA() *CA { return w.ca }

// Cert is the current certificate.
func (w *Workload) Cert() *Cert { return w.cur.Load().cert }

// NextRotation is the instant from which Rotate renews the current
// certificate: NotBefore + RotateAt × (NotAfter - NotBefore). The virtual
// engine can schedule an event there instead of ticking.
func (w *Workload) NextRotation() time.Time { return w.cur.Load().due }

// Rotations counts renewals since NewWorkload.
func (w *Workload) Rotations() uint64 { return w.rotations.Load() }

// Rotate renews the certificate when now >= NextRotation and reports
// whether it did. On failure the current certificate stays in place (it
// may still be valid for a while) and the error says why. Call it more
// often than (1 - RotateAt) × lifetime, or certificates expire between
// calls.
func (w *Workload) Rotate(now time.Time) (rotated bool, err error) {
	if now.Before(w.cur.Load().due) { // the common case takes no lock
		return false, nil
	}
	w.mu.Lock()
	old := w.cur.Load()
	if now.Before(old.due) { // another caller renewed first
		w.mu.Unlock()
		return false, nil
	}
	c, err := w.ca.Issue(w.service, now)
	if err != nil {
		w.mu.Unlock()
		return false, fmt.Errorf("identity: rotate %s: %w", w.service, err)
	}
	w.cur.Store(&installed{cert: c, due: c.NotBefore.Add(w.offset)})
	w.rotations.Add(1)
	w.mu.Unlock()
	if w.opts.OnRotate != nil {
		w.opts.OnRotate(RotationEvent{
			At: now, Service: w.service, Replica: w.opts.Replica,
			OldSerial: old.cert.Serial, Serial: c.Serial, NotAfter: c.NotAfter,
		})
	}
	return true, nil
}
