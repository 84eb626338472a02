package resilience

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

// Outlier detection defaults, Envoy's.
const (
	DefaultOutlierInterval        = 10 * time.Second
	DefaultBaseEjectionTime       = 30 * time.Second
	DefaultMaxEjectionTime        = 300 * time.Second
	DefaultMaxEjectionPercent     = 10
	DefaultConsecutive5xx         = 5
	DefaultSuccessRateMinHosts    = 5
	DefaultSuccessRateVolume      = 100
	DefaultSuccessRateStdevFactor = 1.9
	DefaultFailurePercentMinHosts = 5
	DefaultFailurePercentVolume   = 50
)

// OutlierOptions configures an OutlierDetector. The zero value is Envoy's
// default detector as enforced: consecutive-5xx and success-rate ejection
// on, gateway-failure and failure-percentage ejection off (Envoy detects
// those but enforces them 0% of the time by default). Envoy's per-detector
// enforcement percentages are reduced to on/off: no randomness needed.
type OutlierOptions struct {
	// Interval is the period at which the engine calls Tick; 0 means 10s.
	// Success rates are computed over one interval, and un-ejections and
	// multiplier decrements happen only at ticks.
	Interval time.Duration
	// BaseEjectionTime is the first ejection's duration; 0 means 30s.
	BaseEjectionTime time.Duration
	// MaxEjectionTime caps ejection durations; 0 means
	// max(300s, BaseEjectionTime).
	MaxEjectionTime time.Duration
	// MaxEjectionPercent bounds the ejected share of hosts, 1..100; 0
	// means 10. See OutlierDetector for the exact rule.
	MaxEjectionPercent int
	// AlwaysEjectOneHost lets one host be ejected even when that exceeds
	// MaxEjectionPercent (Envoy's always_eject_one_host).
	AlwaysEjectOneHost bool

	// Consecutive5xx ejects a host after that many consecutive failures
	// (5xx or local failures); 0 means 5, negative disables.
	Consecutive5xx int
	// ConsecutiveGatewayFailure ejects a host after that many consecutive
	// gateway errors (502, 503, 504, local failures); 0 or negative
	// disables it, as Envoy's default enforcement of 0% does.
	ConsecutiveGatewayFailure int

	// SuccessRateStdevFactor ejects hosts whose interval success rate is
	// below mean - factor*stdev of all eligible hosts' rates; 0 means 1.9
	// (Envoy's success_rate_stdev_factor 1900 / 1000), negative disables
	// success-rate ejection.
	SuccessRateStdevFactor float64
	// SuccessRateMinimumHosts is how many hosts must have enough volume
	// for success-rate ejection to run; 0 means 5.
	SuccessRateMinimumHosts int
	// SuccessRateRequestVolume is the requests a host needs in an interval
	// to take part in success-rate ejection; 0 means 100.
	SuccessRateRequestVolume int

	// FailurePercentageThreshold ejects hosts whose interval failure
	// percentage is at least this, 1..100; 0 disables it (Envoy's default
	// enforcement of 0%).
	FailurePercentageThreshold int
	// FailurePercentageMinimumHosts: as SuccessRateMinimumHosts; 0 means 5.
	FailurePercentageMinimumHosts int
	// FailurePercentageRequestVolume: as SuccessRateRequestVolume; 0 means
	// 50.
	FailurePercentageRequestVolume int
}

func (o OutlierOptions) withDefaults() OutlierOptions {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	if o.Interval == 0 {
		o.Interval = DefaultOutlierInterval
	}
	if o.BaseEjectionTime == 0 {
		o.BaseEjectionTime = DefaultBaseEjectionTime
	}
	if o.MaxEjectionTime == 0 {
		o.MaxEjectionTime = max(DefaultMaxEjectionTime, o.BaseEjectionTime)
	}
	def(&o.MaxEjectionPercent, DefaultMaxEjectionPercent)
	def(&o.Consecutive5xx, DefaultConsecutive5xx)
	if o.SuccessRateStdevFactor == 0 {
		o.SuccessRateStdevFactor = DefaultSuccessRateStdevFactor
	}
	def(&o.SuccessRateMinimumHosts, DefaultSuccessRateMinHosts)
	def(&o.SuccessRateRequestVolume, DefaultSuccessRateVolume)
	def(&o.FailurePercentageMinimumHosts, DefaultFailurePercentMinHosts)
	def(&o.FailurePercentageRequestVolume, DefaultFailurePercentVolume)
	return o
}

