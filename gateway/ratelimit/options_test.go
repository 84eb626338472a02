package ratelimit

import (
	"errors"
	"testing"
	"time"
)

func TestOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		o     Options
		field string // "" when valid
	}{
		{"token bucket", Options{Algorithm: AlgTokenBucket, Limit: 100, Window: time.Second, Burst: 20}, ""},
		{"default burst", Options{Algorithm: AlgGCRA, Limit: 100, Window: time.Second}, ""},
		{"no algorithm", Options{Limit: 1, Window: time.Second}, "algorithm"},
		{"unknown algorithm", Options{Algorithm: "leaky", Limit: 1, Window: time.Second}, "algorithm"},
		{"zero limit", Options{Algorithm: AlgFixedWindow, Window: time.Second}, "limit"},
		{"no window", Options{Algorithm: AlgSlidingLog, Limit: 1}, "window"},
		{"negative burst", Options{Algorithm: AlgTokenBucket, Limit: 1, Window: time.Second, Burst: -1}, "burst"},
		{"burst on a window", Options{Algorithm: AlgFixedWindow, Limit: 1, Window: time.Second, Burst: 3}, "burst"},
		{"window on concurrency", Options{Algorithm: AlgConcurrency, Limit: 1, Window: time.Second}, "window"},
		{"concurrency", Options{Algorithm: AlgConcurrency, Limit: 8}, ""},
		{"anchor on a bucket", Options{Algorithm: AlgTokenBucket, Limit: 1, Window: time.Second, Anchor: t0}, "anchor"},
		{"big sliding log", Options{Algorithm: AlgSlidingLog, Limit: 1 << 20, Window: time.Second}, "limit"},
		{"calendar quota", Options{Algorithm: AlgQuota, Limit: 1000, Calendar: CalendarMonth}, ""},
		{"calendar and window", Options{Algorithm: AlgQuota, Limit: 1000, Calendar: CalendarDay, Window: time.Hour}, "window"},
		{"unknown calendar", Options{Algorithm: AlgQuota, Limit: 1000, Calendar: "week"}, "calendar"},
		{"calendar off quota", Options{Algorithm: AlgFixedWindow, Limit: 1, Window: time.Second, Calendar: CalendarDay}, "calendar"},
		{"bucket overflow", Options{Algorithm: AlgTokenBucket, Limit: 1, Window: 24 * time.Hour, Burst: 1 << 40}, "burst"},
		{"counter overflow", Options{Algorithm: AlgSlidingWindowCounter, Limit: 1 << 40, Window: 24 * time.Hour}, "limit"},
		{"negative max keys", Options{Algorithm: AlgFixedWindow, Limit: 1, Window: time.Second, MaxKeys: -1}, "max_keys"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.o.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				if _, err := New(tc.o); err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("got %v, want an error on %q", err, tc.field)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("%v does not match ErrInvalid", err)
			}
		})
	}
}

func TestConstructorChecksAlgorithm(t *testing.T) {
	_, err := NewGCRA(Options{Algorithm: AlgTokenBucket, Limit: 1, Window: time.Second})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "algorithm" {
		t.Fatalf("got %v, want an algorithm error", err)
	}
}

func TestNewReturnsEachAlgorithm(t *testing.T) {
	for _, a := range Algorithms() {
		o := Options{Algorithm: a, Limit: 1, Window: time.Second}
		if a == AlgConcurrency {
			o.Window = 0
		}
		l, err := New(o)
		if err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		var ok bool
		switch a {
		case AlgTokenBucket:
			_, ok = l.(*TokenBucket)
		case AlgGCRA:
			_, ok = l.(*GCRA)
		case AlgFixedWindow:
			_, ok = l.(*FixedWindow)
		case AlgSlidingLog:
			_, ok = l.(*SlidingLog)
		case AlgSlidingWindowCounter:
			_, ok = l.(*SlidingWindowCounter)
		case AlgConcurrency:
			_, ok = l.(*Concurrency)
		case AlgQuota:
			_, ok = l.(*Quota)
		}
		if !ok {
			t.Errorf("%s: got %T", a, l)
		}
	}
}

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		in     string
		limit  int64
		window time.Duration
		err    bool
	}{
		{"100/s", 100, time.Second, false},
		{" 5 / min ", 5, time.Minute, false},
		{"10000/day", 10000, 24 * time.Hour, false},
		{"50/hour", 50, time.Hour, false},
		{"1/2s", 1, 2 * time.Second, false},
		{"100/100ms", 100, 100 * ms, false},
		{"100", 0, 0, true},
		{"0/s", 0, 0, true},
		{"-1/s", 0, 0, true},
		{"x/s", 0, 0, true},
		{"1/fortnight", 0, 0, true},
		{"1/-1s", 0, 0, true},
		{"1/0s", 0, 0, true},
	} {
		limit, window, err := ParseRate(tc.in)
		if tc.err {
			if err == nil || !errors.Is(err, ErrInvalid) {
				t.Errorf("%q: got %d/%v, %v; want an ErrInvalid error", tc.in, limit, window, err)
			}
			continue
		}
		if err != nil || limit != tc.limit || window != tc.window {
			t.Errorf("%q: got %d/%v, %v; want %d/%v", tc.in, limit, window, err, tc.limit, tc.window)
		}
	}
}
