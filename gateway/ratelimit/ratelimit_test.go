package ratelimit

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// t0 is a second, minute, hour and day boundary in UTC, so fixed windows
// start on it.
var t0 = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

const ms = time.Millisecond

// row is one step of a limiter table, in the shape of x/time/rate's tests:
// at t0+at, a request of cost n, and every field of the decision.
type row struct {
	at        time.Duration
	n         int64
	ok        bool
	remaining int64
	reset     time.Duration
	retry     time.Duration
}

type allowNer interface {
	AllowN(key string, now time.Time, n int64) Decision
}

func runRows(t *testing.T, l allowNer, rows []row) {
	t.Helper()
	for i, r := range rows {
		d := l.AllowN("k", t0.Add(r.at), r.n)
		if d.Allowed != r.ok || d.Remaining != r.remaining || d.Reset != r.reset || d.RetryAfter != r.retry {
			t.Errorf("row %d (at %v, n %d): got ok=%v remaining=%d reset=%v retry=%v, want ok=%v remaining=%d reset=%v retry=%v",
				i, r.at, r.n, d.Allowed, d.Remaining, d.Reset, d.RetryAfter, r.ok, r.remaining, r.reset, r.retry)
		}
	}
}

func mustNew[L any](t testing.TB, f func(Options) (L, error), o Options) L {
	t.Helper()
	l, err := f(o)
	if err != nil {
		t.Fatalf("new %+v: %v", o, err)
	}
	return l
}

// evenly offers requests at t0 + i·span/total for i = 0..total-1 (vegeta's
// constant pacer: total arrivals in [0, span)), plus one more at exactly
// t0+span when closed, and counts the allowed ones.
func evenly(l Limiter, key string, total int, span time.Duration, closed bool) int {
	last := total - 1
	if closed {
		last = total
	}
	allowed := 0
	for i := 0; i <= last; i++ {
		if l.Allow(key, t0.Add(time.Duration(int64(i)*int64(span)/int64(total)))).Allowed {
			allowed++
		}
	}
	return allowed
}
