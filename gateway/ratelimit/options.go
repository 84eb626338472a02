package ratelimit

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Calendar names a calendar period for quotas.
type Calendar string

// Calendar periods. They start at midnight (and on the 1st, for months) in
// Options.Anchor's location, so a day is 23 or 25 hours across a DST change.
const (
	CalendarDay   Calendar = "day"
	CalendarMonth Calendar = "month"
)

// maxSlidingLogLimit bounds a sliding log's per-key memory (8 bytes a
// request); larger limits belong to the sliding window counter.
const maxSlidingLogLimit = 1 << 16

// overflowGuard is the largest product of counts and nanoseconds an
// algorithm may need; a quarter of int64 leaves room for debt (shared mode
// replays consumption past the limit) without overflow.
const overflowGuard = math.MaxInt64 / 4

// Options configure one limiter. The zero value of every field but Algorithm,
// Limit and (for rate algorithms) Window means the documented default.
type Options struct {
	Algorithm Algorithm `json:"algorithm" yaml:"algorithm"`
	// Limit is the number of requests per Window, the refill per Window
	// for token bucket and GCRA, and the in-flight maximum for
	// concurrency.
	Limit int64 `json:"limit" yaml:"limit"`
	// Window is the period Limit is counted over. Unused by concurrency
	// and by calendar quotas.
	Window time.Duration `json:"window,omitempty" yaml:"window,omitempty"`
	// Burst is the bucket size for token bucket and GCRA (the most requests
	// allowed at once); 0 means Limit. redis-cell's max_burst is Burst-1.
	Burst int64 `json:"burst,omitempty" yaml:"burst,omitempty"`
	// Calendar makes a quota's period a calendar day or month instead of
	// Window.
	Calendar Calendar `json:"calendar,omitempty" yaml:"calendar,omitempty"`
	// Anchor aligns fixed windows, sliding window counters and quotas:
	// windows start at Anchor + k·Window. The zero value means the Unix
	// epoch in UTC (windows on clock boundaries, like Kong's). A calendar
	// quota uses only Anchor's location.
	Anchor time.Time `json:"anchor,omitempty" yaml:"anchor,omitempty"`
	// MaxKeys bounds the keys tracked (least recently used go first);
	// 0 means DefaultMaxKeys.
	MaxKeys int `json:"max_keys,omitempty" yaml:"max_keys,omitempty"`
}

// withDefaults fills zero fields with their documented defaults.
func (o Options) withDefaults() Options {
	if (o.Algorithm == AlgTokenBucket || o.Algorithm == AlgGCRA) && o.Burst == 0 {
		o.Burst = o.Limit
	}
	if o.MaxKeys == 0 {
		o.MaxKeys = DefaultMaxKeys
	}
	return o
}

// Validate reports the first field that is wrong, as a *FieldError. Fields
// an algorithm does not use must be zero, so a misplaced setting is caught
// rather than ignored.
func (o Options) Validate() error {
	o = o.withDefaults()
	if o.Limit < 1 {
		return fieldErr("limit", "must be at least 1")
	}
	if o.MaxKeys < 0 {
		return fieldErr("max_keys", "must not be negative")
	}
	usesWindow, usesBurst, usesAnchor := true, false, false
	switch o.Algorithm {
	case AlgTokenBucket, AlgGCRA:
		usesBurst = true
	case AlgFixedWindow, AlgSlidingWindowCounter:
		usesAnchor = true
	case AlgSlidingLog:
		if o.Limit > maxSlidingLogLimit {
			return fieldErr("limit", fmt.Sprintf("at most %d for sliding_log (memory grows with the limit); use sliding_window_counter", maxSlidingLogLimit))
		}
	case AlgConcurrency:
		usesWindow = false
	case AlgQuota:
		usesAnchor = true
		switch o.Calendar {
		case "":
		case CalendarDay, CalendarMonth:
			if o.Window != 0 {
				return fieldErr("window", "must be empty when calendar is set")
			}
			usesWindow = false
		default:
			return fieldErr("calendar", fmt.Sprintf("unknown calendar %q (want day or month)", o.Calendar))
		}
	case "":
		return fieldErr("algorithm", "missing")
	default:
		return fieldErr("algorithm", fmt.Sprintf("unknown algorithm %q", o.Algorithm))
	}
	if o.Calendar != "" && o.Algorithm != AlgQuota {
		return fieldErr("calendar", "only quota uses a calendar")
	}
	if usesWindow && o.Window <= 0 {
		return fieldErr("window", "must be positive")
	}
	if !usesWindow && o.Window != 0 {
		return fieldErr("window", fmt.Sprintf("not used by %s", o.Algorithm))
	}
	if !usesBurst && o.Burst != 0 {
		return fieldErr("burst", fmt.Sprintf("not used by %s", o.Algorithm))
	}
	if !usesAnchor && !o.Anchor.IsZero() {
		return fieldErr("anchor", fmt.Sprintf("not used by %s", o.Algorithm))
	}
	if usesBurst {
		if o.Burst < 1 {
			return fieldErr("burst", "must be at least 1")
		}
		// Token units are Window nanoseconds per token.
		if o.Burst > overflowGuard/int64(o.Window) {
			return fieldErr("burst", "burst × window overflows; use a shorter window")
		}
	}
	if o.Algorithm == AlgSlidingWindowCounter && o.Limit > overflowGuard/int64(o.Window) {
		return fieldErr("limit", "limit × window overflows; use a shorter window or a quota")
	}
	return nil
}