// Validate reports the first invalid field of o, after defaults.
func (o OutlierOptions) Validate() error {
	o = o.withDefaults()
	switch {
	case o.Interval < 0:
		return optErr("OutlierOptions.Interval", "negative (%v)", o.Interval)
	case o.BaseEjectionTime < 0:
		return optErr("OutlierOptions.BaseEjectionTime", "negative (%v)", o.BaseEjectionTime)
	case o.MaxEjectionTime < o.BaseEjectionTime:
		return optErr("OutlierOptions.MaxEjectionTime", "%v is below BaseEjectionTime %v", o.MaxEjectionTime, o.BaseEjectionTime)
	case o.MaxEjectionPercent < 1 || o.MaxEjectionPercent > 100:
		return optErr("OutlierOptions.MaxEjectionPercent", "%d is not in [1, 100]", o.MaxEjectionPercent)
	case math.IsNaN(o.SuccessRateStdevFactor) || math.IsInf(o.SuccessRateStdevFactor, 1):
		return optErr("OutlierOptions.SuccessRateStdevFactor", "%v is not a finite factor", o.SuccessRateStdevFactor)
	case o.SuccessRateMinimumHosts < 0:
		return optErr("OutlierOptions.SuccessRateMinimumHosts", "negative (%d)", o.SuccessRateMinimumHosts)
	case o.SuccessRateRequestVolume < 0:
		return optErr("OutlierOptions.SuccessRateRequestVolume", "negative (%d)", o.SuccessRateRequestVolume)
	case o.FailurePercentageThreshold < 0 || o.FailurePercentageThreshold > 100:
		return optErr("OutlierOptions.FailurePercentageThreshold", "%d is not in [0, 100]", o.FailurePercentageThreshold)
	case o.FailurePercentageMinimumHosts < 0:
		return optErr("OutlierOptions.FailurePercentageMinimumHosts", "negative (%d)", o.FailurePercentageMinimumHosts)
	case o.FailurePercentageRequestVolume < 0:
		return optErr("OutlierOptions.FailurePercentageRequestVolume", "negative (%d)", o.FailurePercentageRequestVolume)
	}
	return nil
}

// EjectReason says which detector ejected a host.
type EjectReason uint8

// Ejection reasons, Envoy's OutlierEjectionType names.
const (
	Consecutive5xx EjectReason = iota
	ConsecutiveGatewayFailure
	SuccessRate
	FailurePercentage
)

var reasonNames = [...]string{"consecutive_5xx", "consecutive_gateway_failure", "success_rate", "failure_percentage"}

func (r EjectReason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("EjectReason(%d)", uint8(r))
}

// HostEvent is an ejection or un-ejection. After one, the mesh removes the
// host from (or returns it to) the balancer's eligible set.
type HostEvent struct {
	Host string
	// Ejected is true for an ejection, false for an un-ejection.
	Ejected bool
	At      time.Time
	// Reason is why the host was ejected (for an un-ejection: why it had
	// been).
	Reason EjectReason
	// Duration is how long the ejection lasts (ejection events only):
	// min(BaseEjectionTime * multiplier, MaxEjectionTime). The host returns
	// at the first Tick at or after At+Duration.
	Duration time.Duration
	// Ejections counts this host's ejections so far, this one included.
	Ejections int
	// SuccessRate is the host's interval success rate in percent, and
	// Threshold the rate it fell below (SuccessRate) or the failure
	// percentage it reached (FailurePercentage); zero for other reasons.
	SuccessRate, Threshold float64
}

// OutlierStats are cumulative counters (and the active gauge) for
// telemetry, after Envoy's outlier_detection.* stats.
type OutlierStats struct {
	// Enforced ejections by reason, indexed by EjectReason.
	Ejections [4]uint64
	// Overflow counts ejections refused by MaxEjectionPercent or by the
	// last-host rule.
	Overflow uint64
	// Unejections counts hosts returned to service.
	Unejections uint64
	// Active is the number of hosts ejected now.
	Active int
}

type outlierHost struct {
	id        string
	cons5xx   int
	consGw    int
	ok, total int64 // current interval
	ejected   bool
	reason    EjectReason
	ejectedAt time.Time
	duration  time.Duration
	// multiplier is Envoy's eject-time backoff: +1 per ejection, -1 per
	// healthy interval after an un-ejection.
	multiplier  int
	ejections   int
	unejected   bool
	lastUneject time.Time
}

