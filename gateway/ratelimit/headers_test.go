package ratelimit

import (
	"net/http"
	"reflect"
	"testing"
	"time"
)

func TestWriteHeaders(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    Decision
		want http.Header
	}{
		{
			name: "allowed",
			d:    Decision{Allowed: true, Limit: 100, Remaining: 42, Reset: 1500 * ms, Policy: "100;w=60"},
			want: http.Header{
				"Ratelimit-Limit": {"100"}, "Ratelimit-Remaining": {"42"}, "Ratelimit-Reset": {"2"},
				"Ratelimit-Policy":  {"100;w=60"},
				"X-Ratelimit-Limit": {"100"}, "X-Ratelimit-Remaining": {"42"}, "X-Ratelimit-Reset": {"2"},
			},
		},
		{
			name: "denied rounds retry up",
			d:    Decision{Limit: 20, Reset: 300 * ms, RetryAfter: 10 * ms, Policy: "100;w=1;burst=20"},
			want: http.Header{
				"Ratelimit-Limit": {"20"}, "Ratelimit-Remaining": {"0"}, "Ratelimit-Reset": {"1"},
				"Ratelimit-Policy":  {"100;w=1;burst=20"},
				"X-Ratelimit-Limit": {"20"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"1"},
				"Retry-After": {"1"},
			},
		},
		{
			name: "whole seconds stay whole",
			d:    Decision{Limit: 10000, Reset: 11 * time.Hour, RetryAfter: 11 * time.Hour, Policy: "10000;w=86400"},
			want: http.Header{
				"Ratelimit-Limit": {"10000"}, "Ratelimit-Remaining": {"0"}, "Ratelimit-Reset": {"39600"},
				"Ratelimit-Policy":  {"10000;w=86400"},
				"X-Ratelimit-Limit": {"10000"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"39600"},
				"Retry-After": {"39600"},
			},
		},
		{
			name: "just over a second",
			d:    Decision{Limit: 5, Reset: time.Second + 1, RetryAfter: time.Second + 1},
			want: http.Header{
				"Ratelimit-Limit": {"5"}, "Ratelimit-Remaining": {"0"}, "Ratelimit-Reset": {"2"},
				"X-Ratelimit-Limit": {"5"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"2"},
				"Retry-After": {"2"},
			},
		},
		{
			// A concurrency denial has no wait of its own; Retry-After
			// is never 0.
			name: "concurrency denied",
			d:    Decision{Limit: 3},
			want: http.Header{
				"Ratelimit-Limit": {"3"}, "Ratelimit-Remaining": {"0"}, "Ratelimit-Reset": {"0"},
				"X-Ratelimit-Limit": {"3"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"0"},
				"Retry-After": {"1"},
			},
		},
		{name: "no limit", d: Decision{Allowed: true}, want: http.Header{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			tc.d.WriteHeaders(h)
			if !reflect.DeepEqual(h, tc.want) {
				t.Errorf("got %v, want %v", h, tc.want)
			}
		})
	}
}

// TestWriteHeadersReplaces: writing an allowance over a denial's headers
// leaves no stale Retry-After or policy behind.
func TestWriteHeadersReplaces(t *testing.T) {
	h := http.Header{}
	Decision{Limit: 1, RetryAfter: time.Second, Policy: "1;w=1"}.WriteHeaders(h)
	Decision{Allowed: true, Limit: 3, Remaining: 2}.WriteHeaders(h)
	want := http.Header{
		"Ratelimit-Limit": {"3"}, "Ratelimit-Remaining": {"2"}, "Ratelimit-Reset": {"0"},
		"X-Ratelimit-Limit": {"3"}, "X-Ratelimit-Remaining": {"2"}, "X-Ratelimit-Reset": {"0"},
	}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("got %v, want %v", h, want)
	}
}

// TestHeadersFromLimiters: headers straight from real decisions, the way the
// gateway writes them.
func TestHeadersFromLimiters(t *testing.T) {
	tb := mustNew(t, NewTokenBucket, Options{Limit: 100, Window: time.Second, Burst: 20})
	var d Decision
	for range 21 {
		d = tb.Allow("k", t0)
	}
	h := http.Header{}
	d.WriteHeaders(h)
	want := http.Header{
		"Ratelimit-Limit": {"20"}, "Ratelimit-Remaining": {"0"}, "Ratelimit-Reset": {"1"},
		"Ratelimit-Policy":  {"100;w=1;burst=20"},
		"X-Ratelimit-Limit": {"20"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"1"},
		"Retry-After": {"1"},
	}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("got %v, want %v", h, want)
	}
}

func TestCanonicalNames(t *testing.T) {
	for _, p := range [][2]string{
		{HeaderLimit, canonLimit}, {HeaderRemaining, canonRemaining}, {HeaderReset, canonReset},
		{HeaderPolicy, canonPolicy}, {HeaderXLimit, canonXLimit}, {HeaderXRemaining, canonXRemaining},
		{HeaderXReset, canonXReset}, {HeaderRetryAfter, HeaderRetryAfter},
	} {
		if got := http.CanonicalHeaderKey(p[0]); got != p[1] {
			t.Errorf("%s: got %q, want %q", p[0], got, p[1])
		}
	}
}

func TestPolicyString(t *testing.T) {
	for _, tc := range []struct {
		limit  int64
		window time.Duration
		want   string
	}{
		{100, time.Second, "100;w=1"},
		{5, time.Minute, "5;w=60"},
		{10, 100 * ms, "100;w=1"},
		{3, 1500 * ms, "3;w=1.5"},
		{1, 24 * time.Hour, "1;w=86400"},
	} {
		if got := policyString(tc.limit, tc.window, ""); got != tc.want {
			t.Errorf("%d per %v: got %q, want %q", tc.limit, tc.window, got, tc.want)
		}
	}
}