// New builds the limiter o describes.
func New(o Options) (Limiter, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	switch o.Algorithm {
	case AlgTokenBucket:
		return NewTokenBucket(o)
	case AlgGCRA:
		return NewGCRA(o)
	case AlgFixedWindow:
		return NewFixedWindow(o)
	case AlgSlidingLog:
		return NewSlidingLog(o)
	case AlgSlidingWindowCounter:
		return NewSlidingWindowCounter(o)
	case AlgConcurrency:
		return NewConcurrency(o)
	default:
		return NewQuota(o)
	}
}

// check validates o for the constructor of algorithm a; an empty
// o.Algorithm means a.
func (o Options) check(a Algorithm) (Options, error) {
	if o.Algorithm == "" {
		o.Algorithm = a
	}
	if o.Algorithm != a {
		return o, fieldErr("algorithm", fmt.Sprintf("%s given to the %s constructor", o.Algorithm, a))
	}
	if err := o.Validate(); err != nil {
		return o, err
	}
	return o.withDefaults(), nil
}

// policyString renders a quota policy in the RateLimit-Policy syntax of
// draft-ietf-httpapi-ratelimit-headers: "limit;w=seconds". The draft wants
// whole seconds, so a sub-second window is scaled up when that is exact
// ("10 per 100ms" is "100;w=1").
func policyString(limit int64, window time.Duration, extra string) string {
	w := int64(window)
	sec := int64(time.Second)
	var s string
	switch {
	case w%sec == 0:
		s = strconv.FormatInt(limit, 10) + ";w=" + strconv.FormatInt(w/sec, 10)
	case sec%w == 0 && limit <= math.MaxInt64/(sec/w):
		s = strconv.FormatInt(limit*(sec/w), 10) + ";w=1"
	default:
		s = strconv.FormatInt(limit, 10) + ";w=" + strconv.FormatFloat(window.Seconds(), 'f', -1, 64)
	}
	return s + extra
}

// ParseRate reads a rate written "N/unit" or "N/duration": "100/s",
// "5/min", "10000/day", "1/2s", "100/100ms". Units are s, sec, second, m,
// min, minute, h, hour, d, day (a day is 24 hours here; a calendar day is a
// quota's Calendar).
func ParseRate(s string) (limit int64, window time.Duration, err error) {
	num, per, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return 0, 0, fmt.Errorf("ratelimit: rate %q: want N/unit such as 100/s: %w", s, ErrInvalid)
	}
	limit, err = strconv.ParseInt(strings.TrimSpace(num), 10, 64)
	if err != nil || limit < 1 {
		return 0, 0, fmt.Errorf("ratelimit: rate %q: count must be a positive integer: %w", s, ErrInvalid)
	}
	per = strings.TrimSpace(per)
	switch per {
	case "s", "sec", "second":
		window = time.Second
	case "m", "min", "minute":
		window = time.Minute
	case "h", "hour":
		window = time.Hour
	case "d", "day":
		window = 24 * time.Hour
	default:
		window, err = time.ParseDuration(per)
		if err != nil || window <= 0 {
			return 0, 0, fmt.Errorf("ratelimit: rate %q: period must be a unit or a positive duration: %w", s, ErrInvalid)
		}
	}
	return limit, window, nil
}