// OutlierDetector is Envoy-style passive health checking for the hosts of
// one upstream service.
//
// Consecutive-failure ejections happen inline, in Record: the N-th
// consecutive failure ejects the host and the counter restarts (also when
// the ejection is refused). Success-rate and failure-percentage ejections
// happen in Tick, over the requests recorded since the previous Tick, for
// hosts not ejected:
//
//   - success rate: among hosts with at least SuccessRateRequestVolume
//     requests, if there are at least SuccessRateMinimumHosts of them,
//     eject those whose success rate (percent) is below
//     mean - SuccessRateStdevFactor * stdev (population stdev, as Envoy).
//   - failure percentage: among hosts with at least
//     FailurePercentageRequestVolume requests, if there are at least
//     FailurePercentageMinimumHosts, eject those whose failure percentage
//     is >= FailurePercentageThreshold.
//
// Candidates are ejected worst success rate first (ties by host ID), so
// that when the cap below bites, the worst hosts go.
//
// A host's ejection lasts min(BaseEjectionTime * m, MaxEjectionTime),
// where the multiplier m grows by one per ejection and shrinks by one at
// each Tick at which the host is in service and was un-ejected at least
// one Interval earlier (Envoy). Un-ejection happens at the first Tick at
// or after the ejection's end and resets the consecutive counters.
//
// An ejection of one more host is allowed iff, with n hosts and e of them
// ejected, (e+1)*100 <= MaxEjectionPercent*n (Envoy; with
// AlwaysEjectOneHost also when e == 0) and e+1 < n: Baton never ejects the
// last host in service, so a service is never fully ejected. With the
// default 10%, a service needs 10 hosts before one can be ejected.
//
// OutlierDetector is safe for concurrent use.
type OutlierDetector struct {
	o OutlierOptions

	mu     sync.Mutex
	hosts  map[string]*outlierHost
	order  []*outlierHost // by id, for deterministic sweeps
	active int
	stats  OutlierStats
}

// NewOutlierDetector validates o, applies its defaults and builds a
// detector with no hosts; call SetHosts.
func NewOutlierDetector(o OutlierOptions) (*OutlierDetector, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return &OutlierDetector{o: o.withDefaults(), hosts: map[string]*outlierHost{}}, nil
}

// Interval is the period at which Tick should be called.
func (d *OutlierDetector) Interval() time.Duration { return d.o.Interval }

// SetHosts installs the service's current hosts. Hosts already known keep
// their state (ejection included); departed hosts are forgotten.
// Duplicates are ignored.
func (d *OutlierDetector) SetHosts(ids []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	next := make(map[string]*outlierHost, len(ids))
	for _, id := range ids {
		if _, dup := next[id]; dup {
			continue
		}
		h := d.hosts[id]
		if h == nil {
			h = &outlierHost{id: id}
		}
		next[id] = h
	}
	d.hosts = next
	d.order = d.order[:0]
	d.active = 0
	for _, h := range next {
		d.order = append(d.order, h)
		if h.ejected {
			d.active++
		}
	}
	slices.SortFunc(d.order, func(a, b *outlierHost) int { return cmp.Compare(a.id, b.id) })
	d.stats.Active = d.active
}

// Record feeds the outcome of one request to host at now. It returns the
// ejection it caused, if any. Outcomes for unknown hosts are ignored.
func (d *OutlierDetector) Record(host string, o Outcome, now time.Time) (HostEvent, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	h := d.hosts[host]
	if h == nil {
		return HostEvent{}, false
	}
	h.total++
	if !o.Failed() {
		h.ok++
		h.cons5xx, h.consGw = 0, 0
		return HostEvent{}, false
	}
	if o.GatewayError() {
		h.consGw++
	} else {
		h.consGw = 0
	}
	h.cons5xx++
	if t := d.o.ConsecutiveGatewayFailure; t > 0 && h.consGw >= t {
		h.consGw = 0
		if ev, ok := d.eject(h, ConsecutiveGatewayFailure, now); ok {
			return ev, true
		}
	}
	if t := d.o.Consecutive5xx; t > 0 && h.cons5xx >= t {
		h.cons5xx = 0
		return d.eject(h, Consecutive5xx, now)
	}
	return HostEvent{}, false
}

// Tick runs one interval sweep at now: it un-ejects hosts whose ejection
// has ended, runs success-rate and failure-percentage ejection over the
// interval's requests, starts a new interval and decrements the multipliers
// of healthy hosts. It returns the un-ejections (by host ID) followed by
// the ejections.
func (d *OutlierDetector) Tick(now time.Time) []HostEvent {
	d.mu.Lock()
	defer d.mu.Unlock()
	var events []HostEvent
	for _, h := range d.order {
		if h.ejected && now.Sub(h.ejectedAt) >= h.duration {
			h.ejected, h.unejected, h.lastUneject = false, true, now
			h.cons5xx, h.consGw = 0, 0
			d.active--
			d.stats.Unejections++
			d.stats.Active = d.active
			events = append(events, HostEvent{Host: h.id, At: now, Reason: h.reason, Ejections: h.ejections})
		}
	}
	events = d.sweep(events, now)
	for _, h := range d.order {
		h.ok, h.total = 0, 0
		if !h.ejected && h.unejected && now.Sub(h.lastUneject) >= d.o.Interval && h.multiplier > 0 {
			h.multiplier--
		}
	}
	return events
}

