package ratelimit

import (
	"testing"
	"time"
	_ "time/tzdata"
)

// TestQuotaDay: 10 000 a day, offered one request every 4 seconds for two
// days (21 600 a day): 10 000 each day, and the first denial waits for
// midnight.
func TestQuotaDay(t *testing.T) {
	l := mustNew(t, NewQuota, Options{Limit: 10000, Window: 24 * time.Hour})
	allowed, firstDenied := 0, time.Time{}
	var firstRetry time.Duration
	for at := t0; at.Before(t0.Add(48 * time.Hour)); at = at.Add(4 * time.Second) {
		d := l.Allow("k", at)
		if d.Allowed {
			allowed++
		} else if firstDenied.IsZero() {
			firstDenied, firstRetry = at, d.RetryAfter
		}
	}
	if got, want := allowed, 20000; got != want {
		t.Errorf("allowed: got %d, want %d", got, want)
	}
	// The 10 001st request arrives at 10 000 × 4s = 11h06m40s.
	if got, want := firstDenied.Sub(t0), 40000*time.Second; got != want {
		t.Errorf("first denial at: got %v, want %v", got, want)
	}
	if got, want := firstRetry, 24*time.Hour-40000*time.Second; got != want {
		t.Errorf("retry after: got %v, want %v", got, want)
	}
	if got, want := l.Allow("x", t0).Policy, "10000;w=86400"; got != want {
		t.Errorf("policy: got %q, want %q", got, want)
	}
}

func TestQuotaCalendar(t *testing.T) {
	plus2 := time.FixedZone("UTC+2", 2*3600)
	for _, tc := range []struct {
		name string
		o    Options
		rows []row
	}{
		{
			// t0 is 02:00 on 1 March in UTC+2; the local day ends 22h later.
			name: "day in UTC+2",
			o:    Options{Limit: 2, Calendar: CalendarDay, Anchor: time.Date(2000, 1, 1, 0, 0, 0, 0, plus2)},
			rows: []row{
				{at: 0, n: 1, ok: true, remaining: 1, reset: 22 * time.Hour},
				{at: time.Hour, n: 1, ok: true, remaining: 0, reset: 21 * time.Hour},
				{at: 2 * time.Hour, n: 1, ok: false, remaining: 0, reset: 20 * time.Hour, retry: 20 * time.Hour},
				{at: 22 * time.Hour, n: 1, ok: true, remaining: 1, reset: 24 * time.Hour},
			},
		},
		{
			// March has 31 days; April starts a new quota.
			name: "month in UTC",
			o:    Options{Limit: 2, Calendar: CalendarMonth},
			rows: []row{
				{at: 0, n: 2, ok: true, remaining: 0, reset: 31 * 24 * time.Hour},
				{at: 30 * 24 * time.Hour, n: 1, ok: false, remaining: 0, reset: 24 * time.Hour, retry: 24 * time.Hour},
				{at: 31 * 24 * time.Hour, n: 1, ok: true, remaining: 1, reset: 30 * 24 * time.Hour},
			},
		},
		{
			// A 24h window anchored at 06:00 is not a calendar day.
			name: "anchored window",
			o:    Options{Limit: 1, Window: 24 * time.Hour, Anchor: t0.Add(6 * time.Hour)},
			rows: []row{
				{at: 0, n: 1, ok: true, remaining: 0, reset: 6 * time.Hour},
				{at: 5 * time.Hour, n: 1, ok: false, remaining: 0, reset: time.Hour, retry: time.Hour},
				{at: 6 * time.Hour, n: 1, ok: true, remaining: 0, reset: 24 * time.Hour},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runRows(t, mustNew(t, NewQuota, tc.o), tc.rows)
		})
	}
}

// TestQuotaCalendarDST: a calendar day in a zone with daylight saving lasts
// 23 hours on the spring-forward date (the embedded time/tzdata, so no
// system files are needed).
func TestQuotaCalendarDST(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	l := mustNew(t, NewQuota, Options{Limit: 1, Calendar: CalendarDay, Anchor: time.Date(2024, 1, 1, 0, 0, 0, 0, loc)})
	start := time.Date(2024, 3, 31, 0, 0, 0, 0, loc)
	if got, want := l.Allow("k", start).Reset, 23*time.Hour; got != want {
		t.Errorf("reset on the short day: got %v, want %v", got, want)
	}
}
