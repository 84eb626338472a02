package identity

import (
	"time"
)

// Defaults.
const (
	// DefaultTTL is a leaf's lifetime from issue. Istio and Linkerd issue
	// 24 h certificates; Baton runs are minutes long, so an hour still
	// outlives most runs while rotation stays easy to show with a shorter
	// TTL.
	DefaultTTL = time.Hour
	// DefaultRootTTL is the root's lifetime, Istio's self-signed root's
	// ten years.
	DefaultRootTTL = 10 * 365 * 24 * time.Hour
	// DefaultRotateAt is the fraction of a certificate's lifetime after
	// which a Workload renews it: Linkerd's 70 %.
	DefaultRotateAt = 0.7
	// maxDefaultSkew caps the default backdating of NotBefore.
	maxDefaultSkew = time.Minute
)

// CAOptions configures NewCA. The zero value of every field except Now
// means its documented default.
type CAOptions struct {
	// TrustDomain is the SPIFFE trust domain. Default "baton.local".
	TrustDomain string
	// Now is the instant the root is created: the engine's clock at start
	// (there is no default, because the package never reads the clock).
	Now time.Time
	// TTL is a leaf's lifetime, from its issue instant to NotAfter. A
	// whole number of seconds (x509 validity has one-second resolution),
	// at least 1s. Default 1h.
	TTL time.Duration
	// ClockSkew backdates a leaf's NotBefore so that a peer whose clock
	// runs slightly behind still accepts it. A whole number of seconds,
	// less than TTL. Default TTL/10 rounded down to seconds, at most 1m;
	// negative means no backdating.
	ClockSkew time.Duration
	// RootTTL is the root's lifetime from Now. A whole number of seconds,
	// at least TTL. Default ten years.
	RootTTL time.Duration
}

// withDefaults fills the zero fields.
func (o CAOptions) withDefaults() CAOptions {
	if o.TrustDomain == "" {
		o.TrustDomain = DefaultTrustDomain
	}
	if o.TTL == 0 {
		o.TTL = DefaultTTL
	}
	switch {
	case o.ClockSkew == 0:
		o.ClockSkew = min(maxDefaultSkew, (o.TTL / 10).Truncate(time.Second))
	case o.ClockSkew < 0:
		o.ClockSkew = 0
	}
	if o.RootTTL == 0 {
		o.RootTTL = DefaultRootTTL
	}
	return o
}

// Validate reports the first invalid field, defaults applied, as a
// *FieldError.
func (o CAOptions) Validate() error {
	_, err := o.resolve()
	return err
}

func (o CAOptions) resolve() (CAOptions, error) {
	if o.Now.IsZero() {
		return o, fieldErr("CAOptions.Now", "must be set to the engine's clock")
	}
	o = o.withDefaults()
	if err := ValidateTrustDomain(o.TrustDomain); err != nil {
		return o, fieldErr("CAOptions.TrustDomain", "%v", err)
	}
	if err := wholeSeconds("CAOptions.TTL", o.TTL, time.Second); err != nil {
		return o, err
	}
	if err := wholeSeconds("CAOptions.ClockSkew", o.ClockSkew, 0); err != nil {
		return o, err
	}
	if o.ClockSkew >= o.TTL {
		return o, fieldErr("CAOptions.ClockSkew", "must be less than TTL %v, got %v", o.TTL, o.ClockSkew)
	}
	if err := wholeSeconds("CAOptions.RootTTL", o.RootTTL, o.TTL); err != nil {
		return o, err
	}
	return o, nil
}

func wholeSeconds(field string, d, least time.Duration) error {
	if d < least {
		return fieldErr(field, "must be at least %v, got %v", least, d)
	}
	if d%time.Second != 0 {
		return fieldErr(field, "must be a whole number of seconds (x509 validity has one-second resolution), got %v", d)
	}
	return nil
}

// WorkloadOptions configures NewWorkload. The zero value is complete.
type WorkloadOptions struct {
	// Replica labels rotation events ("cart-0"); it is not part of the
	// identity, which every replica of a service shares.
	Replica string
	// RotateAt is the fraction of a certificate's lifetime (NotAfter -
	// NotBefore) after which Rotate renews it, in (0, 1). The renewal
	// point must fall at least one second after issue. Default 0.7.
	RotateAt float64
	// OnRotate, when set, receives every rotation, after Rotate has
	// installed the new certificate and released its lock (so it may call
	// back into the Workload). Telemetry hangs off it. Rotate calls from
	// several goroutines may report back-to-back renewals out of order;
	// Serial orders them.
	OnRotate func(RotationEvent)
}

func (o WorkloadOptions) withDefaults() WorkloadOptions {
	if o.RotateAt == 0 {
		o.RotateAt = DefaultRotateAt
	}
	return o
}

// Validate reports the first invalid field, defaults applied, as a
// *FieldError. NewWorkload also checks RotateAt against the CA's TTL.
func (o WorkloadOptions) Validate() error {
	o = o.withDefaults()
	if !(o.RotateAt > 0 && o.RotateAt < 1) { // also rejects NaN
		return fieldErr("WorkloadOptions.RotateAt", "must be in (0, 1), got %v", o.RotateAt)
	}
	return nil
}