type rated struct {
	h    *outlierHost
	rate float64 // success percent
	vol  int64
}

// sweep runs the interval-based detectors. d.mu is held.
func (d *OutlierDetector) sweep(events []HostEvent, now time.Time) []HostEvent {
	srOn := d.o.SuccessRateStdevFactor >= 0
	fpOn := d.o.FailurePercentageThreshold > 0
	n := len(d.order)
	if (!srOn || n < d.o.SuccessRateMinimumHosts) && (!fpOn || n < d.o.FailurePercentageMinimumHosts) {
		return events
	}
	var cands []rated
	for _, h := range d.order {
		if !h.ejected && h.total > 0 {
			cands = append(cands, rated{h, float64(h.ok) * 100 / float64(h.total), h.total})
		}
	}
	// Worst first, so that a capped sweep ejects the worst hosts.
	slices.SortStableFunc(cands, func(a, b rated) int { return cmp.Compare(a.rate, b.rate) })

	if srOn {
		// Welford's running mean and variance over the eligible hosts.
		var k int
		var mean, m2 float64
		for _, c := range cands {
			if c.vol < int64(d.o.SuccessRateRequestVolume) {
				continue
			}
			k++
			delta := c.rate - mean
			mean += delta / float64(k)
			m2 += delta * (c.rate - mean)
		}
		if k > 0 && k >= d.o.SuccessRateMinimumHosts {
			threshold := mean - d.o.SuccessRateStdevFactor*math.Sqrt(m2/float64(k))
			for _, c := range cands {
				if c.vol >= int64(d.o.SuccessRateRequestVolume) && c.rate < threshold && !c.h.ejected {
					if ev, ok := d.eject(c.h, SuccessRate, now); ok {
						ev.SuccessRate, ev.Threshold = c.rate, threshold
						events = append(events, ev)
					}
				}
			}
		}
	}
	if fpOn {
		var k int
		for _, c := range cands {
			if c.vol >= int64(d.o.FailurePercentageRequestVolume) {
				k++
			}
		}
		if k > 0 && k >= d.o.FailurePercentageMinimumHosts {
			threshold := float64(d.o.FailurePercentageThreshold)
			for _, c := range cands {
				if c.vol >= int64(d.o.FailurePercentageRequestVolume) && 100-c.rate >= threshold && !c.h.ejected {
					if ev, ok := d.eject(c.h, FailurePercentage, now); ok {
						ev.SuccessRate, ev.Threshold = c.rate, threshold
						events = append(events, ev)
					}
				}
			}
		}
	}
	return events
}

// eject ejects h if the caps allow it. d.mu is held.
func (d *OutlierDetector) eject(h *outlierHost, r EjectReason, now time.Time) (HostEvent, bool) {
	if h.ejected {
		return HostEvent{}, false
	}
	n := len(d.order)
	allowed := (d.active+1)*100 <= d.o.MaxEjectionPercent*n || (d.o.AlwaysEjectOneHost && d.active == 0)
	if !allowed || d.active+1 >= n {
		d.stats.Overflow++
		return HostEvent{}, false
	}
	base, maxT := d.o.BaseEjectionTime, d.o.MaxEjectionTime
	// Envoy grows the multiplier only while base*m < max+base, so it stops
	// one step past the cap instead of growing forever. base > 0 after
	// defaults; the comparisons are divisions so they cannot overflow.
	if time.Duration(h.multiplier) <= (maxT+base-1)/base {
		h.multiplier++
	}
	dur := maxT
	if m := time.Duration(h.multiplier); m <= maxT/base {
		dur = base * m
	}
	h.ejected, h.reason, h.ejectedAt, h.duration = true, r, now, dur
	h.ejections++
	d.active++
	d.stats.Ejections[r]++
	d.stats.Active = d.active
	return HostEvent{Host: h.id, Ejected: true, At: now, Reason: r, Duration: dur, Ejections: h.ejections}, true
}

// Ejected reports whether host is ejected now.
func (d *OutlierDetector) Ejected(host string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	h := d.hosts[host]
	return h != nil && h.ejected
}

// Stats returns the cumulative counters.
func (d *OutlierDetector) Stats() OutlierStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stats
}
